/**
 * What `T` must look like for a payload of type `T` to reach the handler as itself. A payload
 * travels as JSON (pg-boss stores it as `jsonb`): strings, numbers, booleans, `null`, arrays and
 * plain objects arrive unchanged; anything else does not. `defineJob<T>` requires
 * `T extends JsonPayload<T>`, so a type that would arrive as something else is a compile error whose
 * message says what arrives instead:
 *
 * - a `Date` arrives as an ISO 8601 string (`job.data.at.getTime is not a function`);
 * - a value with `toJSON()` (Decimal, Luxon's DateTime...) arrives as what `toJSON` returns;
 * - a class instance arrives as a plain object, without its methods;
 * - a `Map` or `Set` arrives as `{}`; a function or symbol is dropped; a BigInt cannot be sent.
 *
 * Type such fields as what arrives (`at: string`, sent as `date.toISOString()`), or give the
 * definition a schema that turns the JSON back into the value (`z.coerce.date()`).
 * `unknown` and `any` are accepted as they are.
 *
 * @example
 * defineJob<{ at: Date }>('remind');   // compile error: 'at' must be "a Date arrives as an ISO string..."
 * defineJob<{ at: string }>('remind'); // send { at: date.toISOString() }
 */
export type JsonPayload<T> = { [K in keyof T]: JsonValue<T[K]> };

/** {@link JsonPayload} for one value: the value's own type when JSON carries it, else a message. */
export type JsonValue<T> = 0 extends 1 & T
  ? T // any
  : unknown extends T
    ? T
    : T extends string | number | boolean | null | undefined
      ? T
      : T extends Date
        ? 'a Date arrives as an ISO string: type it as string and send date.toISOString(), or use a schema (z.coerce.date())'
        : T extends bigint
          ? 'a BigInt cannot be sent (JSON has no BigInt): type it as string and send value.toString()'
          : T extends symbol
            ? 'a symbol cannot be sent (JSON drops it)'
            : T extends (...args: any[]) => unknown
              ? 'a function or method cannot be sent (JSON drops it): send plain data, not class instances with methods'
              : T extends ReadonlyMap<unknown, unknown>
                ? 'a Map arrives as {}: type it as a Record and send Object.fromEntries(map)'
                : T extends ReadonlySet<unknown>
                  ? 'a Set arrives as {}: type it as an array and send Array.from(set)'
                  : T extends { toJSON(...args: any[]): unknown }
                    ? 'a value with toJSON() arrives as what toJSON() returns: type it as that'
                    : { [K in keyof T]: JsonValue<T[K]> };

/**
 * The compile-time check of a schema definition's input type: `unknown` when the schema's input
 * travels as JSON; otherwise a property the schema lacks, whose name and type say what is wrong
 * (a `z.date()` field: the worker receives a string, which `z.date()` refuses; use `z.coerce.date()`).
 */
export type JsonSchemaInput<I> = unknown extends I
  ? unknown
  : [I] extends [JsonPayload<I>]
    ? unknown
    : { readonly 'the schema input must be what JSON delivers': JsonPayload<I> };
