/** Parsers of command-line values: each refuses a bad value with what it expected and what it got. */
import { InvalidArgumentError } from 'commander';
import type { Device } from '../torch/index.js';
import type { OptionKind } from '../train/run-options.js';

/** An integer of at least `min` (and at most `max`, when the bound is one a user could reach). */
export const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const expected =
      max < Number.MAX_SAFE_INTEGER ? `an integer from ${min} to ${max}` : `an integer of at least ${min}`;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`expected ${expected}, got "${value}"`);
    }
    return Number(value);
  };

/** A finite number above 0 (and at most `max`, when given). */
export const positiveUpTo =
  (max = Number.MAX_VALUE) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n > max) {
      const expected = max < Number.MAX_VALUE ? `a positive number of at most ${max}` : 'a positive number';
      throw new InvalidArgumentError(`expected ${expected}, got "${value}"`);
    }
    return n;
  };

/** A finite number above 0. */
export const positiveNumber = positiveUpTo();

/** A number of at least `min`, and at most `max` when given. */
export const number =
  (min: number, max?: number) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || (max !== undefined && n > max)) {
      const expected = max === undefined ? `a number of at least ${min}` : `a number from ${min} to ${max}`;
      throw new InvalidArgumentError(`expected ${expected}, got "${value}"`);
    }
    return n;
  };

/** A number of at least `min` and below `max`. */
export const numberBelow =
  (min: number, max: number) =>
  (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n >= max) {
      throw new InvalidArgumentError(`expected a number from ${min} to below ${max}, got "${value}"`);
    }
    return n;
  };

/** A device name: cpu, cuda or cuda:N. */
export const device = (value: string): Device => {
  if (!/^(cpu|cuda(:\d+)?)$/.test(value))
    throw new InvalidArgumentError(`expected cpu, cuda or cuda:N, got "${value}"`);
  return value as Device;
};

/** A comma-separated list of epochs (positive integers): `3,4,5`. */
export const epochList = (value: string): number[] => {
  const list = value.split(',').map((e) => e.trim());
  if (list.some((e) => !/^\d+$/.test(e) || Number(e) < 1 || !Number.isSafeInteger(Number(e)))) {
    throw new InvalidArgumentError(`expected epochs as positive integers separated by commas, got "${value}"`);
  }
  return list.map(Number);
};

/** A comma-separated list of bleu and chrf. */
export const metrics = (value: string): ('bleu' | 'chrf')[] => {
  const list = value.split(',').map((m) => m.trim().toLowerCase());
  const bad = list.find((m) => m !== 'bleu' && m !== 'chrf');
  if (bad !== undefined || list.length === 0)
    throw new InvalidArgumentError(`expected bleu, chrf or bleu,chrf, got "${value}"`);
  return [...new Set(list)] as ('bleu' | 'chrf')[];
};

/** The parser of a run option's value (none for flags, choices and free text). */
export function parserFor(kind: OptionKind): ((value: string) => unknown) | undefined {
  switch (kind.type) {
    case 'integer':
      if (kind.all) {
        const parse = integer(kind.min, kind.max);
        return (value: string) => {
          if (value === 'all') return value;
          try {
            return parse(value);
          } catch (err) {
            throw new InvalidArgumentError((err as Error).message.replace('expected ', 'expected all or '));
          }
        };
      }
      return integer(kind.min, kind.max);
    case 'number':
      if (kind.maxExclusive && kind.max !== undefined) return numberBelow(kind.min, kind.max);
      return kind.positive ? positiveUpTo(kind.max) : number(kind.min, kind.max);
    case 'device':
      return device;
    default:
      return undefined;
  }
}
