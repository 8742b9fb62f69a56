import type { JobDefinition, JobsService, QueueCounts } from 'nest-pg-jobs';

const COLUMNS = ['queued', 'active', 'completed', 'failed', 'dead'] as const;

/** Formats queue counts as a fixed-width table, one queue per line. */
export function formatQueueTable(counts: QueueCounts[], title: string, paused: ReadonlySet<string> = new Set()): string {
  const name = (queue: string) => (paused.has(queue) ? `${queue} (paused)` : queue);
  const width = Math.max(5, ...counts.map((c) => name(c.queue).length));
  const header = `  ${'queue'.padEnd(width)}  ${COLUMNS.map((c) => c.padStart(11)).join('')}`;
  const rows = counts.map(
    (c) => `  ${name(c.queue).padEnd(width)}  ${COLUMNS.map((col) => String(c[col]).padStart(11)).join('')}`,
  );
  return [title, header, ...rows].join('\n');
}

/**
 * Prints a per-queue table every `intervalMs`, read from the database with
 * `JobsService.getQueueCounts` (a paused queue is marked), so jobs can be watched moving from queued to completed (or to the
 * dead-letter queue). `stop()` waits for a table being read, so the pool can then close safely.
 */
export function startQueueSummary(
  jobs: JobsService,
  queues: ReadonlyArray<JobDefinition<any, any> | string>,
  { intervalMs = 2_000, write = (text: string) => process.stdout.write(`${text}\n`) } = {},
) {
  const startedAt = Date.now();
  let running: Promise<void> | undefined;
  let stopped = false;

  const print = async (label?: string) => {
    const counts = await Promise.all(queues.map((queue) => jobs.getQueueCounts(queue)));
    const pausedFlags = await Promise.all(queues.map((queue) => jobs.isQueuePaused(queue)));
    const paused = new Set(counts.filter((_, i) => pausedFlags[i]).map((c) => c.queue));
    const elapsed = Math.round((Date.now() - startedAt) / 1000);
    const time = new Date().toLocaleTimeString('en-GB', { hour12: false });
    write(formatQueueTable(counts, `── jobs at ${time} (+${elapsed} s)${label ? `, ${label}` : ''} ──`, paused));
  };

  const tick = () => {
    if (stopped || running) return;
    running = print()
      .catch((error: Error) => {
        write(`queue summary failed: ${error.message}`);
      })
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  tick();

  return {
    /** Stops the periodic table and prints a last one, labelled. */
    async stop(label = 'final') {
      stopped = true;
      clearInterval(timer);
      await running;
      await print(label).catch((error: Error) => {
        write(`queue summary failed: ${error.message}`);
      });
    },
  };
}
