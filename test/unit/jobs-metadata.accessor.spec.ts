import { Reflector } from '@nestjs/core';
import { describe, expect, it } from '@jest/globals';
import { JobsMetadataAccessor } from '../../lib/discover/jobs-metadata.accessor.js';
import { defineJob, JobHandler, OnJobEvent, Recurring } from '../../lib/index.js';

const Email = defineJob<{ to: string }>('email', { retryLimit: 4 });

class Decorated {
  @JobHandler(Email, { concurrency: 3 })
  send() {}
  @Recurring('nightly', '0 3 * * *', { tz: 'Europe/Berlin' })
  nightly() {}
  @OnJobEvent('failed', Email)
  onFailed() {}
  plain() {}
}

describe('JobsMetadataAccessor', () => {
  const accessor = new JobsMetadataAccessor(new Reflector());
  const proto = Decorated.prototype;

  it('reads @JobHandler metadata: the definition and the options', () => {
    expect(accessor.getJobHandlerMetadata(proto.send)).toEqual({ definition: Email, options: { concurrency: 3 } });
  });

  it('reads @Recurring metadata: definition, cron and options', () => {
    expect(accessor.getRecurringMetadata(proto.nightly)).toEqual([
      { definition: { name: 'nightly', options: {} }, cron: '0 3 * * *', options: { tz: 'Europe/Berlin' } },
    ]);
  });

  it('reads every stacked @Recurring in source order, with the definition it names', () => {
    class Stacked {
      @Recurring(Email, '0 8 * * *', { key: 'morning', data: { to: 'a@example.com' } })
      @Recurring(Email, '0 18 * * *', { key: 'evening', data: { to: 'b@example.com' } })
      run() {}
    }
    const metadata = accessor.getRecurringMetadata(Stacked.prototype.run);
    expect(metadata?.map((m) => [m.definition, m.cron, m.options.key])).toEqual([
      [Email, '0 8 * * *', 'morning'],
      [Email, '0 18 * * *', 'evening'],
    ]);
  });

  it('reads @OnJobEvent metadata with the queue name of a definition', () => {
    expect(accessor.getEventListenerMetadata(proto.onFailed)).toEqual({ type: 'failed', queue: 'email' });
  });

  it('returns undefined for undecorated methods', () => {
    expect(accessor.getJobHandlerMetadata(proto.plain)).toBeUndefined();
    expect(accessor.getRecurringMetadata(proto.plain)).toBeUndefined();
    expect(accessor.getEventListenerMetadata(proto.plain)).toBeUndefined();
  });

  it('accepts a plain queue name in place of a definition', () => {
    class ByName {
      @JobHandler('by-name')
      run() {}
    }
    expect(accessor.getJobHandlerMetadata(ByName.prototype.run)).toEqual({
      definition: { name: 'by-name', options: {} },
      options: {},
    });
  });
});
