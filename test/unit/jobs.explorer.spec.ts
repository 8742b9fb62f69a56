import { Reflector, MetadataScanner } from '@nestjs/core';
import { describe, expect, it } from '@jest/globals';
import { JobsExplorer } from '../../lib/jobs.explorer.js';
import { JobsMetadataAccessor } from '../../lib/jobs-metadata.accessor.js';
import { defineJob, DuplicateJobHandlerError, JobHandler, JobsConfigurationError, OnJobEvent, Recurring } from '../../lib/index.js';

const Email = defineJob<{ to: string }>('email');

/** A fake DiscoveryService: the explorer only needs getProviders(). */
const explorerFor = (...instances: object[]) => {
  const wrappers = instances.map((instance) => ({
    instance,
    name: instance.constructor.name,
    isTransient: false,
    isDependencyTreeStatic: () => true,
  }));
  return new JobsExplorer(
    { getProviders: () => wrappers } as never,
    new MetadataScanner(),
    new JobsMetadataAccessor(new Reflector()),
    {} as never,
  );
};

class EmailJobs {
  sent: string[] = [];
  @JobHandler(Email, { concurrency: 2 })
  async send(job: { data: { to: string } }) {
    this.sent.push(job.data.to);
    return 'ok';
  }
  @JobHandler('import', { batchSize: 50 })
  async import() {}
  @Recurring('nightly', '0 3 * * *')
  async nightly() {}
  @OnJobEvent('completed')
  onCompleted() {}
}

describe('JobsExplorer', () => {
  it('collects handlers with their kind, owner and options', () => {
    const { handlers } = explorerFor(new EmailJobs(), { notAProvider: true }).explore();
    expect(handlers.map((h) => [h.kind, h.owner, h.definition.name, h.options])).toEqual([
      ['single', 'EmailJobs.send', 'email', { concurrency: 2 }],
      ['batch', 'EmailJobs.import', 'import', { batchSize: 50 }],
      ['recurring', 'EmailJobs.nightly', 'nightly', {}],
    ]);
    expect(handlers[2]!.cron).toBe('0 3 * * *');
  });

  it('binds the handler to the provider instance', async () => {
    const instance = new EmailJobs();
    const { handlers } = explorerFor(instance).explore();
    await expect(handlers[0]!.invoke({ data: { to: 'ada@example.com' } })).resolves.toBe('ok');
    expect(instance.sent).toEqual(['ada@example.com']);
  });

  it('collects @OnJobEvent listeners', () => {
    const { listeners } = explorerFor(new EmailJobs()).explore();
    expect(listeners.map((l) => [l.owner, l.type, l.queue])).toEqual([['EmailJobs.onCompleted', 'completed', undefined]]);
  });

  it('refuses two handlers for one queue, naming both methods', () => {
    class Other {
      @JobHandler(Email)
      async deliver() {}
    }
    expect(() => explorerFor(new EmailJobs(), new Other()).explore()).toThrow(DuplicateJobHandlerError);
    expect(() => explorerFor(new EmailJobs(), new Other()).explore()).toThrow(
      'Two handlers for queue "email": EmailJobs.send and Other.deliver.',
    );
  });

  it('refuses a @Recurring whose name collides with a @JobHandler queue', () => {
    class Clash {
      @Recurring('email', '* * * * *')
      async tick() {}
    }
    expect(() => explorerFor(new EmailJobs(), new Clash()).explore()).toThrow(
      'Two handlers for queue "email": EmailJobs.send and Clash.tick.',
    );
  });

  it('refuses an invalid queue name, naming the method', () => {
    class BadName {
      @JobHandler('drop table; --')
      async run() {}
    }
    expect(() => explorerFor(new BadName()).explore()).toThrow(JobsConfigurationError);
    expect(() => explorerFor(new BadName()).explore()).toThrow(/BadName\.run: queue name "drop table; --" may only contain/);
  });
});
