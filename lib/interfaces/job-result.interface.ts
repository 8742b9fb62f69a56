import type { JsonValue } from './json-payload.interface.js';

/**
 * What a handler's result type `T` (`defineJob<TData, TResult>`) must look like: the result is stored
 * as JSON in the job's `output`, so, as for payloads ({@link JsonValue}), a type that JSON does not
 * carry as itself (a `Date`, a class instance with methods, a `Map`...) is a compile error saying what
 * would be stored instead. `void` and `undefined` are accepted: the handler returns nothing.
 */
export type JsonResult<T> = T extends void ? T : JsonValue<T>;

/**
 * The `output` a completed job holds for a handler result of type `R`, as the module stores it:
 * an object as it is (its JSON), any other value (a string, a number, a boolean, an array) wrapped
 * as `{ value }`, and nothing (`undefined`, `null`, `void`) as `null`.
 *
 * @example
 * type A = StoredResult<{ total: number }>;   // { total: number }
 * type B = StoredResult<number>;              // { value: number }
 * type C = StoredResult<string[] | undefined>; // { value: string[] } | null
 */
export type StoredResult<R> = 0 extends 1 & R
  ? any
  : R extends void | null
    ? null
    : R extends readonly unknown[]
      ? { value: R }
      : R extends object
        ? R
        : { value: R };

/**
 * @internal The `output` type of a `completed` `JobEvent` of a definition whose result type is `R`:
 * `object` when it declares none; else what is stored, and absent (never `null`) when nothing is.
 */
export type EventOutput<R> = unknown extends R ? object : NonNullable<StoredResult<R>>;

/**
 * The compile-time check of `defineJob<TData, TResult>`'s result type, on its `name` parameter (a type
 * parameter's constraint cannot refer to itself through a conditional type): `unknown` when `R` is what
 * JSON stores as itself ({@link JsonResult}); otherwise a property whose name and type say what is wrong.
 */
export type JsonResultCheck<R> = unknown extends R
  ? unknown
  : [R] extends [JsonResult<R>]
    ? unknown
    : { readonly 'the result type must be what JSON delivers': JsonResult<R> };

/**
 * @internal What a handler method may return for a definition whose result type is `R`: anything when
 * the definition declares none (`unknown`), else `R` or a promise of it.
 */
export type HandlerReturn<R> = unknown extends R ? unknown : R | Promise<R>;
