import { JobsModule } from 'nest-pg-jobs';

/**
 * JobsModule as the sample's two processes import it: the HTTP app (`main.ts`, AppModule) and the
 * worker (`worker.ts`, WorkerModule). forRootAsync: the options are read when the app starts, not
 * when this file is imported (main.ts may set DATABASE_URL first). With @nestjs/config, inject
 * ConfigService here.
 *
 * `SAMPLE_WORKERS=false` makes the HTTP app enqueue-only (`workers: false`): run `npm run
 * start:worker` next to it, as a deployment runs API replicas and worker replicas
 * (docs/deployment.md). Unset, the HTTP app runs the workers too: one process for the demo.
 */
export const jobsModule = () =>
  JobsModule.forRootAsync({
    useFactory: () => {
      const connectionString = process.env.DATABASE_URL;
      if (!connectionString) throw new Error('DATABASE_URL is not set');
      return {
        connectionString,
        // In-flight jobs get this long to finish when the app stops; later they are retried.
        shutdownTimeoutMs: 10_000,
        workers: process.env.SAMPLE_WORKERS !== 'false',
      };
    },
  });
