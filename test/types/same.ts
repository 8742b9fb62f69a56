// The one type-equality check the compile-time specs share.

/** True when A and B are the same type (not merely assignable either way). */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** Fails to compile unless A and B are the same type: `same<A, B>(true)`. */
export const same = <A, B>(check: Equal<A, B>) => check;
