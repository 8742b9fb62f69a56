export { JobsModule } from './module/jobs.module.js';
export { JobsService } from './runtime/jobs.service.js';
export { JobContext } from './context/job-context.js';
export { JobLogger } from './context/job-logger.js';
export { defineJob } from './declare/define-job.js';
export { defineEvent, type DefineEventOptions } from './declare/define-event.js';
export type { EventDefinition, EventInput } from './interfaces/event-definition.interface.js';
export type { DrainJobsOptions, DrainJobsResult } from './interfaces/drain.interface.js';
export { flowStep } from './declare/flow-step.js';
export { fromPg, fromTypeOrm, fromMikroOrm, fromKnex, fromKysely, fromDrizzle, fromPrisma } from './adapters/index.js';
export type {
  PgClientLike,
  TypeOrmEntityManagerLike,
  TypeOrmQueryRunnerLike,
  MikroOrmEntityManagerLike,
} from './adapters/index.js';
export { JobHandler } from './declare/decorators/job-handler.decorator.js';
export { Recurring, type RecurringOptions } from './declare/decorators/recurring.decorator.js';
export { OnJobEvent } from './declare/decorators/on-job-event.decorator.js';
export { JOBS_MODULE_OPTIONS } from './module/jobs.module-definition.js';
export { PG_BOSS, RECURRING_SCHEDULE_KEY } from './module/jobs.constants.js';
export { MAX_SCHEDULE_EXPRESSION_LENGTH } from './declare/validate-schedule.util.js';
export { getJobsConstructionPlans } from './backend/pg-boss/module-tables.js';
export * from './errors/index.js';
export type { Job, JobProgress } from './interfaces/job.interface.js';
export type {
  JobDefinition,
  DefineJobOptions,
  JobDefinitionOptions,
  JobInput,
  JobOutput,
  JobResult,
} from './interfaces/job-definition.interface.js';
export type { JsonResult, StoredResult } from './interfaces/job-result.interface.js';
export type { JobRecord, JobWithProgress, TypedJobRecord, JobState, FindJobsOptions } from './interfaces/job-record.interface.js';
export type { JsonPayload, JsonValue, JsonSchemaInput } from './interfaces/json-payload.interface.js';
export type {
  JobHandlerOptions,
  JobWorkerOptions,
  JobBatchOptions,
  JobRateLimit,
  JobHandlerOptionsContext,
  JobHandlerOptionsFactory,
} from './interfaces/job-handler-options.interface.js';
export type { JobsModuleOptions, JobsModuleExtras } from './interfaces/jobs-module-options.interface.js';
export type { JobsOpenTelemetryOptions } from './interfaces/open-telemetry-options.interface.js';
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
export type {
  BatchJobResult,
  UntypedBatchJobResult,
  CompletedBatchJobResult,
  FailedBatchJobResult,
} from './interfaces/batch-result.interface.js';
export type { QueueCounts } from './interfaces/queue-counts.interface.js';
