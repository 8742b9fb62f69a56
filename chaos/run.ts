// `npm run chaos`: the reliability scenarios of docs/reliability.md, each against its own
// PostgreSQL, with real worker processes. `--help` for the flags.
import os from 'node:os';
import { renderTable, writeReport, type ChaosRun } from './report.js';
import { runScenario, SCENARIO_IDS, type ScenarioId, type ScenarioResult } from './scenarios.js';

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(`npm run chaos -- [--scenario=${SCENARIO_IDS.join(',')}] [--quick] [--no-write]
  --scenario  run only these (by name or number)
  --quick     shorter fault windows and a 3-minute cron run; never written to docs/reliability.md
  --no-write  print the table only`);
  process.exit(0);
}
const quick = argv.includes('--quick');
const selected = argv.find((a) => a.startsWith('--scenario='))?.slice('--scenario='.length).split(',');
const ids: ScenarioId[] = selected
  ? selected.map((s) => {
      const id = /^\d+$/.test(s) ? SCENARIO_IDS[Number(s) - 1] : (s as ScenarioId);
      if (!id || !SCENARIO_IDS.includes(id)) throw new Error(`chaos: unknown scenario "${s}" (${SCENARIO_IDS.join(', ')})`);
      return id;
    })
  : [...SCENARIO_IDS];
const write = !quick && !argv.includes('--no-write');

const startedAt = new Date();
const results: ScenarioResult[] = [];
for (const id of ids) {
  const result = await runScenario(id, quick ? 'quick' : 'full', (line) => console.log(line));
  results.push(result);
  console.log(
    `scenario ${result.number} (${id}): ${result.passed ? 'pass' : 'FAIL'} in ${result.durationSeconds} s: sent ${result.sent ?? '–'}, ` +
      `lost ${result.lost ?? '–'}, duplicated ${result.duplicated ?? '–'}, recovery ${result.recoverySeconds ?? '–'} s` +
      (result.error ? `\n  ${result.error}` : ''),
  );
}
const run: ChaosRun = {
  command: `npm run chaos${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  startedAt: startedAt.toISOString(),
  node: process.version,
  machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, ${os.platform()}`,
  results,
};
console.log(`\n${renderTable(run)}\n`);
if (write) {
  await writeReport(run);
  console.log('written to docs/reliability.md and chaos/results/latest.json');
}
process.exitCode = results.every((r) => r.passed) ? 0 : 1;
