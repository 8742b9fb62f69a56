import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import type { JobEvent } from '../interfaces/job-event.interface.js';
import type { DiscoveredListener } from '../discover/jobs.explorer.js';
import type { JobsLogger } from '../module/jobs.logger.js';

/** Carries job lifecycle events from the runners to `JobsService.events$` and `@OnJobEvent` listeners. */
@Injectable()
export class JobEventsBus implements OnApplicationShutdown {
  private readonly subject = new Subject<JobEvent>();
  readonly events$: Observable<JobEvent> = this.subject.asObservable();

  /**
   * Whether anything listens (`events$` subscribers, `@OnJobEvent` listeners): runners build no
   * event for nobody (and hold no outcome events until pg-boss recorded them), two per job otherwise.
   */
  get observed(): boolean {
    return this.subject.observed;
  }

  emit(event: JobEvent): void {
    this.subject.next(event);
  }

  /** Emits events in order. */
  emitAll(events: readonly JobEvent[]): void {
    for (const event of events) this.subject.next(event);
  }

  /**
   * Calls each `@OnJobEvent` listener for its events, after the emitting code has moved on; a
   * listener that throws is logged and changes nothing for the job.
   */
  subscribeListeners(listeners: readonly DiscoveredListener[], logger: JobsLogger | undefined): void {
    for (const listener of listeners) {
      this.events$.subscribe((event) => {
        if (event.type !== listener.type || (listener.queue && listener.queue !== event.queue)) return;
        Promise.resolve()
          .then(() => listener.invoke(event))
          .catch((error) => logger?.error(`@OnJobEvent listener ${listener.owner} threw: ${(error as Error)?.message}`));
      });
    }
  }

  onApplicationShutdown(): void {
    this.subject.complete();
  }
}
