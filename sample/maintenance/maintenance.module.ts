import { Module } from '@nestjs/common';
import { ImportsModule } from '../imports/imports.module.js';
import { UsersModule } from '../users/users.module.js';
import { MaintenanceController } from './maintenance.controller.js';
import { MaintenanceWorker } from './maintenance.worker.js';

@Module({
  imports: [ImportsModule, UsersModule],
  controllers: [MaintenanceController],
  providers: [MaintenanceWorker],
})
export class MaintenanceModule {}
