import { z } from 'zod';
import { defineJob, type JobOutput } from 'nest-pg-jobs';

/**
 * A schema makes the payload type follow from it, and checks every payload twice: when it is sent
 * (a bad request never reaches the database) and when it is fetched (a job written by an older
 * deploy or by hand cannot crash the handler).
 */
export const Thumbnail = defineJob('thumbnail', {
  schema: z.object({
    imageId: z.string().min(1).max(100),
    /** Edge of the square thumbnail, in pixels. */
    size: z.number().int().min(16).max(512),
  }),
  retryLimit: 2,
  expireInSeconds: 60,
});

export type ThumbnailData = JobOutput<typeof Thumbnail>;
