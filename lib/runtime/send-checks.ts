import { isRecurringScheduleKey } from '../module/jobs.constants.js';
import {
  NOT_AN_EVENT,
  DEAD_LETTER_NOT_DECLARED,
  INVALID_JOB_ID,
  INVALID_SCHEDULE,
  INVALID_SEND_OPTION,
  NO_JOB_IDS,
  RESERVED_SCHEDULE_KEY,
  show,
} from '../errors/jobs.messages.js';
import { JobsConfigurationError } from '../errors/jobs-configuration.error.js';
import { JobValidationError } from '../errors/job-validation.error.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, validatePayload } from '../declare/validate-payload.util.js';
import { assertQueueName } from '../declare/validate-options.util.js';
import { isEventDefinition } from '../declare/is-event-definition.util.js';
import type { EventDefinition } from '../interfaces/event-definition.interface.js';
import { isJobId, validateSendOptions } from './validate-send-options.util.js';
import { validateFindOptions, validateRedriveOptions } from './validate-find-options.util.js';
import { assertScheduleExpression, type PreviewSchedule } from '../declare/validate-schedule.util.js';
import type { AnyDefinition } from '../utils/queue-name.util.js';
import type { JobDefinition } from '../interfaces/job-definition.interface.js';
import type { FlowStep } from '../interfaces/flow-step.interface.js';
import type { JobsModuleOptions } from '../interfaces/jobs-module-options.interface.js';
import type { RegisteredHandler } from '../interfaces/registered-handler.interface.js';
import type {
  ScheduleJobOptions,
  SendJobOptions,
  SendManyJobOptions,
} from '../interfaces/send-options.interface.js';

/** A queue as {@link SendChecksContext.queues} lists it: its name and its dead-letter queue, if any. */
export interface KnownQueue {
  name: string;
  deadLetter?: string | null;
}

/** What {@link SendChecks} needs from the runtime it checks for (`JobsService`, through its backend). */
export interface SendChecksContext {
  /**
   * The app's registered handlers. Read only once they are complete: a queue name is matched to its
   * definition, and dead-letter queues are collected (once) from them.
   */
  handlers(): Iterable<RegisteredHandler>;
  /** Parses a cron expression or RRULE as pg-boss's scheduler will (pg-boss's `previewSchedule`). */
  previewSchedule: PreviewSchedule;
  /**
   * The queues that exist, for a per-send `deadLetter` that this app's declarations do not settle:
   * the database's queues for `JobsService`, the declared ones for the testing kit.
   */
  queues(): Promise<readonly KnownQueue[]>;
}

/**
 * Every check `JobsService` makes before anything is stored, in one place: the testing kit's
 * `JobsService` is the same class over another backend, so a call refused in production is refused
 * in unit tests with the same error: queue names and definitions, send options, payloads (with the module's `maxPayloadBytes`),
 * flow steps and refs, schedules, job ids, lookup options and per-send dead-letter targets. It
 * does not depend on pg-boss. Each method throws a `JobValidationError` or a
 * `JobsConfigurationError`; the checks of {@link checkDeadLetter} and the two after it need the
 * handlers to be complete.
 */
export class SendChecks {
  /** The module's payload size limit in bytes of JSON (`maxPayloadBytes`, 1 MiB by default). */
  readonly maxPayloadBytes: number;
  /** Dead-letter queues declared in this app, collected on first use after readiness. */
  private deadLetters: ReadonlySet<string> | undefined;

  constructor(
    private readonly options: JobsModuleOptions | undefined,
    private readonly context: SendChecksContext,
  ) {
    this.maxPayloadBytes = options?.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  }

  /**
   * The definition a `JobsService` method was given: a definition object (its name checked), or a
   * queue name (checked) resolved to its handler's definition, or to a bare one. Resolve names only
   * once the handlers are complete.
   */
  definition(definition: AnyDefinition, method: string): JobDefinition<unknown, unknown> {
    const owner = `JobsService.${method}`;
    if (typeof definition === 'string') {
      assertQueueName(definition, owner);
      for (const handler of this.context.handlers()) {
        if (handler.queue === definition) return handler.definition;
      }
      return { name: definition, options: {} };
    }
    if (typeof definition !== 'object' || definition === null) {
      throw new JobsConfigurationError(
        `${owner} takes a job definition (defineJob('name', ...)) or a queue name, got ${definition === null ? 'null' : typeof definition}.`,
      );
    }
    // A hand-made { name } object skips defineJob's check; its name still reaches pg-boss.
    assertQueueName(definition.name, owner);
    return definition;
  }

