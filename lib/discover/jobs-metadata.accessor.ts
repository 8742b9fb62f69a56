import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  JOB_EVENT_LISTENER_METADATA,
  JOB_HANDLER_METADATA,
  RECURRING_METADATA,
} from '../module/jobs.constants.js';
import type { JobHandlerMetadata } from '../declare/decorators/job-handler.decorator.js';
import type { RecurringMetadata } from '../declare/decorators/recurring.decorator.js';
import type { JobEventListenerMetadata } from '../declare/decorators/on-job-event.decorator.js';

/** Reads the module's decorator metadata from methods; nothing else. */
@Injectable()
export class JobsMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getJobHandlerMetadata(target: Function): JobHandlerMetadata | undefined {
    return this.reflector.get(JOB_HANDLER_METADATA, target);
  }

  /** Every `@Recurring` on the method, in source order. */
  getRecurringMetadata(target: Function): readonly RecurringMetadata[] | undefined {
    return this.reflector.get(RECURRING_METADATA, target);
  }

  getEventListenerMetadata(target: Function): JobEventListenerMetadata | undefined {
    return this.reflector.get(JOB_EVENT_LISTENER_METADATA, target);
  }
}
