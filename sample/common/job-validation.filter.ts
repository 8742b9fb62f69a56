import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { JobValidationError } from 'nest-pg-jobs';

interface HttpResponse {
  status(code: number): { json(body: unknown): void };
}

/**
 * A payload that fails its job's schema was sent by the client: answer 400 with the schema's
 * issues instead of a 500. Registered app-wide in `AppModule`.
 */
@Catch(JobValidationError)
export class JobValidationFilter implements ExceptionFilter {
  catch(error: JobValidationError, host: ArgumentsHost) {
    host
      .switchToHttp()
      .getResponse<HttpResponse>()
      .status(400)
      .json({
        statusCode: 400,
        error: 'Bad Request',
        message: `invalid ${error.queue} job`,
        issues: error.issues.map((issue) => ({
          path: (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.'),
          message: issue.message,
        })),
      });
  }
}
