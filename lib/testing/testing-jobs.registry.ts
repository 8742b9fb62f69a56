import { JobsRegistry } from '../runtime/jobs.registry.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';

/**
 * @internal The `JobsRegistry` of the testing kit, written by the `JobsTester`: its handlers once
 * discovered and resolved, and a state that is `running` from then on. There is no database to
 * start, and the tester discovers its handlers on first use rather than only at init, so waiting
 * for the module to run starts that discovery instead of waiting for an `app.init()`.
 */
export class TestingJobsRegistry extends JobsRegistry {
  constructor(
    options: JobsModuleOptions,
    /** Discovers and resolves the handlers once (the tester's), settling this registry's state. */
    private readonly discover: () => Promise<unknown>,
  ) {
    super(options);
  }

  override whenRunning(): Promise<void> {
    return this.discover().then(() => super.whenRunning());
  }
}
