// One run of one scenario for one system, in a process of its own so that no system's pools,
// timers or heap carry over to the next. Started by run.ts with the task as JSON in argv[2];
// reports through IPC and exits.
import { SCENARIOS, Tracker, type ScenarioName, type ScenarioParams } from './scenarios.js';
import { SYSTEMS, type SystemName } from './systems/index.js';
import { probeNestPgJobs } from './systems/nest-pg-jobs.system.js';
import type { ProbeResult } from './systems/system.interface.js';

export type ChildTask =
  | { kind: 'probe'; databaseUrl: string }
  | {
      kind: 'run';
      system: SystemName;
      scenario: ScenarioName;
      params: ScenarioParams;
      databaseUrl: string;
      redisUrl?: string;
      probe?: ProbeResult;
    };

async function main(task: ChildTask): Promise<unknown> {
  if (task.kind === 'probe') return probeNestPgJobs(task.databaseUrl);
  const tracker = new Tracker();
  const system = await SYSTEMS[task.system].create({
    databaseUrl: task.databaseUrl,
    ...(task.redisUrl ? { redisUrl: task.redisUrl } : {}),
    ...(task.probe ? { probe: task.probe } : {}),
    onJob: tracker.onJob,
  });
  let result;
  try {
    result = await SCENARIOS[task.scenario](system, tracker, task.params);
  } catch (error) {
    // The scenario's error is the one worth reporting, not a follow-up failure while closing.
    await system.close().catch(() => undefined);
    throw error;
  }
  await system.close();
  return { ...result, settings: system.settings };
}

const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;
main(task).then(
  (result) => process.send!({ ok: true, result }, () => process.exit(0)),
  (error: Error) => process.send!({ ok: false, error: error.stack ?? String(error) }, () => process.exit(1)),
);
