export { JobsModule } from './jobs.module.js';
export { JobsService } from './jobs.service.js';
export { JobContext } from './context/job-context.js';
export { JobLogger } from './context/job-logger.js';
export { defineJob } from './define-job.js';
export { flowStep } from './flows/flow-step.js';
export { fromPg, fromTypeOrm, fromMikroOrm, fromKnex, fromKysely, fromDrizzle, fromPrisma } from './adapters/index.js';
export type {
  PgClientLike,
  TypeOrmEntityManagerLike,
  TypeOrmQueryRunnerLike,
  MikroOrmEntityManagerLike,
} from './adapters/index.js';
export { JobHandler } from './decorators/job-handler.decorator.js';
export { Recurring, type RecurringOptions } from './decorators/recurring.decorator.js';
export { OnJobEvent } from './decorators/on-job-event.decorator.js';
export { JOBS_MODULE_OPTIONS } from './jobs.module-definition.js';
export { PG_BOSS, RECURRING_SCHEDULE_KEY } from './jobs.constants.js';
export { MAX_SCHEDULE_EXPRESSION_LENGTH } from './utils/validate-schedule.util.js';
export * from './errors/index.js';
export type { Job } from './interfaces/job.interface.js';
export type {
  JobDefinition,
  DefineJobOptions,
  JobInput,
  JobOutput,
} from './interfaces/job-definition.interface.js';
export type { JsonPayload, JsonValue, JsonSchemaInput } from './interfaces/json-payload.interface.js';
export type {
  JobHandlerOptions,
  JobWorkerOptions,
  JobBatchOptions,
  JobHandlerOptionsContext,
  JobHandlerOptionsFactory,
} from './interfaces/job-handler-options.interface.js';
export type { JobsModuleOptions, JobsModuleExtras } from './interfaces/jobs-module-options.interface.js';
export type { JobQueueOptions } from './interfaces/queue-options.interface.js';
export type {
  SendJobOptions,
  SendManyJobOptions,
  ScheduleJobOptions,
  TransactionOptions,
  JobsDb,
} from './interfaces/send-options.interface.js';
export type { FlowStep } from './interfaces/flow-step.interface.js';
export type { JobEvent, JobEventType } from './interfaces/job-event.interface.js';
export type { BatchJobResult } from './interfaces/batch-result.interface.js';
export type { QueueCounts } from './interfaces/queue-counts.interface.js';
