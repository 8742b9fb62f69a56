// Which start-up failures are retried: the cases the e2e suite cannot provoke on demand (a server
// starting up or shutting down, too many connections, a timeout) by their SQLSTATE or Node code.
import { describe, expect, it } from '@jest/globals';
import { isTransientStartError, startErrorHint } from '../../lib/backend/pg-boss/start-error.util.js';

const withCode = (code: string, message = `error ${code}`, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { code, ...extra });

describe('isTransientStartError', () => {
  it.each([
    ['the server starting up (57P03)', withCode('57P03', 'the database system is starting up')],
    ['the server shutting down (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['a crash restart (57P02)', withCode('57P02')],
    ['too many connections (53300)', withCode('53300', 'sorry, too many clients already')],
    ['a connection exception (class 08)', withCode('08006')],
    ['a standby not yet promoted (25006)', withCode('25006')],
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432', { syscall: 'connect' })],
    ['a reset connection', withCode('ECONNRESET')],
    ['a timeout', withCode('ETIMEDOUT')],
    ['a temporary DNS failure', withCode('EAI_AGAIN', 'getaddrinfo EAI_AGAIN db')],
    ['a Unix socket not there yet', withCode('ENOENT', 'connect ENOENT /run/postgresql/.s.PGSQL.5432', { syscall: 'connect' })],
    ['a connection lost (pg)', new Error('Connection terminated unexpectedly')],
    ['a connect timeout (pg-pool), through its cause', new Error('Connection terminated due to connection timeout', { cause: new Error('x') })],
    ['a refusal inside an AggregateError (several addresses)', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'x')],
    ['a refusal as the cause of a wrapper', new Error('wrapped', { cause: withCode('ECONNREFUSED') })],
  ])('retries %s', (_label, error) => {
    expect(isTransientStartError(error)).toBe(true);
  });

  it.each([
    ['a wrong password (28P01)', withCode('28P01', 'password authentication failed for user "app"')],
    ['a rejected connection (28000)', withCode('28000', 'no pg_hba.conf entry for host')],
    ['an unknown database (3D000)', withCode('3D000', 'database "x" does not exist')],
    ['a missing privilege (42501)', withCode('42501', 'permission denied for database app')],
    ['an invalid URL', Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' })],
    ['a host name that does not exist', withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND db.example.invalid')],
    ['a TLS certificate error', withCode('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate')],
    ['a pg-boss assertion', Object.assign(new Error('configuration assert: x'), { name: 'AssertionError' })],
    ['an error without a code', new Error('pg-boss database requires migrations')],
    ['a value that is not an error', 'boom'],
  ])('does not retry %s', (_label, error) => {
    expect(isTransientStartError(error)).toBe(false);
  });
});

describe('startErrorHint', () => {
  it('says what to change for each permanent cause, and nothing for a cause it does not know', () => {
    expect(startErrorHint(withCode('28P01'))).toMatch(/user and password/);
    expect(startErrorHint(withCode('3D000'))).toMatch(/database name/);
    expect(startErrorHint(withCode('42501'))).toMatch(/createSchema: false/);
    expect(startErrorHint(withCode('ERR_INVALID_URL'))).toMatch(/not a valid URL/);
    expect(startErrorHint(withCode('ENOTFOUND'))).toMatch(/does not resolve/);
    expect(startErrorHint(new Error('other'))).toBeUndefined();
  });
});
