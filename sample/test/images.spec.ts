// Unit tests of the thumbnails feature in inline mode: `send` runs the real worker at once.
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JobsService, JobValidationError } from 'nest-pg-jobs';
import { JobsTestingModule, getJobsTester, type JobsTester } from 'nest-pg-jobs/testing';
import { ImagesController } from '../images/images.controller.js';
import { Thumbnail } from '../images/images.jobs.js';
import { ImagesModule } from '../images/images.module.js';

describe('images', () => {
  let moduleRef: TestingModule;
  let tester: JobsTester;
  let controller: ImagesController;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ mode: 'inline', logger: false }), ImagesModule],
    }).compile();
    await moduleRef.init();
    tester = getJobsTester(moduleRef);
    controller = moduleRef.get(ImagesController);
  });
  afterAll(() => moduleRef.close());

  it('renders the thumbnail before POST /images answers, and GET shows the result', async () => {
    const { jobId } = await controller.create({ imageId: 'cat.jpg', size: 32 });
    const status = await controller.status(jobId!);
    expect(status).toMatchObject({ jobId, state: 'completed', data: { imageId: 'cat.jpg', size: 32 } });
    expect(status.output).toMatchObject({ imageId: 'cat.jpg', size: 32, bytes: 32 * 32 * 3 });
  });

  it('refuses an invalid payload before anything is queued', async () => {
    await expect(controller.create({ imageId: '', size: 4 })).rejects.toThrow(JobValidationError);
    await expect(moduleRef.get(JobsService).send('thumbnail', { imageId: 'x', size: 'big' })).rejects.toThrow(
      'Invalid payload for job "thumbnail": size:',
    );
  });

  it('renders the same image to the same digest (performJob returns what the handler returned)', async () => {
    const first = await tester.performJob(Thumbnail, { imageId: 'dog.png', size: 16 });
    const second = await tester.performJob(Thumbnail, { imageId: 'dog.png', size: 16 });
    expect(first.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(second.sha256).toBe(first.sha256);
  });
});
