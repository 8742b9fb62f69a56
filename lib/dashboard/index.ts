export { JobsDashboardModule } from './jobs-dashboard.module.js';
export { JOBS_DASHBOARD_OPTIONS } from './jobs-dashboard.module-definition.js';
export { JobsDashboardRoute } from './dashboard.gate.js';
export type {
  JobsDashboardOptions,
  JobsDashboardDatabase,
  JobsDashboardGuard,
} from './interfaces/jobs-dashboard-options.interface.js';
