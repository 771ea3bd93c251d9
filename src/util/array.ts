/** Helpers over data-sized arrays: loops, never spreads (a spread passes every element as an argument, and past
 * about 100,000 of them V8 throws "Maximum call stack size exceeded"). */

/** The largest `f(item)`, or -Infinity for no items, as Math.max of the values would give. */
export function maxOf<T>(items: readonly T[], f: (item: T) => number): number {
  let max = -Infinity;
  for (const item of items) {
    const value = f(item);
    if (value > max) max = value;
  }
  return max;
}
