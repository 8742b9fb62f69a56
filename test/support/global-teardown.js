export default async function globalTeardown() {
  await globalThis.__NEST_PG_JOBS_PG__?.stop();
}
