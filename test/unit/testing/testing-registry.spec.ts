// The testing kit's JobsRegistry: the tester writes its handlers there, and a JobsService method
// that needs a database waits for them (no app.init() needed) and then throws, naming the call.
import { Test } from '@nestjs/testing';
import { describe, expect, it } from '@jest/globals';
import { JobsService } from '../../../lib/index.js';
import { JobsRegistry } from '../../../lib/runtime/jobs.registry.js';
import { getJobsTester, JobsTestingError, JobsTestingModule } from '../../../lib/testing/index.js';
import { Greet, TestFeatureModule } from './fixtures.js';

describe('the testing kit registry', () => {
  it('is the tester’s, filled with its handlers once they are discovered', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ logger: false }), TestFeatureModule],
    }).compile();
    const registry = moduleRef.get(JobsRegistry, { strict: false });
    expect(registry).toBe(getJobsTester(moduleRef).registry);
    expect(registry.handlersResolved).toBe(false);
    await moduleRef.init();
    expect(registry.state).toBe('running');
    expect(registry.handlers.map((handler) => handler.queue)).toEqual(expect.arrayContaining([Greet.name]));
    await moduleRef.close();
  });

  it('lets a JobsService method reach the missing database without app.init(), and name it', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [JobsTestingModule.forRoot({ logger: false }), TestFeatureModule],
    }).compile();
    const jobs = moduleRef.get(JobsService);
    // The real JobsService method, over the in-memory backend (the kit overrides no method).
    const error = await JobsService.prototype.getQueue.call(jobs, Greet).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobsTestingError);
    expect((error as Error).message).toMatch(/^JobsService\.getQueue needs a database/);
    expect(getJobsTester(moduleRef).registry.handlersResolved).toBe(true);
    await moduleRef.close();
  });
});
