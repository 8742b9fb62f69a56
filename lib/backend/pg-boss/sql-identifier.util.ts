/** Quotes an identifier for SQL text: `job` becomes `"job"`, embedded quotes are doubled. */
export function quoteIdent(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/**
 * The pg-boss schema as SQL text, meaning what pg-boss's own statements mean by it. pg-boss writes
 * the configured name into its SQL as given: a bare name (`MyJobs`) is folded to lower case by
 * PostgreSQL, a quoted one (`"MyJobs"`) is taken verbatim. The module's schema option only admits
 * names that are safe either way (see validateModuleOptions), and the result is quoted here anyway.
 *
 * @example
 * schemaIdentifier('pgboss');     // '"pgboss"'
 * schemaIdentifier('MyJobs');     // '"myjobs"'
 * schemaIdentifier('"MyJobs"');   // '"MyJobs"'
 */
export function schemaIdentifier(schema: string): string {
  const quoted = schema.length > 1 && schema.startsWith('"') && schema.endsWith('"');
  return quoteIdent(quoted ? schema.slice(1, -1) : schema.toLowerCase());
}
