import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

// A name or an IPv4 or bracketed IPv6 address, with an optional port.
const VALID_HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;

/** A request the bridge cannot turn into a fetch `Request`: answered 400. */
export class InvalidRequestError extends Error {
  override readonly name: string = 'InvalidRequestError';
}

/**
 * A fetch `Request` for a Node request, its body streamed from the socket as it arrives (nothing
 * may have read it before), and aborted when the client goes away before the response ends. The
 * URL is the one the client asked for: the `Host` header and the socket's scheme, as
 * `@hono/node-server` builds it; forwarded headers are not trusted (`allowedActionOrigins` is the
 * answer to a proxy). Throws an {@link InvalidRequestError} for a `Host` header that is no host.
 *
 * @example
 * const response = await handler(toFetchRequest(req, res));
 */
export function toFetchRequest(req: IncomingMessage, res: ServerResponse): Request {
  const method = req.method ?? 'GET';
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  const host = req.headers.host ?? 'localhost';
  // A host header that is not a host (`a@b`, `b/c`) would move the URL elsewhere.
  if (!VALID_HOST.test(host)) throw new InvalidRequestError('invalid Host header');
  // Concatenated, not resolved: `new URL('//other/x', base)` would take "other" as the host.
  const url = new URL(`${scheme}://${host}${req.url ?? '/'}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue; // HTTP/2 pseudo-headers
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const aborted = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort();
  });
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(url, {
    method,
    headers,
    signal: aborted.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}

/**
 * Writes a fetch `Response` to a Node response: status, headers (each `Set-Cookie` apart), then the
 * body streamed with back-pressure. Resolves when the response ended or the client went away.
 *
 * @example
 * await sendFetchResponse(await handler(toFetchRequest(req, res)), res);
 */
export async function sendFetchResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body) {
    res.end();
    return;
  }
  try {
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res);
  } catch {
    // The client went away mid-body (pipeline destroyed both ends): nothing is left to answer.
  }
}
