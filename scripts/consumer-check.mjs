#!/usr/bin/env node
// Installs the package as a user does and runs it: `npm run build && npm pack`, then an ESM app and a
// CommonJS app, made outside the repository from the README's Quick start blocks (copied as they are),
// each compiled with tsc and booted against a real PostgreSQL until one job is processed:
// POST /users/42/welcome enqueues through JobsService, the @JobHandler runs, the job row says
// `completed`. Each app also runs `nest-pg-jobs/testing` (JobsTestingModule, drain), the README's
// "Health checks" block (`nest-pg-jobs/terminus`, compiled with the Quick start files) over the testing
// kit, `nest-pg-jobs/prometheus` (the metrics on a prom-client registry) over the testing kit, and
// loads `nest-pg-jobs/dashboard` without its optional peer. Before that, every relative link in the
// installed package's Markdown must reach a file the package ships.
//
// PostgreSQL: DATABASE_URL when set (the apps use pg-boss's default schema `pgboss`, dropped afterwards
// when this run created it), otherwise a throwaway server from scripts/embedded-postgres.js.
// Peers are installed from the registry at the versions in this repository's node_modules.
//
//   node scripts/consumer-check.mjs [--keep]     (npm run test:consumers)
//
// Exits 0 when both apps processed their job, non-zero (with the step and its output) otherwise.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, startPostgres } from './embedded-postgres.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const BOOT_AND_PROCESS_MS = 60_000;
const SHUTDOWN_MS = 40_000;

/** What the two apps install besides the tarball, at the versions this repository tests with. */
const PEERS = [
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  // The optional peer of nest-pg-jobs/terminus.
  '@nestjs/terminus',
  // The optional peer of nest-pg-jobs/prometheus.
  'prom-client',
  '@nestjs/testing',
  'pg-boss',
  'reflect-metadata',
  'rxjs',
  'typescript',
  '@types/node',
];

/**
 * One app per module system. `tsconfig` is what the app builds with; `typecheck` lists further
 * compiler settings its sources must type-check under (noEmit), the other settings README names.
 * `emitted` is how the compiled users.controller.js must load the package, so a setting that
 * silently compiled to the other module system would be caught.
 */
const APPS = [
  {
    name: 'esm',
    packageJson: { type: 'module' },
    tsconfig: { module: 'nodenext', moduleResolution: 'nodenext' },
    typecheck: [{ module: 'preserve', moduleResolution: 'bundler' }],
    emitted: /from 'nest-pg-jobs'/,
  },
  {
    // The Nest starter's setting: nodenext without "type": "module" compiles to CommonJS.
    name: 'cjs',
    packageJson: {},
    tsconfig: { module: 'nodenext', moduleResolution: 'nodenext' },
    typecheck: [{ module: 'commonjs' }],
    emitted: /require\("nest-pg-jobs"\)/,
  },
];

const COMMON_COMPILER_OPTIONS = {
  target: 'ES2023',
  lib: ['ES2023'],
  types: ['node'],
  strict: true,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  // With emitDecoratorMetadata, catches a type imported as a value in a decorated signature (TS1272).
  isolatedModules: true,
  skipLibCheck: true,
  rootDir: 'src',
  outDir: 'dist',
};

/** The harness's own use of the testing kit, compiled with the Quick start files. Not README code. */
const TESTING_CHECK = `import { Test } from '@nestjs/testing';
import { JobsTestingModule, getJobsTester } from 'nest-pg-jobs/testing';
import { EmailJobs, Mailer, WelcomeEmail } from './email.jobs.js';
import { UsersController } from './users.controller.js';

async function main(): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false })],
    controllers: [UsersController],
    providers: [EmailJobs, Mailer],
  }).compile();
  await moduleRef.init();
  const tester = getJobsTester(moduleRef);
  const { jobId } = await moduleRef.get(UsersController).welcome('42');
  tester.expectEnqueued(WelcomeEmail, { userId: '42' }, { priority: 10, count: 1 });
  const summary = await tester.drain(WelcomeEmail);
  if (summary.completed !== 1 || summary.failed !== 0) {
    throw new Error('drain did not complete the job: ' + JSON.stringify(summary));
  }
  await moduleRef.close();
  console.log('testing kit: job ' + String(jobId) + ' completed in memory');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

/**
 * The harness's run of the README's health.module.ts (nest-pg-jobs/terminus) over the testing kit:
 * its controller's check must say ok. Not README code.
 */
const TERMINUS_CHECK = `import { Test } from '@nestjs/testing';
import { JobsTestingModule } from 'nest-pg-jobs/testing';
import { EmailJobs, Mailer } from './email.jobs.js';
import { HealthController, HealthModule } from './health.module.js';

