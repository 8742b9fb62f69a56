import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { describeText } from '../utils/describe-value.util.js';
import { DASHBOARD_NOT_INSTALLED } from './dashboard.messages.js';

/**
 * The part of `@pg-boss/dashboard/handler` the module uses, declared here so that no public type
 * of this package refers to the optional peer (`load-dashboard-handler.util.ts` checks at compile
 * time that the real one fits).
 */
export interface DashboardHandler {
  (request: Request): Promise<Response>;
  /** Ends the dashboard's pools and pg-boss instances; requests after it answer 503. */
  close(): Promise<void>;
}

/** `createDashboardHandler` of `@pg-boss/dashboard/handler`. */
export type CreateDashboardHandler = (options: {
  databases: { url: string; schema?: string; name?: string }[];
  basePath?: string;
  allowedActionOrigins?: string[];
}) => DashboardHandler;

const importDashboard = async (): Promise<CreateDashboardHandler> => {
  // A dynamic import: @pg-boss/dashboard is an optional peer, loaded only when the module mounts.
  const { createDashboardHandler } = await import('@pg-boss/dashboard/handler');
  return createDashboardHandler;
};

/**
 * Loads `createDashboardHandler` from the optional peer `@pg-boss/dashboard`. Throws a
 * `JobsConfigurationError` saying `npm i @pg-boss/dashboard` when it cannot be loaded.
 *
 * @example
 * const createDashboardHandler = await loadDashboardHandler();
 */
export async function loadDashboardHandler(
  importer: () => Promise<CreateDashboardHandler> = importDashboard,
): Promise<CreateDashboardHandler> {
  try {
    return await importer();
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new JobsConfigurationError(DASHBOARD_NOT_INSTALLED(describeText(cause, 300)), { cause: error });
  }
}
