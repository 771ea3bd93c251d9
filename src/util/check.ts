/**
 * Argument checks at the public edge: every option is checked in TypeScript before it reaches C++,
 * and a rejection names the argument, what was expected and what was received.
 */

/** Describes a received value for an error message: `0 of type number`. */
function describe(actual: unknown): string {
  if (actual === null) return 'null';
  if (Array.isArray(actual)) return `an array of length ${actual.length}`;
  if (typeof actual === 'string') return `"${actual}" of type string`;
  return `${String(actual)} of type ${typeof actual}`;
}

/** The error thrown for a bad argument: "Expected a positive integer for hiddenSize but received 0 of type number". */
export function invalidParameterError(name: string, expected: string, actual: unknown): TypeError {
  return new TypeError(`Expected ${expected} for ${name} but received ${describe(actual)}`);
}

export const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

export function checkInteger(name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (!isInteger(v) || v < min || v > max) {
    const range =
      min === -Infinity && max === Infinity
        ? 'an integer'
        : max === Infinity
          ? min === 1
            ? 'a positive integer'
            : `an integer of at least ${min}`
          : `an integer between ${min} and ${max}`;
    throw invalidParameterError(name, range, v);
  }
  return v;
}

export function checkNumber(name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || Number.isNaN(v) || v < min || v > max) {
    const range =
      min === -Infinity && max === Infinity
        ? 'a number'
        : max === Infinity
          ? `a number of at least ${min}`
          : `a number between ${min} and ${max}`;
    throw invalidParameterError(name, range, v);
  }
  return v;
}

export function checkBoolean(name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw invalidParameterError(name, 'a boolean', v);
  return v;
}

export function checkOneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw invalidParameterError(name, `one of ${allowed.join(', ')}`, v);
  }
  return v as T;
}

/** Checks an options argument is absent or a plain object. */
export function checkOptions<T extends object>(name: string, v: T | undefined): Partial<T> {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw invalidParameterError(name, 'an options object', v);
  return v;
}