  /** The event a `JobsService` method was given: made by `defineEvent`, its name checked. */
  event(event: unknown, method: string): EventDefinition<unknown> {
    if (!isEventDefinition(event)) {
      const got = event === null ? 'null' : typeof event === 'object' ? 'an object that is no event' : typeof event;
      throw new JobsConfigurationError(NOT_AN_EVENT(method, got));
    }
    assertQueueName(event.name, `JobsService.${method}`);
    return event;
  }

  /** `publish`: its options (`{ db }` only) and the event's payload, as `send` checks a job's. */
  async checkPublish(event: EventDefinition<unknown>, data: unknown, options: unknown): Promise<void> {
    validateSendOptions('transaction', event.name, options);
    await validatePayload({ name: event.name, options: {}, ...(event.schema ? { schema: event.schema } : {}) }, data, {
      maxBytes: this.maxPayloadBytes,
      label: 'published event',
    });
  }

  /** `drain`: a non-empty list of distinct definitions or queue names, and its limits. Returns the queue names. */
  checkDrain(definitions: unknown, options: unknown): string[] {
    if (!Array.isArray(definitions) || definitions.length === 0) {
      throw new JobsConfigurationError('JobsService.drain takes a non-empty array of job definitions (or queue names).');
    }
    const queues = definitions.map((definition) => this.queueName(definition as AnyDefinition, 'drain'));
    const twice = queues.find((queue, i) => queues.indexOf(queue) !== i);
    if (twice !== undefined) throw new JobsConfigurationError(`JobsService.drain: "${twice}" is listed twice.`);
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new JobValidationError(INVALID_SEND_OPTION('drain', queues[0]!, 'options must be an object'), queues[0]!);
    }
    const { maxJobs, maxSeconds, ...rest } = options as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    const problem =
      unknown !== undefined
        ? `unknown option ${show(unknown)} (known: maxJobs, maxSeconds)`
        : maxJobs !== undefined && (!Number.isInteger(maxJobs) || (maxJobs as number) < 1)
          ? `maxJobs must be an integer >= 1, got ${show(maxJobs)}`
          : maxSeconds !== undefined &&
              (typeof maxSeconds !== 'number' || !Number.isFinite(maxSeconds) || maxSeconds <= 0 || maxSeconds > 86_400)
            ? `maxSeconds must be a number of seconds above 0, at most 86400, got ${show(maxSeconds)}`
            : undefined;
    if (problem) throw new JobValidationError(INVALID_SEND_OPTION('drain', queues[0]!, problem), queues[0]!);
    return queues;
  }

  /** The checked queue name of a definition or name (see {@link definition}). */
  queueName(definition: AnyDefinition, method: string): string {
    return this.definition(definition, method).name;
  }

  /** `send`: its options and its payload. */
  async checkSend(def: JobDefinition<unknown, unknown>, data: unknown, options: SendJobOptions): Promise<void> {
    validateSendOptions('send', def.name, options);
    await validatePayload(def, data, { maxBytes: this.maxPayloadBytes });
  }

  /** `sendMany`: the list, the call's options, each job's options, then every payload. */
  async checkSendMany(
    def: JobDefinition<unknown, unknown>,
    jobs: ReadonlyArray<{ data: unknown; options?: SendManyJobOptions }>,
    options: unknown,
  ): Promise<void> {
    if (!Array.isArray(jobs)) {
      throw new JobValidationError(
        INVALID_SEND_OPTION('sendMany', def.name, 'jobs must be an array of { data, options? }'),
        def.name,
      );
    }
    validateSendOptions('transaction', def.name, options);
    jobs.forEach((job, i) => {
      if (typeof job !== 'object' || job === null) {
        throw new JobValidationError(
          INVALID_SEND_OPTION('sendMany', def.name, `jobs[${i}] must be { data, options? }`),
          def.name,
        );
      }
      validateSendOptions('sendMany', def.name, job.options, `jobs[${i}]`);
    });
    await Promise.all(
      jobs.map((job, i) => validatePayload(def, job.data, { maxBytes: this.maxPayloadBytes, label: `sendMany jobs[${i}]` })),
    );
  }

  /** `flow`, first: the steps are an array of objects with distinct, usable refs. */
  checkFlowSteps(steps: ReadonlyArray<FlowStep<any>>): void {
    if (!Array.isArray(steps) || steps.some((step) => typeof step !== 'object' || step === null)) {
      throw new JobValidationError(
        INVALID_SEND_OPTION('flow', '(flow)', 'steps must be an array of flowStep(ref, Definition, data, options)'),
        '',
      );
    }
    assertFlowRefs(steps);
  }

  /**
   * `flow`, after {@link checkFlowSteps} (and once handlers are complete when a step names its queue
   * by name): each step's definition and options, the call's options, then every payload. Resolves
   * with the definition of each step.
   */
  async checkFlow(steps: ReadonlyArray<FlowStep<any>>, options: unknown): Promise<JobDefinition<unknown, unknown>[]> {
    const defs = steps.map((step, i) => {
      const def = this.definition(step.definition, 'flow');
      validateSendOptions('flow', def.name, step.options, `step ${show(step.ref ?? i)}`);
      return def;
    });
    validateSendOptions('transaction', defs[0]?.name ?? '(flow)', options);
    await Promise.all(
      steps.map((step, i) =>
        validatePayload(defs[i]!, step.data, { maxBytes: this.maxPayloadBytes, label: `flow step ${show(step.ref)}` }),
      ),
    );
    return defs;
  }

  /** `schedule`: its options, a key `@Recurring` owns, the cron expression or RRULE, then the payload. */
  async checkSchedule(
    def: JobDefinition<unknown, unknown>,
    cron: unknown,
    data: unknown,
    options: ScheduleJobOptions,
  ): Promise<void> {
    validateSendOptions('schedule', def.name, options);
    const { tz, key } = options;
    if (key !== undefined && isRecurringScheduleKey(key)) {
      throw new JobValidationError(INVALID_SCHEDULE(def.name, RESERVED_SCHEDULE_KEY(key)), def.name);
    }
    assertScheduleExpression(def.name, cron, tz, this.context.previewSchedule);
    await validatePayload(def, data, { maxBytes: this.maxPayloadBytes });
  }

  /** `unschedule`: the queue name and the schedule key. Returns the queue name. */
  checkUnschedule(definition: AnyDefinition, key: string | undefined): string {
    const name = this.queueName(definition, 'unschedule');
    if (key !== undefined) validateSendOptions('schedule', name, { key });
    return name;
  }

  /** The ids given to `cancel`, `resume`, `retry` or `getJob`: a non-empty list of uuids, returned as a list. */
  checkJobIds(method: string, queue: string, ids: unknown): string[] {
    const list = Array.isArray(ids) ? ids : [ids];
    if (list.length === 0) {
      throw new JobValidationError(NO_JOB_IDS(method, queue), queue);
    }
    for (const id of list) {
      if (!isJobId(id)) throw new JobValidationError(INVALID_JOB_ID(method, queue, id), queue);
    }
    return list as string[];
  }

  /** The options of `findJobs` or `getDeadLetters` (a `data` filter is checked as a payload is). */
  checkFindOptions(method: 'findJobs' | 'getDeadLetters', queue: string, options: unknown): void {
    validateFindOptions(method, queue, options, this.maxPayloadBytes);
  }

  /** The options of `redrive`. */
  checkRedriveOptions(queue: string, options: unknown): void {
    validateRedriveOptions(queue, options, this.maxPayloadBytes);
  }

  /**
   * A per-job `deadLetter` may name the queue's own dead-letter queue or a queue that some
   * definition declares as its dead-letter queue, never an ordinary queue: pg-boss copies a job
   * that failed for good into that queue as it is, and its handler would receive a payload that
   * was never checked against its definition. Nothing to check when `target` is undefined; the
   * context's `queues()` is asked only when this app's declarations do not settle it. The testing
   * kit has no database, so there a target is accepted only when this app declares it (a queue
   * that exists only in the database, as another app's dead-letter queue, is refused).
   */
  async checkDeadLetter(method: string, def: JobDefinition<unknown, unknown>, target: string | undefined): Promise<void> {
    if (target === undefined) return;
    const own = def.options?.deadLetter;
    if (target === own || this.declaredDeadLetters().has(target)) return;
    const queues = await this.context.queues();
    if (queues.some((queue) => queue.deadLetter === target)) return;
    const ownKnown = own ?? queues.find((queue) => queue.name === def.name)?.deadLetter ?? undefined;
    throw new JobValidationError(
      INVALID_SEND_OPTION(method, def.name, DEAD_LETTER_NOT_DECLARED(def.name, target, ownKnown)),
      def.name,
    );
  }

  /** {@link checkDeadLetter} for each job of a `sendMany`, each distinct target once. */
  async checkSendManyDeadLetters(
    def: JobDefinition<unknown, unknown>,
    jobs: ReadonlyArray<{ options?: SendManyJobOptions }>,
  ): Promise<void> {
    // Each distinct target once: a target this app does not declare costs a look at the database.
    const checked = new Set<string>();
    for (const [i, job] of jobs.entries()) {
      const target = job.options?.deadLetter;
      if (target === undefined || checked.has(target)) continue;
      await this.checkDeadLetter(`sendMany (jobs[${i}])`, def, target);
      checked.add(target);
    }
  }

  /**
   * `flow`, last: the shape pg-boss requires of a flow (two steps or more, one waiting for another,
   * dependencies that name steps of the flow, no cycle), with the definitions {@link checkFlow} resolved.
   */
  checkFlowGraph(steps: ReadonlyArray<FlowStep<any>>, defs: ReadonlyArray<JobDefinition<unknown, unknown>>): void {
    assertFlowGraph(steps, defs.map((def) => def.name).join(', '));
  }

  /** {@link checkDeadLetter} for each step of a `flow`, with the definitions {@link checkFlow} resolved. */
  async checkFlowDeadLetters(steps: ReadonlyArray<FlowStep<any>>, defs: ReadonlyArray<JobDefinition<unknown, unknown>>): Promise<void> {
    for (const [i, step] of steps.entries()) {
      await this.checkDeadLetter(`flow (step ${show(step.ref)})`, defs[i]!, step.options?.deadLetter);
    }
  }

  /** The dead-letter queues this app's handlers, `queues` and `queueDefaults` declare. */
  private declaredDeadLetters(): ReadonlySet<string> {
    if (this.deadLetters) return this.deadLetters;
    const declared = new Set<string>();
    const add = (name: unknown) => typeof name === 'string' && declared.add(name);
    for (const handler of this.context.handlers()) add(handler.queueOptions.deadLetter);
    for (const definition of this.options?.queues ?? []) add(definition.options?.deadLetter);
    add(this.options?.queueDefaults?.deadLetter);
    // Read after readiness only, when the registry is complete.
    this.deadLetters = declared;
    return declared;
  }
}