async function main(): Promise<void> {
  const moduleRef = await Test.createTestingModule({
    imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), HealthModule],
    providers: [EmailJobs, Mailer],
  }).compile();
  await moduleRef.init();
  const result = await moduleRef.get(HealthController).check();
  const jobs = result.details['jobs'];
  if (result.status !== 'ok' || jobs?.status !== 'up') {
    throw new Error('the health check is not ok: ' + JSON.stringify(result));
  }
  await moduleRef.close();
  console.log('terminus: health check ' + result.status + ', jobs ' + JSON.stringify(jobs));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

// nest-pg-jobs/dashboard resolves in both module systems and builds its module without its optional
// peer installed (@pg-boss/dashboard is loaded only when the app starts with the dashboard mounted).
const DASHBOARD_CHECK = `import { JobsDashboardModule } from 'nest-pg-jobs/dashboard';

const dynamic = JobsDashboardModule.forRoot({ path: '/jobs', readOnly: true });
if (dynamic.module !== JobsDashboardModule) throw new Error('JobsDashboardModule.forRoot did not return its module');
console.log('dashboard: nest-pg-jobs/dashboard loaded, forRoot gave ' + dynamic.module.name);
`;

/**
 * The harness's use of nest-pg-jobs/prometheus over the testing kit, compiled with the Quick start files:
 * the Quick start's queue must have its gauge and counter on a registry of its own. Not README code.
 */
const PROMETHEUS_CHECK = `import { Test } from '@nestjs/testing';
import { Registry } from 'prom-client';
import { JobsTestingModule } from 'nest-pg-jobs/testing';
import { JobsPrometheusModule } from 'nest-pg-jobs/prometheus';
import { EmailJobs, Mailer } from './email.jobs.js';

async function main(): Promise<void> {
  const registry = new Registry();
  const moduleRef = await Test.createTestingModule({
    imports: [JobsTestingModule.forRoot({ mode: 'manual', logger: false }), JobsPrometheusModule.forRoot({ registry })],
    providers: [EmailJobs, Mailer],
  }).compile();
  await moduleRef.init();
  const text = await registry.metrics();
  for (const line of ['jobs_queue_waiting{queue="welcome-email"} 0', 'jobs_completed_total{queue="welcome-email"} 0']) {
    if (!text.includes(line)) throw new Error('the metrics lack ' + line + ':\\n' + text);
  }
  await moduleRef.close();
  console.log('prometheus: ' + text.split('\\n').filter((l) => l.startsWith('jobs_queue_waiting')).join(', '));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

class CheckFailed extends Error {}

function log(message) {
  console.log(`[consumer-check] ${message}`);
}

/** Runs a command; resolves with its output, rejects with it (and the command) when it fails. */
function run(command, args, { cwd, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new CheckFailed(`${command} ${args.join(' ')} (in ${cwd ?? repo}) exited with ${code ?? signal}:\n${output}`));
    });
  });
}

const npm = (args, options) => run('npm', args, options);
const node = (args, options) => run(process.execPath, args, options);

/**
 * The README's Quick start, and its Health checks module: every ```ts block of those sections whose
 * first line is `// <file>.ts`, by file name.
 */
async function quickStartFiles() {
  const readme = await readFile(join(repo, 'README.md'), 'utf8');
  const files = new Map();
  const required = { 'Quick start': ['main.ts', 'app.module.ts'], 'Health checks': ['health.module.ts'] };
  for (const [title, names] of Object.entries(required)) {
    const start = readme.indexOf(`\n## ${title}\n`);
    if (start < 0) throw new CheckFailed(`README.md has no "## ${title}" section`);
    const end = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, end < 0 ? undefined : end);
    for (const [, body] of section.matchAll(/```ts\n([\s\S]*?)```/g)) {
      const name = /^\/\/ ([\w.-]+\.ts)\n/.exec(body)?.[1];
      if (name) files.set(name, body);
    }
    for (const name of names) {
      if (!files.has(name)) throw new CheckFailed(`README ${title} has no \`// ${name}\` block`);
    }
  }
  return files;
}

async function pack(workDir) {
  log('npm run build');
  await npm(['run', 'build'], { cwd: repo });
  log('npm pack');
  const out = await npm(['pack', '--json', '--pack-destination', workDir], { cwd: repo });
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('[')));
  return join(workDir, filename);
}

