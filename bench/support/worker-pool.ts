// The parent's side of the 'worker' child processes of the scaling scenario: forks k of them, waits
// until each has booted its system (workers not started), starts them all with one signal, follows
// the jobs each one handled, and stops them. The child's side is runWorker() in child.ts.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkerTask } from '../child.js';

/** Parent → worker. */
export type ToWorker = { type: 'start' } | { type: 'stop' };
/** Worker → parent. `handled` is the number of handler starts in that process so far. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; handled: number }
  | { type: 'stopped'; handled: number }
  | { type: 'error'; error: string };

const childPath = fileURLToPath(new URL('../child.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class WorkerPool {
  private readonly handledBy: number[];
  private failure: Error | undefined;
  private stopping = false;

  private constructor(private readonly children: ChildProcess[]) {
    this.handledBy = children.map(() => 0);
  }

  /** Forks `count` worker processes and resolves once every one has reported ready. */
  static async fork(count: number, task: WorkerTask, timeoutMs = 60_000): Promise<WorkerPool> {
    const children = Array.from({ length: count }, () =>
      fork(childPath, [JSON.stringify(task)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    const pool = new WorkerPool(children);
    const ready = children.map(
      (child, index) =>
        new Promise<void>((resolve, reject) => {
          child.on('message', (message: FromWorker) => {
            if (message.type === 'ready') resolve();
            else if (message.type === 'progress' || message.type === 'stopped') pool.handledBy[index] = message.handled;
            else if (message.type === 'error') {
              pool.failure ??= new Error(`worker process ${index + 1}/${count}: ${message.error}`);
              reject(pool.failure);
            }
          });
          child.once('exit', (code) => {
            if (!pool.stopping) pool.failure ??= new Error(`worker process ${index + 1}/${count} exited with code ${code}`);
            reject(pool.failure ?? new Error(`worker process ${index + 1}/${count} exited with code ${code}`));
          });
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.all(ready),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`worker processes not ready within ${timeoutMs / 1000} s`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      pool.kill();
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return pool;
  }

  get size(): number {
    return this.children.length;
  }

  /** Jobs handled by each process, as last reported. */
  perProcess(): number[] {
    return [...this.handledBy];
  }

  handled(): number {
    return this.handledBy.reduce((a, b) => a + b, 0);
  }

  /** Sends the start signal to every process at once. */
  start(): void {
    for (const child of this.children) child.send({ type: 'start' } satisfies ToWorker);
  }

  /** Resolves true once the processes together handled `target` jobs, false at the timeout. */
  async reach(target: number, timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.handled() < target) {
      if (this.failure) throw this.failure;
      if (performance.now() >= deadline) return false;
      await sleep(5);
    }
    return true;
  }

  /** Asks every process to close its system and exit; resolves with the final counts. */
  async stop(timeoutMs = 30_000): Promise<number[]> {
    this.stopping = true;
    const exited = this.children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
        }),
    );
    for (const child of this.children) if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await Promise.all(exited);
    clearTimeout(timer);
    if (this.failure) throw this.failure;
    return this.perProcess();
  }

  kill(): void {
    this.stopping = true;
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
