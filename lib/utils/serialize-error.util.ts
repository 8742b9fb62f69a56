/**
 * Turns whatever a handler threw into a JSON object pg-boss can store as the job's output. Handlers
 * may throw non-Error values (strings, objects, undefined); none of them may break settlement.
 */
export function serializeError(error: unknown): { name: string; message: string; stack?: string } & Record<string, unknown> {
  if (error instanceof Error) {
    const extra: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(error)) {
      if (isJsonSafe(value)) extra[key] = value;
    }
    return { ...extra, name: error.name, message: error.message, stack: error.stack };
  }
  let message: string;
  try {
    message = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
  } catch {
    message = String(error);
  }
  return { name: 'NonError', message };
}

function isJsonSafe(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}