/**
 * Installs the tarball and the peers once, in the work directory; each app is a sub-directory with
 * its own package.json (which decides ESM or CommonJS) and resolves packages from the parent's
 * node_modules, as Node and TypeScript both walk up.
 */
async function install(workDir, tarball) {
  const dependencies = { 'nest-pg-jobs': `file:${tarball}` };
  for (const name of PEERS) {
    // Read from the path: not every package exports its package.json.
    dependencies[name] = JSON.parse(await readFile(join(repo, 'node_modules', name, 'package.json'), 'utf8')).version;
  }
  await writeFile(join(workDir, 'package.json'), JSON.stringify({ name: 'consumers', private: true, dependencies }, null, 2));
  log(`npm install ${Object.entries(dependencies).map(([n, v]) => (n === 'nest-pg-jobs' ? n : `${n}@${v}`)).join(' ')}`);
  await npm(['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: workDir });
}

/**
 * Every relative link in the installed package's Markdown (README, docs, the sample's README) must
 * reach a file the package ships: a reader of node_modules/nest-pg-jobs has nothing else.
 */
async function checkLinks(workDir) {
  const root = join(workDir, 'node_modules', 'nest-pg-jobs');
  const markdown = ['README.md', 'sample/README.md'];
  for (const name of await readdir(join(root, 'docs')).catch(() => [])) if (name.endsWith('.md')) markdown.push(`docs/${name}`);
  const dead = [];
  for (const file of markdown) {
    // A file missing here is not shipped: a link to it, from the README, is reported below.
    const text = await readFile(join(root, file), 'utf8').catch(() => '');
    for (const [, target] of text.matchAll(/\]\((?!https?:|#|mailto:)([^)#\s]+)/g)) {
      const path = join(root, dirname(file), target);
      if (!(await stat(path).catch(() => undefined))) dead.push(`${file} -> ${target}`);
    }
  }
  if (dead.length) throw new CheckFailed(`links in the installed package that lead nowhere:\n  ${dead.join('\n  ')}`);
  log(`links: every relative link in ${markdown.join(', ')} reaches a shipped file`);
}

async function writeApp(workDir, app, files) {
  const dir = join(workDir, app.name);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: `${app.name}-app`, private: true, ...app.packageJson }, null, 2));
  const compilerOptions = { ...COMMON_COMPILER_OPTIONS, ...app.tsconfig };
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['src'] }, null, 2));
  for (const [i, extra] of app.typecheck.entries()) {
    const options = { ...COMMON_COMPILER_OPTIONS, ...extra, noEmit: true };
    await writeFile(join(dir, `tsconfig.check-${i}.json`), JSON.stringify({ compilerOptions: options, include: ['src'] }, null, 2));
  }
  for (const [name, body] of files) await writeFile(join(dir, 'src', name), body);
  await writeFile(join(dir, 'src', 'testing-check.ts'), TESTING_CHECK);
  await writeFile(join(dir, 'src', 'terminus-check.ts'), TERMINUS_CHECK);
  await writeFile(join(dir, 'src', 'dashboard-check.ts'), DASHBOARD_CHECK);
  await writeFile(join(dir, 'src', 'prometheus-check.ts'), PROMETHEUS_CHECK);
  return dir;
}

async function compile(dir, app) {
  const tsc = join(dir, '..', 'node_modules', 'typescript', 'bin', 'tsc');
  log(`${app.name}: tsc ${JSON.stringify(app.tsconfig)}`);
  await node([tsc, '-p', 'tsconfig.json'], { cwd: dir });
  for (const [i, extra] of app.typecheck.entries()) {
    log(`${app.name}: tsc --noEmit ${JSON.stringify(extra)}`);
    await node([tsc, '-p', `tsconfig.check-${i}.json`], { cwd: dir });
  }
  const emitted = await readFile(join(dir, 'dist', 'users.controller.js'), 'utf8');
  if (!app.emitted.test(emitted)) {
    throw new CheckFailed(`${app.name}: dist/users.controller.js does not load the package as ${app.emitted}:\n${emitted}`);
  }
}

