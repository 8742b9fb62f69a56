/**
 * Which database errors are about one job's values rather than about the statement or the
 * connection, and how to say so without quoting PostgreSQL's internals (index names) at the caller.
 *
 * Row-level, by SQLSTATE class: 22 (data exception: a value the column or jsonb cannot hold, such
 * as `\u0000`), 23 (integrity constraint) and 54 (program limit exceeded: a value too long for an
 * index row). A statement that carries several jobs fails as a whole on them, though only one
 * job's values are at fault: each job can be sent again alone.
 *
 * Everything else is the same for every job of the statement: class 08 (connection), 25/40
 * (transaction state, serialization failure, deadlock), 42 (undefined table, insufficient
 * privilege: the schema or the role, not the values), 53 (out of memory, disk full, too many
 * connections), 57 (shutdown, statement cancelled), XX (internal), and errors with no SQLSTATE.
 */
const ROW_LEVEL_CLASS = /^(?:22|23|54)/;

/** Whether a failed write was rejected because of some job's values rather than for everyone. */
export function isRowLevelError(error: unknown): boolean {
  // JSON.stringify of a payload it cannot carry (a BigInt, a cycle) throws before any statement.
  if (error instanceof TypeError) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && ROW_LEVEL_CLASS.test(code)) return true;
  // pg-boss's own check, before the statement: a key_strict_fifo queue needs a key on every job.
  return typeof message === 'string' && message.includes('require a singletonKey');
}

/** Longest part of PostgreSQL's own message quoted in a {@link refusedValues} reason. */
const MAX_QUOTED = 200;

/**
 * For a database error caused by the job's own values (SQLSTATE class 22 or 54), the reason in
 * words, for a `JobValidationError`; `undefined` for anything else. Class 23 is left out: it is
 * also how a write to a queue deleted meanwhile fails (a foreign key), which is not the values'
 * fault.
 */
export function refusedValues(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code !== 'string' || !/^(?:22|54)/.test(code)) return undefined;
  if (code === '54000' && typeof message === 'string' && message.startsWith('index row size')) {
    // Validation keeps keys and group ids under the limit; this is the database's own backstop.
    return `a key or group id is too long for PostgreSQL's index on it (SQLSTATE ${code}); keep singletonKey, throttle/debounce keys and group ids short`;
  }
  const text = typeof message === 'string' ? message : 'no message';
  // PostgreSQL's data-exception messages name the problem, sometimes quoting the value: quote them
  // on one line and cut long.
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const quoted = line.length > MAX_QUOTED ? `${line.slice(0, MAX_QUOTED)}…` : line;
  return `${quoted} (SQLSTATE ${code})`;
}
