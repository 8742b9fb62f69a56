// Time pg-boss spends in its own maintenance, for the soak scenario. pg-boss 12 emits no event for
// a supervise pass (monitor: queue stats, expiry; maintain: deletion of jobs past deleteAfterSeconds
// and retentionSeconds; its vacuum check, warnings, reindex), but every PgBoss instance's internal
// Boss exposes whether a pass is in flight (`maintaining`, a public getter of dist/boss.js). Patching
// Boss.prototype.start registers every Boss started in this process (the ones nest-pg-jobs creates
// included), and a 10 ms timer adds up the time each one has a pass in flight: the figure is that
// sum, to about ±10 ms per pass, and the number of passes (rising edges). A pass counts in every
// process that runs one; the soak runs producer and workers in one process, so it sees them all.
import Boss from 'pg-boss/dist/boss.js';
import type { MaintenanceTotals } from './soak.js';

type Maintainer = { readonly maintaining: boolean };
const instances = new Set<Maintainer>();
let installed = false;

/** Patches Boss.prototype.start once; later starts register their instance. */
export function instrumentPgBoss(): void {
  if (installed) return;
  installed = true;
  const proto = (Boss as unknown as { prototype: { start: (...args: unknown[]) => Promise<unknown> } }).prototype;
  const start = proto.start;
  proto.start = function (this: Maintainer, ...args: unknown[]) {
    instances.add(this);
    return start.apply(this, args);
  };
}

/** Starts sampling; `totals()` is cumulative from this call. */
export function meterPgBossMaintenance(periodMs = 10) {
  const totals: MaintenanceTotals = { passes: 0, ms: 0 };
  const since = new Map<Maintainer, number>();
  const tick = () => {
    const now = performance.now();
    for (const boss of instances) {
      const from = since.get(boss);
      if (boss.maintaining) {
        if (from === undefined) {
          since.set(boss, now);
          totals.passes++;
        }
      } else if (from !== undefined) {
        totals.ms += now - from;
        since.delete(boss);
      }
    }
  };
  const timer = setInterval(tick, periodMs);
  timer.unref();
  return {
    /** Totals so far, a pass still in flight counted up to now. */
    totals(): MaintenanceTotals {
      tick();
      const now = performance.now();
      let open = 0;
      for (const from of since.values()) open += now - from;
      return { passes: totals.passes, ms: Math.round(totals.ms + open) };
    },
    stop: () => clearInterval(timer),
  };
}
