import type { BenchReport, RunRecord } from '../run.js';

/** One line describing the machine a run ran on. */
export const machineSummary = (m: BenchReport['machine']) =>
  `${m.cpuCount} × ${m.cpus[0]?.model ?? 'unknown CPU'}, Node ${String(m.node)}, PostgreSQL ${String(m.postgres)}, Redis ${String(m.redis ?? '–')}`;

/** The run that wrote a latest.json from before `runs` existed, so its figures keep their origin. */
export function legacyRun(report: BenchReport): RunRecord {
  const scenarios: RunRecord['scenarios'] = {};
  for (const [system, metrics] of Object.entries(report.results)) {
    for (const fig of Object.values(metrics)) {
      const list = (scenarios[fig.scenario] ??= []);
      if (!list.includes(system)) list.push(system);
    }
  }
  return {
    id: report.generatedAt,
    finishedAt: report.generatedAt,
    command: report.command,
    mode: report.mode,
    durationSeconds: report.durationSeconds,
    repetitions: report.repetitions,
    scenarios,
    machine: machineSummary(report.machine),
    errors: report.errors.length,
  };
}
