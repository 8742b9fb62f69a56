import type { LoggerService } from '@nestjs/common';
import type { JobsBackend, QueueGauges } from '../backend/jobs-backend.js';
import type { JobsRegistry } from '../runtime/jobs.registry.js';
import { QUEUE_GAUGES_READ_FAILED } from './prometheus.messages.js';

/**
 * Reads the queue gauges of every queue the app declares (its handlers' queues, `JobsModule`'s
 * `queues`, their dead-letter queues) when a scrape asks for them, never on a timer: one
 * `JobsBackend.getQueueGauges` call (one statement) in flight at a time, shared by every gauge that
 * asks while it runs. prom-client collects the gauges of a scrape all at once and OpenTelemetry calls
 * one batch callback, so a scrape costs one statement, and a slow database never has more than one
 * of them queued, however often it is scraped. Nothing while `JobsModule` is not running; a failed
 * read is logged and gives no gauges, so the rest of the scrape (the app's own metrics) still answers.
 */
export class QueueGaugesReader {
  private pending: Promise<readonly QueueGauges[]> | undefined;

  constructor(
    private readonly registry: JobsRegistry,
    private readonly backend: JobsBackend,
    private readonly logger: LoggerService,
  ) {}

  /**
   * The gauges of the declared queues that exist, by queue name.
   *
   * @example
   * for (const { queue, waiting } of await reader.read()) gauge.set({ queue }, waiting);
   */
  read(): Promise<readonly QueueGauges[]> {
    if (this.registry.state !== 'running') return Promise.resolve([]);
    this.pending ??= this.backend
      .getQueueGauges(this.registry.queues.map((queue) => queue.name))
      .catch((error: unknown) => {
        this.logger.warn(QUEUE_GAUGES_READ_FAILED(error));
        return [];
      })
      .finally(() => {
        this.pending = undefined;
      });
    return this.pending;
  }
}
