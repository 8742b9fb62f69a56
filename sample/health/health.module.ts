import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { JobsHealthIndicator } from 'nest-pg-jobs/terminus';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [JobsHealthIndicator],
})
export class HealthModule {}
