import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  type CanActivate,
  type LoggerService,
} from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { isObservable, lastValueFrom } from 'rxjs';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { DASHBOARD_GUARD_THREW, DASHBOARD_GUARD_UNRESOLVED, DASHBOARD_READ_ONLY } from './dashboard.messages.js';
import type { JobsDashboardGuard } from './interfaces/jobs-dashboard-options.interface.js';

/**
 * What a dashboard request's guards see as its controller and handler (`context.getClass()`,
 * `context.getHandler()`): a guard that reads metadata with `Reflector` finds none, and a guard can
 * tell a dashboard request by `context.getClass() === JobsDashboardRoute`.
 *
 * @example
 * canActivate(context: ExecutionContext) {
 *   if (context.getClass() === JobsDashboardRoute) return this.isOps(context.switchToHttp().getRequest());
 *   return true;
 * }
 */
export class JobsDashboardRoute {
  /** The stand-in handler of every dashboard request. */
  serve(): void {}
}

/** The answer to a request the gate refuses: a status and the JSON body Nest would send. */
export interface DashboardRefusal {
  status: number;
  body: object;
}

// Methods that change nothing in the dashboard: everything else is refused when read-only.
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Decides whether a dashboard request goes through: the app's guards in order, with an HTTP
 * `ExecutionContext` over the adapter's own request and response, then the read-only rule. Answers
 * as Nest's router would: `false` is 403 `Forbidden resource`, an `HttpException` its status and
 * body, anything else thrown a logged 500.
 */
export class DashboardGate {
  constructor(
    private readonly guards: readonly CanActivate[],
    private readonly readOnly: boolean,
    private readonly logger: LoggerService,
  ) {}

  /**
   * `undefined` when the request may reach the dashboard, else the refusal to send.
   *
   * @example
   * const refusal = await gate.check(req, res, req.method);
   * if (refusal) return adapter.reply(res, refusal.body, refusal.status);
   */
  async check(request: unknown, response: unknown, method: string): Promise<DashboardRefusal | undefined> {
    if (this.guards.length > 0) {
      const context = new ExecutionContextHost([request, response], JobsDashboardRoute, JobsDashboardRoute.prototype.serve);
      context.setType('http');
      for (const guard of this.guards) {
        let allowed: boolean;
        try {
          const result = guard.canActivate(context);
          allowed = isObservable(result) ? await lastValueFrom(result) : await result;
        } catch (error) {
          if (error instanceof HttpException) return refusalOf(error);
          this.logger.error(DASHBOARD_GUARD_THREW(error instanceof Error ? (error.stack ?? error.message) : String(error)));
          return {
            status: HttpStatus.INTERNAL_SERVER_ERROR,
            body: { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' },
          };
        }
        // Nest's GuardsConsumer's answer, word for word.
        if (!allowed) return refusalOf(new ForbiddenException('Forbidden resource'));
      }
    }
    if (this.readOnly && !SAFE_METHODS.has(method.toUpperCase())) {
      return refusalOf(new ForbiddenException(DASHBOARD_READ_ONLY()));
    }
    return undefined;
  }
}

/** An `HttpException` as Nest's `BaseExceptionFilter` answers it. */
function refusalOf(exception: HttpException): DashboardRefusal {
  const response = exception.getResponse();
  const status = exception.getStatus();
  return { status, body: typeof response === 'object' ? response : { statusCode: status, message: response } };
}

/**
 * The guards as instances: an instance as given, a class as the app's provider when one exists
 * anywhere in the app, else created by the module's injector with its dependencies (from global
 * modules and `forRootAsync({ imports })`). Throws a `JobsConfigurationError` naming a guard that
 * cannot be created.
 *
 * @example
 * const guards = await resolveDashboardGuards([AuthGuard, new RoleGuard('ops')], moduleRef);
 */
export async function resolveDashboardGuards(
  guards: readonly JobsDashboardGuard[],
  moduleRef: ModuleRef,
): Promise<CanActivate[]> {
  return Promise.all(
    guards.map(async (guard) => {
      if (typeof guard !== 'function') return guard;
      try {
        return moduleRef.get(guard, { strict: false });
      } catch {
        // Not a provider of the app: created below, as Nest creates a guard named in @UseGuards.
      }
      try {
        return await moduleRef.create(guard);
      } catch (error) {
        // Nest's own message runs to a dozen lines; its first says which dependency is missing.
        const cause = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
        throw new JobsConfigurationError(DASHBOARD_GUARD_UNRESOLVED(guard.name || 'a guard class', cause), {
          cause: error,
        });
      }
    }),
  );
}
