import { describeValue as show } from './describe-value.util.js';

/**
 * What is wrong with a path an HTTP route of the module is mounted on (the dashboard's `path`, the
 * metrics' `path`), or `undefined`: a string from the server's root with a leading `/`, not `/`
 * itself, no trailing `/`, only letters, digits and `. _ ~ - /`, and no empty, `.` or `..` segment.
 * `example` is a good path for the messages (`/jobs`); `what` names what `/` would swallow.
 *
 * @example
 * mountPathProblem('jobs', { example: '/jobs', what: 'the dashboard' }); // 'must start with "/" (write "/jobs")'
 */
export function mountPathProblem(value: unknown, { example, what }: { example: string; what: string }): string | undefined {
  if (typeof value !== 'string') return `must be a string such as "${example}", got ${show(value)}`;
  if (!value.startsWith('/')) return `must start with "/" (write ${show(`/${value}`)})`;
  if (value === '/') return `must not be "/": ${what} would answer every request of the app; mount it under a path such as "${example}"`;
  if (value.endsWith('/')) return `must not end with "/" (write ${show(value.replace(/\/+$/, '') || example)})`;
  if (!/^[A-Za-z0-9._~/-]+$/.test(value)) return `may only contain letters, digits and . _ ~ - / (for example "${example}")`;
  if (value.slice(1).split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return `must not contain an empty, "." or ".." segment (for example "${example}")`;
  }
  return undefined;
}
