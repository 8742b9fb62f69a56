import { Module } from '@nestjs/common';
import { jobsModule } from './jobs.config.js';
import { ImagesModule } from './images/images.module.js';
import { ImportsModule } from './imports/imports.module.js';
import { MaintenanceModule } from './maintenance/maintenance.module.js';
import { PaymentsModule } from './payments/payments.module.js';
import { UsersModule } from './users/users.module.js';

/**
 * The worker process (`npm run start:worker`, sample/worker.ts): the same feature modules as the
 * HTTP app, so the same `@JobHandler` and `@Recurring` methods, without HTTP, the dashboard or the
 * metrics endpoint. Their controllers are built but serve nothing: a Nest application context has
 * no HTTP server.
 */
@Module({
  imports: [jobsModule(), UsersModule, ImagesModule, ImportsModule, PaymentsModule, MaintenanceModule],
})
export class WorkerModule {}
