import type { PgBoss } from 'pg-boss';
import type { WorkPlan } from '../declare/resolve-handler-options.util.js';
import type { JobsLogger } from '../module/jobs.logger.js';
import type { JobRunner } from './job.runner.js';
import { RateLimitGate, type RateLimitPermits } from './rate-limit.gate.js';
import { WorkerPool } from './worker.pool.js';
import { WorkerSlot } from './worker.slot.js';

/**
 * The worker slots of one handler, not started yet: one {@link WorkerSlot} per concurrency slot, or
 * one {@link WorkerPool} for a handler with `localGroupConcurrency` (pg-boss checks that limit per
 * `work()` call). A rate-limited plan gives them one {@link RateLimitGate}: each job takes its start
 * permit from `permits`. Used by the orchestrator's workers and by `JobsService.drain`.
 */
export function handlerSlots(
  boss: PgBoss,
  queue: string,
  plan: WorkPlan,
  runner: JobRunner,
  permits: RateLimitPermits,
  logger: JobsLogger | undefined,
): (WorkerSlot | WorkerPool)[] {
  const gate = plan.rateLimit ? new RateLimitGate(queue, plan.rateLimit, permits, logger) : undefined;
  if (plan.pooled) return [new WorkerPool(boss, queue, plan, runner, gate)];
  return Array.from({ length: plan.slots }, () => new WorkerSlot(boss, queue, plan, runner, gate));
}
