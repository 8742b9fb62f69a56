import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { generateProductsCsv } from './imports/csv.js';
import { dashboardCredential } from './dashboard/dashboard-auth.guard.js';

const IMAGE_SIZES = [64, 128, 256, 512];

/**
 * Plays a user of the HTTP API, so the sample has something to do: a first wave (sign-ups, some
 * of which bounce, thumbnails, a 5,000-row CSV import, payment captures with a double submit),
 * then a little of everything every few seconds. Talks to the app over loopback only.
 */
export function startTraffic(baseUrl: string, { intervalMs = 3_000 } = {}) {
  const logger = new Logger('Traffic');
  const abort = new AbortController();

  async function request(
    method: string,
    path: string,
    body?: unknown,
    describe = '',
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    const isText = typeof body === 'string';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': isText ? 'text/csv' : 'application/json' },
      body: body === undefined ? undefined : isText ? body : JSON.stringify(body),
      signal: abort.signal,
    });
    const json = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    const detail = response.ok ? summarise(json) : describeError(json, response.statusText);
    logger.log(`${method} ${path}${describe ? ` ${describe}` : ''} → ${response.status} ${detail}`);
    return json;
  }

  const signUp = (email: string) => request('POST', '/users', { email }, email);
  const thumbnail = (imageId: string, size: number) =>
    request('POST', '/images', { imageId, size }, `${imageId} ${size}px`);
  const capture = (orderId: string, amountCents: number) =>
    request('POST', `/payments/${orderId}/capture`, { amountCents });

  async function firstWave() {
    await Promise.all(
      ['ada', 'grace', 'bounce-1', 'linus', 'margaret', 'bounce-2'].map((name) => signUp(`${name}@example.com`)),
    );
    // Signing up twice: 409, and the transaction rolls back the welcome e-mail job it had queued.
    await signUp('ada@example.com');
    await Promise.all(IMAGE_SIZES.map((size, i) => thumbnail(`photo-${i + 1}.jpg`, size)));
    // Rejected by the job's zod schema before anything is written: 400.
    await thumbnail('poster.png', 4096);
    await request('POST', '/imports', generateProductsCsv(5_000), '(5,000-row CSV)');
    // A double click on "capture": the second request finds the first job queued.
    await Promise.all([capture('order-1001', 4999), capture('order-1001', 4999)]);
    await Promise.all([capture('order-1002', 1250), capture('order-1003', 8900)]);
    // Scheduled tasks can also be run on demand.
    await request('POST', '/maintenance/nightly-cleanup');
    await request('POST', '/maintenance/sessions-sweep');
  }

  // An operator pauses thumbnails for a few rounds (say, the image service is down): sends keep
  // landing, nothing starts, and the summary marks the queue paused until it is resumed.
  const { user, password } = dashboardCredential();
  const operator = { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
  const operate = (action: 'pause' | 'resume') => request('POST', `/images/${action}`, undefined, '(operator)', operator);

  async function round(n: number) {
    if (n === 2) await operate('pause');
    if (n === 4) await operate('resume');
    await signUp(n % 4 === 0 ? `bounce-${n + 2}@example.com` : `user-${n}@example.com`);
    await thumbnail(`photo-${n + 4}.jpg`, IMAGE_SIZES[n % IMAGE_SIZES.length]!);
    const orderId = `order-${1003 + n}`;
    if (n % 3 === 0) await Promise.all([capture(orderId, 100 * n), capture(orderId, 100 * n)]);
    else await capture(orderId, 100 * n);
    if (n % 10 === 0) await request('POST', '/imports?generate=500', undefined, '(500 generated rows)');
  }

  const done = (async () => {
    try {
      await firstWave();
      for (let n = 1; !abort.signal.aborted; n++) {
        await sleep(intervalMs, undefined, { signal: abort.signal });
        await round(n);
      }
    } catch (error) {
      if (!abort.signal.aborted) logger.error(`traffic stopped: ${(error as Error).message}`);
    }
  })();

  return {
    /** Stops sending and waits for requests in flight to be abandoned. */
    async stop() {
      abort.abort();
      await done;
    },
  };
}

function summarise(json: Record<string, unknown> | null): string {
  if (!json) return '';
  if (json.status === 'already-queued') return 'already queued';
  const id = json.welcomeEmailJobId ?? json.jobId;
  return typeof id === 'string' ? `job ${id.slice(0, 8)}` : '';
}

function describeError(json: Record<string, unknown> | null, fallback: string): string {
  const issues = Array.isArray(json?.issues)
    ? (json.issues as Array<{ path: string; message: string }>).map((i) => `${i.path}: ${i.message}`)
    : [];
  return [String(json?.message ?? fallback), ...issues].join('; ');
}