/** Boots dist/main.js, enqueues through the controller, waits for the job row to say `completed`. */
async function boot(dir, app, databaseUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let exit;
  exited.then((result) => (exit = result));
  const fail = (message) => new CheckFailed(`${app.name}: ${message}\n--- app output ---\n${output}`);
  const deadline = Date.now() + BOOT_AND_PROCESS_MS;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 100));
  try {
    log(`${app.name}: node dist/main.js (PORT=${port})`);
    let response;
    while (!response) {
      if (exit) throw fail(`the app exited with ${exit.code ?? exit.signal} before it listened`);
      if (Date.now() > deadline) throw fail(`not listening after ${BOOT_AND_PROCESS_MS} ms`);
      try {
        response = await fetch(`http://127.0.0.1:${port}/users/42/welcome`, {
          method: 'POST',
          signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        });
      } catch (error) {
        if (error?.name === 'TimeoutError') throw fail(`POST /users/42/welcome did not answer within ${BOOT_AND_PROCESS_MS} ms`);
        // Not listening yet; nothing was sent, so trying again cannot enqueue twice.
        if (error?.cause?.code !== 'ECONNREFUSED') throw error;
        await pause();
      }
    }
    const body = await response.text();
    if (response.status !== 201) throw fail(`POST /users/42/welcome answered ${response.status}: ${body}`);
    const { jobId } = JSON.parse(body);
    if (typeof jobId !== 'string') throw fail(`POST /users/42/welcome returned no job id: ${body}`);
    log(`${app.name}: enqueued job ${jobId}`);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      for (;;) {
        const { rows } = await client.query('SELECT state FROM pgboss.job WHERE id = $1', [jobId]);
        if (rows[0]?.state === 'completed') break;
        if (exit) throw fail(`the app exited with ${exit.code ?? exit.signal}; job state ${rows[0]?.state}`);
        if (Date.now() > deadline) throw fail(`job ${jobId} not completed after ${BOOT_AND_PROCESS_MS} ms (state ${rows[0]?.state})`);
        await pause();
      }
    } finally {
      await client.end();
    }
    // The handler's log line was written before the completion committed; its pipe may be read later.
    while (!output.includes('welcome e-mail sent to user 42')) {
      if (Date.now() > deadline) throw fail('the job completed without the handler logging its e-mail');
      await pause();
    }
    log(`${app.name}: job ${jobId} completed by the handler`);
    // Nest's shutdown hooks close the app, then raise the signal again, so the process ends by SIGTERM.
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), SHUTDOWN_MS);
    const { code, signal } = await exited;
    clearTimeout(timer);
    if (!(code === 0 || signal === 'SIGTERM')) throw fail(`did not shut down on SIGTERM (exit ${code ?? signal})`);
    log(`${app.name}: shut down on SIGTERM`);
  } finally {
    if (!exit) child.kill('SIGKILL');
  }
}

/** Runs one statement on a short-lived connection. */
async function query(databaseUrl, text) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

async function main() {
  log(`node ${process.version}`);
  const workDir = await mkdtemp(join(tmpdir(), 'nest-pg-jobs-consumers-'));
  let postgres;
  let dropAfter = false;
  let databaseUrl = process.env.DATABASE_URL;
  try {
    const files = await quickStartFiles();
    const tarball = await pack(workDir);
    await install(workDir, tarball);
    await checkLinks(workDir);
    if (!databaseUrl) {
      log('DATABASE_URL unset: starting an embedded PostgreSQL');
      postgres = await startPostgres({ fast: true });
      databaseUrl = postgres.url;
    } else {
      dropAfter = (await query(databaseUrl, `SELECT 1 FROM pg_namespace WHERE nspname = 'pgboss'`)).length === 0;
    }
    for (const app of APPS) {
      const dir = await writeApp(workDir, app, files);
      await compile(dir, app);
      await boot(dir, app, databaseUrl);
      log(`${app.name}: node dist/testing-check.js`);
      log(`${app.name}: ${(await node(['dist/testing-check.js'], { cwd: dir, timeoutMs: 60_000 })).trim().split('\n').at(-1)}`);
      log(`${app.name}: node dist/terminus-check.js`);
      log(`${app.name}: ${(await node(['dist/terminus-check.js'], { cwd: dir, timeoutMs: 60_000 })).trim().split('\n').at(-1)}`);
      log(`${app.name}: node dist/dashboard-check.js`);
      log(`${app.name}: ${(await node(['dist/dashboard-check.js'], { cwd: dir, timeoutMs: 60_000 })).trim().split('\n').at(-1)}`);
      log(`${app.name}: node dist/prometheus-check.js`);
      log(`${app.name}: ${(await node(['dist/prometheus-check.js'], { cwd: dir, timeoutMs: 60_000 })).trim().split('\n').at(-1)}`);
    }
    log('ESM and CommonJS consumers: ok');
  } finally {
    if (dropAfter) await query(databaseUrl, 'DROP SCHEMA IF EXISTS pgboss CASCADE');
    await postgres?.stop();
    if (keep) log(`kept ${workDir}`);
    else await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof CheckFailed ? `[consumer-check] FAILED: ${error.message}` : error);
  process.exit(1);
});
