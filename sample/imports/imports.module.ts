import { Module } from '@nestjs/common';
import { ImportsController } from './imports.controller.js';
import { ImportsStore } from './imports.store.js';
import { ImportsWorker } from './imports.worker.js';

@Module({
  controllers: [ImportsController],
  providers: [ImportsWorker, ImportsStore],
  exports: [ImportsStore],
})
export class ImportsModule {}
