import { describe, expect, it } from '@jest/globals';
import { ADAPTIVE_BATCH_MAX, nextBatchSize } from '../../lib/worker.slot.js';

describe('nextBatchSize', () => {
  it('grows after a full fetch of quick jobs, up to the cap', () => {
    expect(nextBatchSize(1, 1, 0.05)).toBe(ADAPTIVE_BATCH_MAX);
    expect(nextBatchSize(1, 1, 2)).toBe(10); // 2 ms a job: 10 fit in 20 ms
  });

  it('does not grow when the fetch came back short (no backlog to take)', () => {
    expect(nextBatchSize(10, 3, 0.1)).toBe(10);
    expect(nextBatchSize(1, 0, 0)).toBe(1);
  });

  it('falls back to one job at a time after a slow batch', () => {
    expect(nextBatchSize(ADAPTIVE_BATCH_MAX, ADAPTIVE_BATCH_MAX, 3_000)).toBe(1);
    expect(nextBatchSize(1, 1, 3_000)).toBe(1);
  });

  it('keeps its size while the estimate stays within a factor of two', () => {
    expect(nextBatchSize(10, 10, 25)).toBe(10); // target 8
    expect(nextBatchSize(10, 10, 12)).toBe(10); // target 16
    expect(nextBatchSize(10, 10, 45)).toBe(4); // target 4: halved
  });
});
