// The sample app's jobs dashboard in a real browser (headless Chromium through playwright-core):
// the sample's own AppModule on PostgreSQL, a dead-lettered welcome e-mail, its retry from the
// dashboard, the same click refused in read-only mode, and the guard without its credential.
// Needs Debian's chromium (apt-get install chromium; .ci/run installs it). Writes the README's
// screenshot, docs/images/dashboard.png.
import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { chromium, type Browser, type Page } from 'playwright-core';
import { JOBS_MODULE_OPTIONS, JobsService } from 'nest-pg-jobs';
import { waitForJob } from 'nest-pg-jobs/testing';
import { AppModule } from '../../sample/app.module.js';
import { dashboardCredential } from '../../sample/dashboard/dashboard-auth.guard.js';
import { Thumbnail } from '../../sample/images/images.jobs.js';
import { ImportRow, ParseImport } from '../../sample/imports/imports.jobs.js';
import { CapturePayment } from '../../sample/payments/payments.jobs.js';
import { WelcomeEmail } from '../../sample/users/users.jobs.js';
import { databaseUrl, schemasDroppedAfterAll, track, waitFor } from '../support/e2e.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The README's copy is rewritten only on request (UPDATE_SCREENSHOT=1 npm run test:e2e -- dashboard.browser),
// so a test run leaves the checkout clean; otherwise the screenshot goes to the system's temp folder.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? fileURLToPath(new URL('../../docs/images/dashboard.png', import.meta.url))
  : join(tmpdir(), `nest-pg-jobs-dashboard-${process.pid}.png`);
const QUEUES = [WelcomeEmail.name, Thumbnail.name, ParseImport.name, ImportRow.name, CapturePayment.name, 'nightly-cleanup', 'sessions-sweep'];

const schema = schemasDroppedAfterAll()('dash_browser');
const { user, password } = dashboardCredential();
const CREDENTIAL = { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };

/** The sample's AppModule as `npm start` runs it, on the test database and its own schema. */
async function bootSample(): Promise<{ app: INestApplication; base: string; jobs: JobsService }> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] })
    .overrideProvider(JOBS_MODULE_OPTIONS)
    .useValue({ connectionString: databaseUrl(), schema, logger: false, shutdownTimeoutMs: 2_000 })
    .compile();
  const app = track(moduleRef.createNestApplication({ logger: false }));
  await app.listen(0, '127.0.0.1');
  return { app, base: await app.getUrl(), jobs: app.get(JobsService) };
}

/** A welcome e-mail to an address the sample's mail gateway always rejects, with no retry: it fails and is dead-lettered. */
async function deadLetteredWelcomeEmail(app: INestApplication, jobs: JobsService, email: string) {
  const id = (await jobs.send(WelcomeEmail, { userId: `u-${email}`, email }, { retryLimit: 0 }))!;
  await waitForJob(app, WelcomeEmail, id, 'failed', { timeoutMs: 15_000 });
  const dead = await waitFor(async () => (await jobs.getDeadLetters(WelcomeEmail, { data: { email } }))[0], {
    message: `the dead letter of ${email}`,
  });
  return { id, deadId: dead.id };
}

/**
 * Opens the actions menu of job `id` on a queue page and clicks Retry; resolves with the response to
 * the POST it makes. (The job's own page cannot be used: @pg-boss/dashboard 1.9.0 reads it through a
 * pg-boss it bundles, which refuses pg-boss 12.38's newer schema; see README, Dashboard.)
 */
async function retryFromMenu(page: Page, id: string, { screenshot }: { screenshot?: string } = {}) {
  const row = page.locator('tr', { has: page.locator(`a[href*="${id}"]`) });
  await row.getByRole('button', { name: 'Job actions' }).click();
  const retry = page.getByRole('menuitem', { name: 'Retry', exact: true });
  await retry.waitFor();
  if (screenshot) {
    await mkdir(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot });
  }
  const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST'), retry.click()]);
  return response;
}

