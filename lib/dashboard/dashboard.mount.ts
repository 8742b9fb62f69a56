import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { DASHBOARD_NO_EXPRESS_STACK, DASHBOARD_REQUEST_FAILED, DASHBOARD_UNSUPPORTED_ADAPTER } from './dashboard.messages.js';
import type { DashboardGate } from './dashboard.gate.js';
import { InvalidRequestError, sendFetchResponse, toFetchRequest } from './fetch-bridge.util.js';
import type { DashboardHandler } from './load-dashboard-handler.util.js';

/** What a mount needs: where, who may pass, what answers. */
export interface DashboardMount {
  path: string;
  gate: DashboardGate;
  handler: DashboardHandler;
  logger: LoggerService;
}

/**
 * Serves the dashboard under `mount.path` of the app's HTTP adapter, Express or Fastify, with the
 * request body left unread for the dashboard's form posts. Throws a `JobsConfigurationError` for
 * any other adapter.
 *
 * @example
 * mountDashboard(adapterHost.httpAdapter, { path: '/jobs', gate, handler, logger });
 */
export function mountDashboard(adapter: AbstractHttpAdapter, mount: DashboardMount): void {
  const type = adapter.getType();
  assertSupportedAdapter(type);
  if (type === 'express') mountOnExpress(adapter, mount);
  else mountOnFastify(adapter, mount);
}

/**
 * Throws a `JobsConfigurationError` for an HTTP adapter the dashboard cannot mount on (anything but
 * Express and Fastify).
 *
 * @example
 * assertSupportedAdapter(adapter.getType());
 */
export function assertSupportedAdapter(type: string): asserts type is 'express' | 'fastify' {
  if (type !== 'express' && type !== 'fastify') throw new JobsConfigurationError(DASHBOARD_UNSUPPORTED_ADAPTER(type));
}

/**
 * Whether a request URL is the dashboard's: the path itself, the root's data URL (`/jobs.data`,
 * React Router's single fetch) or anything under `path/`. Case-sensitive, as the dashboard's own
 * router is.
 */
export function isDashboardUrl(url: string | undefined, path: string): boolean {
  if (url === undefined) return false;
  const end = url.search(/[?#]/);
  const pathname = end < 0 ? url : url.slice(0, end);
  return pathname === path || pathname === `${path}.data` || pathname.startsWith(`${path}/`);
}

/**
 * One dashboard request, whatever the adapter: the gate, then (after `handOver`, where Fastify
 * hijacks its reply) the handler's response written to the raw Node response. A refusal is sent
 * through the adapter, as Nest's exception filter would send it, with any header a guard set.
 */
async function serve(
  adapter: AbstractHttpAdapter,
  mount: DashboardMount,
  request: unknown,
  response: unknown,
  raw: { req: IncomingMessage; res: ServerResponse },
  handOver: () => void = () => {},
): Promise<void> {
  const refusal = await mount.gate.check(request, response, raw.req.method ?? 'GET');
  if (refusal) {
    adapter.reply(response, refusal.body, refusal.status);
    return;
  }
  handOver();
  try {
    await sendFetchResponse(await mount.handler(toFetchRequest(raw.req, raw.res)), raw.res);
  } catch (error) {
    if (error instanceof InvalidRequestError) {
      raw.res.statusCode = 400;
      raw.res.setHeader('content-type', 'application/json; charset=utf-8');
      raw.res.end(JSON.stringify({ statusCode: 400, message: error.message, error: 'Bad Request' }));
      return;
    }
    mount.logger.error(
      DASHBOARD_REQUEST_FAILED(raw.req.url ?? mount.path, error instanceof Error ? (error.stack ?? error.message) : String(error)),
    );
    if (raw.res.headersSent) {
      raw.res.destroy();
      return;
    }
    raw.res.statusCode = 500;
    raw.res.setHeader('content-type', 'application/json; charset=utf-8');
    raw.res.end(JSON.stringify({ statusCode: 500, message: 'Internal server error' }));
  }
}

type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

interface ExpressLike {
  use(middleware: NodeMiddleware): unknown;
  router?: { stack?: { handle?: unknown }[] };
  _router?: { stack?: { handle?: unknown }[] };
}

// The names body-parser gives its middleware (express.json(), express.urlencoded(), ...).
const BODY_PARSERS: ReadonlySet<string> = new Set(['jsonParser', 'urlencodedParser', 'textParser', 'rawParser']);

const urlOf = (req: IncomingMessage) => (req as { originalUrl?: string }).originalUrl ?? req.url;

/**
 * Express: one middleware at the root that takes the dashboard's URLs and passes everything else
 * on. Nest registers its body parsers (and `useBodyParser()`'s) before any module starts, and they
 * would read the body of the dashboard's form posts, which the dashboard then finds empty: each
 * body-parser middleware already in the app is wrapped to pass the dashboard's URLs through
 * unread. The app's other middleware runs first, as for any route.
 */
function mountOnExpress(adapter: AbstractHttpAdapter, mount: DashboardMount): void {
  const app = adapter.getInstance<ExpressLike>();
  const matches = (req: IncomingMessage) => isDashboardUrl(urlOf(req), mount.path);
  app.use(function jobsDashboard(req, res, next) {
    if (!matches(req)) {
      next();
      return;
    }
    serve(adapter, mount, req, res, { req, res }).catch(next);
  });
  // Express 4 keeps it in `_router` (its `router` getter throws), Express 5 in `router`.
  const stack = (app._router ?? app.router)?.stack;
  if (!Array.isArray(stack)) {
    mount.logger.warn(DASHBOARD_NO_EXPRESS_STACK());
    return;
  }
  for (const layer of stack) {
    const parse = layer.handle;
    if (typeof parse !== 'function' || !BODY_PARSERS.has(parse.name)) continue;
    const skipDashboard: NodeMiddleware = (req, res, next) => (matches(req) ? next() : parse(req, res, next));
    // Keeps the name Nest's isMiddlewareApplied() looks for, so the parser is not added twice.
    Object.defineProperty(skipDashboard, 'name', { value: parse.name });
    layer.handle = skipDashboard;
  }
}

interface FastifyRequestLike {
  raw: IncomingMessage;
}

interface FastifyReplyLike {
  raw: ServerResponse;
  getHeaders(): Record<string, string | number | string[] | undefined>;
  hijack(): void;
}

interface FastifyLike {
  all(
    url: string,
    options: { onRequest: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<void> },
    handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => void,
  ): unknown;
}

/**
 * Fastify: routes for the path, its data URL and everything under it, answered in a route-level
 * `onRequest` hook. That runs after the app's own hooks and Nest's middleware and before Fastify
 * parses the body; past the gate the reply is hijacked and the raw request and response go to the
 * dashboard. Headers set on the reply so far (a CORS or security hook) are copied to the raw
 * response first.
 */
function mountOnFastify(adapter: AbstractHttpAdapter, mount: DashboardMount): void {
  const fastify = adapter.getInstance<FastifyLike>();
  const onRequest = async (request: FastifyRequestLike, reply: FastifyReplyLike) => {
    await serve(adapter, mount, request, reply, { req: request.raw, res: reply.raw }, () => {
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value);
      }
      reply.hijack();
    });
  };
  // Never reached: onRequest either hijacks the reply or sends the refusal. Should it be, a 500
  // beats a request that hangs.
  const unreachable = () => {
    throw new Error('The jobs dashboard route was reached past its onRequest hook');
  };
  for (const url of [mount.path, `${mount.path}.data`, `${mount.path}/*`]) {
    fastify.all(url, { onRequest }, unreachable);
  }
}
