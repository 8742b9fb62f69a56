import type { JobWithMetadata } from 'pg-boss';

/**
 * A job of queue "hangs" as pg-boss hands it to the work handler, with the controller of the signal
 * pg-boss aborts at its expiry (one second).
 */
export function rawJob(id: string, retryLimit = 2): { raw: JobWithMetadata<object>; expire: AbortController } {
  const expire = new AbortController();
  const raw = {
    id,
    name: 'hangs',
    data: { n: 1 },
    retryCount: 0,
    retryLimit,
    priority: 0,
    createdOn: new Date(),
    expireInSeconds: 1,
    signal: expire.signal,
  } as unknown as JobWithMetadata<object>;
  return { raw, expire };
}
