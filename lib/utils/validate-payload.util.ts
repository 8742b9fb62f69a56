import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import { JobValidationError } from '../errors/job-validation.error.js';
import { PAYLOAD_INVALID, PAYLOAD_NOT_OBJECT } from '../jobs.messages.js';

/** The synchronous part of {@link validatePayload}: a payload must be an object, null or absent. */
export function checkPayloadShape(definition: JobDefinition<any, any>, data: unknown): void {
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) {
    const got = Array.isArray(data) ? 'an array' : typeof data;
    throw new JobValidationError(PAYLOAD_NOT_OBJECT(definition.name, got), definition.name);
  }
}

/**
 * Checks a payload against its definition: it must be an object (pg-boss stores JSON objects) and
 * pass the definition's Standard Schema when it has one. Returns the schema's output (which may be
 * transformed) or the payload itself; throws {@link JobValidationError}.
 */
export async function validatePayload<I, O>(
  definition: JobDefinition<I, O>,
  data: unknown,
): Promise<O> {
  checkPayloadShape(definition, data);
  const schema = definition.schema;
  if (!schema) return data as O;
  const result = await schema['~standard'].validate(data);
  if (result.issues) {
    const summary = result.issues
      .slice(0, 5)
      .map((issue) => {
        const path = issue.path
          ?.map((p) => (typeof p === 'object' ? String(p.key) : String(p)))
          .join('.');
        return path ? `${path}: ${issue.message}` : issue.message;
      })
      .join('; ');
    throw new JobValidationError(PAYLOAD_INVALID(definition.name, summary), definition.name, result.issues);
  }
  return result.value;
}
