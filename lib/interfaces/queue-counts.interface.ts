/** Jobs of a queue by state, as `JobsService.getQueueCounts` reports them. */
export interface QueueCounts {
  queue: string;
  /** Waiting to run: created or retry, including deferred. */
  queued: number;
  active: number;
  completed: number;
  /** Failed for good (retries exhausted), still retained. */
  failed: number;
  cancelled: number;
  /** Jobs waiting in the queue's dead-letter queue, when it has one. */
  dead: number;
}