describe("the sample's jobs dashboard in Chromium", () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `No Chromium at ${CHROMIUM}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH. ` +
          'playwright-core never downloads a browser here.',
      );
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(() => browser?.close());

  /** A page at 1280×800 that sends `headers` with every request and reaches nothing but the app. */
  async function newPage(base: string, headers?: Record<string, string>): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...(headers ? { extraHTTPHeaders: headers } : {}) });
    // The dashboard links Google Fonts; a test must not wait on the internet.
    const origin = new URL(base).origin;
    await context.route((url) => url.origin !== origin, (route) => route.abort());
    return context.newPage();
  }

  describe('with the credential', () => {
    let app: INestApplication;
    let base: string;
    let jobs: JobsService;

    beforeAll(async () => {
      ({ app, base, jobs } = await bootSample());
    });
    afterAll(() => app?.close());

    it("shows the sample's queues and a dead-lettered job, and retries the job", async () => {
      const { id, deadId } = await deadLetteredWelcomeEmail(app, jobs, 'bounce-dashboard@example.com');
      const page = await newPage(base, CREDENTIAL);

      await page.goto(`${base}/jobs/queues`);
      for (const queue of [...QUEUES, `${WelcomeEmail.name}.dead`]) {
        await page.getByRole('link', { name: queue, exact: true }).first().waitFor();
      }

      // The dead letter waits in welcome-email.dead...
      await page.goto(`${base}/jobs/queues/${WelcomeEmail.name}.dead`);
      await page.locator(`a[href*="${deadId}"]`).first().waitFor();

      // ...and the job it came from is failed in welcome-email: Retry, from its menu on the queue page.
      await page.goto(`${base}/jobs/queues/${WelcomeEmail.name}?state=failed`);
      // The README's screenshot: the failed job with its menu open.
      const response = await retryFromMenu(page, id, { screenshot: SCREENSHOT });
      expect(response.status()).toBe(200);
      expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);

      // The retry gave it one more attempt, which the sample's worker ran (and the address bounced again).
      const retried = await waitFor(
        async () => {
          const job = await jobs.getJob(WelcomeEmail, id);
          return job?.retryCount === 1 && job.state === 'failed' ? job : undefined;
        },
        { message: 'the retried welcome e-mail to run again' },
      );
      expect(retried.retryLimit).toBe(1);
      await page.context().close();
    });

    it('answers 401 without the credential, asking the browser for it', async () => {
      const page = await newPage(base);
      const challenge = page.waitForResponse(`${base}/jobs`);
      // With no credential to answer the challenge, Chromium abandons the navigation.
      await expect(page.goto(`${base}/jobs`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
      const response = await challenge;
      expect(response.status()).toBe(401);
      expect(response.headers()['www-authenticate']).toBe('Basic realm="jobs dashboard"');
      await page.context().close();
    });
  });

  describe('read-only (DASHBOARD_READ_ONLY=true)', () => {
    let app: INestApplication;
    let base: string;
    let jobs: JobsService;

    beforeAll(async () => {
      process.env.DASHBOARD_READ_ONLY = 'true';
      ({ app, base, jobs } = await bootSample());
    });
    afterAll(async () => {
      delete process.env.DASHBOARD_READ_ONLY;
      await app?.close();
    });

    it('renders the job, and refuses its retry with 403', async () => {
      const { id } = await deadLetteredWelcomeEmail(app, jobs, 'bounce-read-only@example.com');
      const page = await newPage(base, CREDENTIAL);
      await page.goto(`${base}/jobs/queues/${WelcomeEmail.name}?state=failed`);
      const response = await retryFromMenu(page, id);
      expect(response.status()).toBe(403);
      expect(await response.json()).toMatchObject({ statusCode: 403, message: expect.stringContaining('read-only') });
      expect(await jobs.getJob(WelcomeEmail, id)).toMatchObject({ state: 'failed', retryCount: 0, retryLimit: 0 });
      await page.context().close();
    });
  });
});
