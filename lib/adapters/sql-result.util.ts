/**
 * node-postgres resolves a multi-statement script (sent without parameters, over the simple
 * protocol) with one result per statement. pg-boss sends such scripts (`flow()` joins its inserts),
 * so a RETURNING in the middle must not be lost behind the empty result of the statement after it:
 * flatten every statement's rows, as pg-boss's own `unwrapSQLResult` does for its pool.
 */
export function rowsOf(result: unknown): any[] {
  if (Array.isArray(result)) {
    return result.flatMap((statement: { rows?: unknown[] } | null) =>
      Array.isArray(statement?.rows) ? statement.rows : [],
    );
  }
  const rows = (result as { rows?: unknown } | null | undefined)?.rows;
  return Array.isArray(rows) ? rows : [];
}

/**
 * No values means no bind step: node-postgres then uses the simple query protocol, the only one
 * that accepts several statements in one call. An empty array would be sent as such too, but pass
 * `undefined` so drivers that test `values !== undefined` do not switch to a prepared statement.
 */
export function valuesOrUndefined(values: unknown[] | undefined): unknown[] | undefined {
  return values && values.length > 0 ? values : undefined;
}