/**
 * Flow refs name steps in `dependsOn` and key the result: each must be a distinct non-empty string,
 * and not `__proto__`, which as a key of the result object would set its prototype instead of
 * holding an id (pg-boss keys its own ref table the same way).
 */
function assertFlowRefs(steps: ReadonlyArray<FlowStep<any>>): void {
  const seen = new Set<string>();
  for (const [i, step] of steps.entries()) {
    const ref: unknown = step.ref;
    const problem =
      typeof ref !== 'string' || ref.length === 0
        ? `step ${i} ref must be a non-empty string, got ${show(ref)}`
        : ref === '__proto__'
          ? `step ${i} ref "__proto__" cannot name a step (it is the prototype of the result object); choose another ref`
          : seen.has(ref)
            ? `steps share the ref ${show(ref)}; give each step its own ref`
            : undefined;
    if (problem) throw new JobValidationError(INVALID_SEND_OPTION('flow', '(flow)', problem), '');
    seen.add(ref as string);
  }
}

/**
 * The shape pg-boss requires of a flow (its `validateFlowJobs`), checked here so that the testing
 * kit refuses the same flows with the same error: at least two steps, at least one with
 * `dependsOn`, each dependency a ref of another step of the flow, and no cycle. Refs are checked
 * already ({@link assertFlowRefs}).
 */
