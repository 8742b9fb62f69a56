/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many ms (default 20 000). */
  timeoutMs?: number;
  /** Between probes (default 20 ms). */
  intervalMs?: number;
  /** What is awaited, for the timeout message (default "condition"). */
  message?: string;
}

/**
 * Polls `probe` until it returns a truthy value and resolves with it; rejects after `timeoutMs`
 * with `message` (and the last error the probe threw). For waiting on database or process state,
 * never a fixed sleep. No Jest imports: the chaos harness uses it outside Jest too.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 20, message = 'condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${message}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
