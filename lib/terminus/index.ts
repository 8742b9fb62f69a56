// nest-pg-jobs/terminus: health checks for @nestjs/terminus (an optional peer dependency, loaded only
// through this entry point; the package's root entry never imports it).
export { JobsHealthIndicator } from './jobs-health.indicator.js';
export type {
  JobsHealthOptions,
  JobsQueueThresholds,
  JobsHealthDetails,
  JobsHealthFailure,
  JobsQueueHealth,
  JobsHealthCheckName,
} from './jobs-health-options.interface.js';
