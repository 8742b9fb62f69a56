import { Reflector, MetadataScanner } from '@nestjs/core';
import { describe, expect, it } from '@jest/globals';
import { JobsExplorer } from '../../lib/discover/jobs.explorer.js';
import { JobsMetadataAccessor } from '../../lib/discover/jobs-metadata.accessor.js';
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
    expect(handlers[2]!.schedules).toEqual([{ cron: '0 3 * * *' }]);
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

  it('collects stacked @Recurring of one queue as one handler with a schedule each', () => {
    const Report = defineJob<{ kind: string }>('report', { retryLimit: 1 });
    class Reports {
      @Recurring(Report, '0 8 * * *', { key: 'morning', data: { kind: 'am' }, concurrency: 2 })
      @Recurring(Report, '0 18 * * *', { key: 'evening', data: { kind: 'pm' }, tz: 'Europe/Berlin' })
      async run() {}
    }
    const { handlers } = explorerFor(new Reports()).explore();
    expect(handlers).toHaveLength(1);
    expect(handlers[0]).toMatchObject({ kind: 'recurring', owner: 'Reports.run', definition: Report, options: { concurrency: 2 } });
    expect(handlers[0]!.schedules).toEqual([
      { cron: '0 8 * * *', key: 'morning', data: { kind: 'am' } },
      { cron: '0 18 * * *', key: 'evening', tz: 'Europe/Berlin', data: { kind: 'pm' } },
    ]);
  });

  it.each([
    [
      'two schedules of one queue without a key',
      () => {
        class C {
          @Recurring('r', '0 8 * * *')
          @Recurring('r', '0 9 * * *')
          async run() {}
        }
        return new C();
      },
      'Invalid options for C.run (queue "r"): several @Recurring decorators of the queue have no key; give each schedule of one queue its own key.',
    ],
    [
      'two schedules of one queue with the same key',
      () => {
        class C {
          @Recurring('r', '0 8 * * *', { key: 'a' })
          @Recurring('r', '0 9 * * *', { key: 'a' })
          async run() {}
        }
        return new C();
      },
      'Invalid options for C.run (queue "r"): two @Recurring decorators of the queue have key "a"; give each schedule its own key.',
    ],
    [
      'schedules of one queue that disagree on a queue option',
      () => {
        class C {
          @Recurring('r', '0 8 * * *', { key: 'a', retryLimit: 1 })
          @Recurring('r', '0 9 * * *', { key: 'b', retryLimit: 2 })
          async run() {}
        }
        return new C();
      },
      'Invalid options for C.run (queue "r"): its @Recurring decorators give retryLimit different values (1 and 2); queue and worker options apply to the whole queue, so give them once.',
    ],
    [
      'schedules of one queue that name different definitions',
      () => {
        const A = defineJob('r', { retryLimit: 1 });
        class C {
          @Recurring(A, '0 8 * * *', { key: 'a' })
          @Recurring('r', '0 9 * * *', { key: 'b' })
          async run() {}
        }
        return new C();
      },
      'Invalid options for C.run (queue "r"): its @Recurring decorators name different definitions of the queue; use one definition (defineJob) in all of them.',
    ],
    [
      'a key pg-boss cannot store',
      () => {
        class C {
          @Recurring('r', '0 8 * * *', { key: 'a b' })
          async run() {}
        }
        return new C();
      },
      'Invalid options for C.run (queue "r"): key "a b" must be at most 100 letters, digits, "_", "-", "." and "/" (pg-boss\'s rule for schedule keys).',
    ],
    [
      'a key over 100 characters',
      () => {
        class C {
          @Recurring('r', '0 8 * * *', { key: 'k'.repeat(101) })
          async run() {}
        }
        return new C();
      },
      /key "k{101}" must be at most 100 letters/,
    ],
  ])('refuses %s, naming the method', (_label, provider, message) => {
    expect(() => explorerFor(provider()).explore()).toThrow(JobsConfigurationError);
    expect(() => explorerFor(provider()).explore()).toThrow(message);
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
