import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { JobEvent } from './interfaces/job-event.interface.js';

/** Carries job lifecycle events from the runners to `JobsService.events$` and `@OnJobEvent` listeners. */
@Injectable()
export class JobEventsBus implements OnApplicationShutdown {
  private readonly subject = new Subject<JobEvent>();
  readonly events$: Observable<JobEvent> = this.subject.asObservable();

  emit(event: JobEvent): void {
    this.subject.next(event);
  }

  onApplicationShutdown(): void {
    this.subject.complete();
  }
}
