// The JavaScript the runner spends per job, without a database: JobRunner.handle on 2,000 batches of 100 fake jobs
// (each with an AbortSignal.any as pg-boss builds them), against a bare callback. No PostgreSQL; µs per job, 3 rounds.
//   npm run build && node perf/runner.mjs [batch|single]
import { performance } from 'node:perf_hooks';
import { JobRunner } from '../dist/worker/job.runner.js';
import { JobEventsBus } from '../dist/runtime/job-events.bus.js';
let sink = 0;
const bus = new JobEventsBus();
const kind = process.argv[2] ?? 'batch';
const handler = { queue: 'q', kind, options: { concurrency: 1 }, definition: { name: 'q' }, invoke: async (x) => { for (const j of [].concat(x)) sink += j.data.i; } };
const runner = new JobRunner(handler, bus, undefined);
function makeJobs(n) {
  const ac = new AbortController();
  return { ac, jobs: Array.from({ length: n }, (_, i) => { const claim = new AbortController(); return { id: 'id' + i + Math.random(), name: 'q', data: { i }, retryCount: 0, retryLimit: 2, priority: 0, createdOn: new Date(), singletonKey: null, expireInSeconds: 900, signal: AbortSignal.any([ac.signal, claim.signal]) }; }) };
}
for (const round of [1, 2, 3]) {
  let runnerMs = 0, baseMs = 0;
  for (let b = 0; b < 2000; b++) {
    const { ac, jobs } = makeJobs(100);
    const t0 = performance.now();
    await runner.handle(jobs, { sequential: kind === 'single' });
    runnerMs += performance.now() - t0;
    const t1 = performance.now();
    await (async (js) => js.map((j) => { sink += j.data.i; return { id: j.id, status: 'completed' }; }))(jobs);
    baseMs += performance.now() - t1;
    ac.abort();
  }
  console.log(`${kind} round ${round}: runner ${(runnerMs / 2000 * 1000 / 100).toFixed(2)} µs/job, bare callback ${(baseMs / 2000 * 1000 / 100).toFixed(2)} µs/job`);
}
if (sink < 0) console.log(sink); // keeps the reads from being optimised away