function assertFlowGraph(steps: ReadonlyArray<FlowStep<any>>, queues: string): void {
  const fail = (problem: string): never => {
    throw new JobValidationError(INVALID_SEND_OPTION('flow', queues, problem), queues);
  };
  if (steps.length < 2) fail(`a flow needs at least 2 steps, got ${steps.length}; send a single job with send()`);
  const refs = new Set(steps.map((step) => step.ref));
  const edges = new Map<string, string[]>(steps.map((step) => [step.ref, []]));
  let withDependencies = 0;
  for (const step of steps) {
    const dependsOn: unknown = step.dependsOn;
    if (dependsOn === undefined) continue;
    if (!Array.isArray(dependsOn)) fail(`step ${show(step.ref)} dependsOn must be an array of refs, got ${show(dependsOn)}`);
    for (const ref of dependsOn as unknown[]) {
      if (typeof ref !== 'string' || !refs.has(ref)) {
        fail(`step ${show(step.ref)} depends on ${show(ref)}, which is no step of this flow (refs: ${[...refs].map((r) => show(r)).join(', ')})`);
      }
      if (ref === step.ref) fail(`step ${show(step.ref)} cannot depend on itself`);
      edges.get(ref as string)!.push(step.ref);
    }
    if ((dependsOn as unknown[]).length > 0) withDependencies++;
  }
  if (withDependencies === 0) {
    fail('no step has dependsOn: a flow needs a step that waits for another; send jobs that wait for nothing with sendMany()');
  }
  const cycle = findCycle(edges);
  if (cycle) fail(`flow contains a dependency cycle: ${cycle.map((r) => show(r)).join(' -> ')}`);
}

/** A cycle in a graph of refs (`from` → the steps that depend on it), as a path that ends where it starts. */
function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (ref: string): string[] | undefined => {
    if (onPath.has(ref)) return [...path.slice(path.indexOf(ref)), ref];
    if (done.has(ref)) return undefined;
    path.push(ref);
    onPath.add(ref);
    for (const next of edges.get(ref) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(ref);
    done.add(ref);
    return undefined;
  };
  for (const ref of edges.keys()) {
    const cycle = visit(ref);
    if (cycle) return cycle;
  }
  return undefined;
}
