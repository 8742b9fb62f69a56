import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';

const SOURCE_WIDTH = 1024;
const SOURCE_HEIGHT = 768;

/**
 * Renders a thumbnail the way an image library would, minus the library: it synthesises a source
 * image from the id, box-filters it down to `size` x `size` and hashes the result. Real CPU work,
 * some tens of milliseconds per image, done in slices so the event loop (HTTP, other jobs,
 * heartbeats) keeps running, and so a cancelled or timed-out job stops at the next slice.
 */
@Injectable()
export class ThumbnailRenderer {
  async render(imageId: string, size: number, signal: AbortSignal) {
    const source = await this.synthesise(imageId, signal);
    const thumbnail = Buffer.alloc(size * size * 3);
    const boxWidth = SOURCE_WIDTH / size;
    const boxHeight = SOURCE_HEIGHT / size;
    for (let y = 0; y < size; y++) {
      if (y % 32 === 0) {
        signal.throwIfAborted();
        await yieldToEventLoop();
      }
      const top = Math.floor(y * boxHeight);
      const bottom = Math.max(top + 1, Math.floor((y + 1) * boxHeight));
      for (let x = 0; x < size; x++) {
        const left = Math.floor(x * boxWidth);
        const right = Math.max(left + 1, Math.floor((x + 1) * boxWidth));
        let r = 0;
        let g = 0;
        let b = 0;
        for (let sy = top; sy < bottom; sy++) {
          for (let sx = left; sx < right; sx++) {
            const i = (sy * SOURCE_WIDTH + sx) * 3;
            r += source[i]!;
            g += source[i + 1]!;
            b += source[i + 2]!;
          }
        }
        const n = (bottom - top) * (right - left);
        const o = (y * size + x) * 3;
        thumbnail[o] = r / n;
        thumbnail[o + 1] = g / n;
        thumbnail[o + 2] = b / n;
      }
    }
    return { bytes: thumbnail.length, sha256: createHash('sha256').update(thumbnail).digest('hex') };
  }

  /** Pseudo-random pixels seeded by the id: the same image always gives the same thumbnail. */
  private async synthesise(imageId: string, signal: AbortSignal): Promise<Buffer> {
    const pixels = Buffer.alloc(SOURCE_WIDTH * SOURCE_HEIGHT * 3);
    let state = createHash('sha256').update(imageId).digest().readUInt32LE(0) || 1;
    const rowBytes = SOURCE_WIDTH * 3;
    for (let offset = 0; offset < pixels.length; offset++) {
      if (offset % (rowBytes * 128) === 0) {
        signal.throwIfAborted();
        await yieldToEventLoop();
      }
      // xorshift32: cheap, deterministic noise.
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      pixels[offset] = state & 0xff;
    }
    return pixels;
  }
}
