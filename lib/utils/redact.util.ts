// Credentials as they appear in connection strings and libpq keyword strings. pg's own errors do
// not carry the password, but a message that quotes a connection string would.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):[^@\s]*@/gi;
const KEYWORD_PASSWORD = /\b(password|passwd|pwd)\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;]+)/gi;

/**
 * Masks passwords in text that is about to be logged or put in an error message:
 * `postgres://app:s3cret@db/app` becomes `postgres://app:***@db/app`, and `password=s3cret` (libpq
 * keyword form, or a URL query parameter) becomes `password=***`. Everything else is left as it is.
 *
 * @example
 * redactSecrets('connect to postgres://app:pw@db:5432/app failed'); // 'connect to postgres://app:***@db:5432/app failed'
 */
export function redactSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1:***@').replace(KEYWORD_PASSWORD, '$1=***');
}
