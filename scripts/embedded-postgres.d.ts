/** A throwaway PostgreSQL server. */
export interface StartedPostgres {
  url: string;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function startPostgres(options?: { fast?: boolean; port?: number }): Promise<StartedPostgres>;
