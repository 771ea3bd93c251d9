/**
 * Reading a request's fields without trusting them: every type is checked, every size is bounded, and each
 * refusal is an {@link HttpError} that names the field (400), or the limit (413).
 */
import { segmentersOf, type TrainedModel } from '../io/model-files.js';
import { badRequest, HttpError } from './errors.js';

/** A request body's fields. */
export type Fields = Record<string, unknown>;

/** The fields of a JSON or form body; no body at all reads as no fields. */
export function bodyFields(body: unknown): Fields {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('the body must be a JSON object or a form (application/x-www-form-urlencoded)');
  }
  return body as Fields;
}

/** `q`: one text or a list of them. `single` tells which, for an answer of the same shape. */
export function readTexts(q: unknown, maxSentences: number): { texts: string[]; single: boolean } {
  if (q === undefined || q === null || q === '' || (Array.isArray(q) && q.length === 0)) {
    throw badRequest('missing q parameter');
  }
  if (typeof q === 'string') return { texts: [q], single: true };
  if (!Array.isArray(q) || !q.every((text) => typeof text === 'string')) {
    throw badRequest('q must be a string or an array of strings');
  }
  if (q.length > maxSentences) {
    throw new HttpError(413, `Too many sentences: ${q.length} in one request, at most ${maxSentences}`);
  }
  return { texts: q as string[], single: false };
}

/** Code points in `text`, counted up to `limit + 1`. */
function codePoints(text: string, limit: number): number {
  if (text.length <= limit) return text.length; // a code point takes one or two UTF-16 units
  let n = 0;
  for (let i = 0; i < text.length && n <= limit; i++, n++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) i++; // a surrogate pair
  }
  return n;
}

/** A text for an error message: quoted, cut short. */
export function quote(text: string, max = 60): string {
  const chars = [...text.slice(0, 2 * max)];
  return JSON.stringify(chars.length > max ? `${chars.slice(0, max).join('')}...` : text);
}

/**
 * Refuses texts longer than `maxChars` (413) and, for a model whose vocabulary has no `<unk>`, texts with words
 * outside it (400, naming them), before anything is queued.
 */
export function checkTexts(model: TrainedModel, texts: readonly string[], maxChars: number): void {
  texts.forEach((text, i) => {
    if (codePoints(text, maxChars) > maxChars) {
      const which = texts.length > 1 ? `sentence ${i + 1}` : 'the sentence';
      throw new HttpError(413, `Text too long: ${which} has more than ${maxChars} characters`);
    }
  });
  const vocab = model.sourceVocab;
  if (vocab.hasUnk) return;
  const tokens = segmentersOf(model).source.segment(texts);
  const bad = tokens.map((words, i) => ({ i, unknown: vocab.unknown(words) })).filter((s) => s.unknown.length > 0);
  if (bad.length === 0) return;
  const { i, unknown } = bad[0]!;
  const more = bad.length > 1 ? ` (and ${bad.length - 1} more sentence${bad.length > 2 ? 's' : ''})` : '';
  throw new HttpError(
    400,
    `cannot translate ${quote(texts[i]!)}: unknown word${unknown.length > 1 ? 's' : ''}: ` +
      `${unknown.join(', ')} (not in the model's vocabulary)${more}`,
  );
}

/** A required string field. */
export function stringField(fields: Fields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === null || value === '') throw badRequest(`missing ${name} parameter`);
  if (typeof value !== 'string') throw badRequest(`${name} must be a string`);
  return value;
}

/**
 * An optional integer field from `min` to `max` (`fallback` when absent); with `fromString`, a string of digits
 * counts too (form bodies carry only strings).
 */
export function integerField(
  fields: Fields,
  name: string,
  min: number,
  max: number,
  fallback: number,
  fromString = false,
): number {
  let value = fields[name];
  if (value === undefined || value === null || (fromString && value === '')) return fallback;
  if (fromString && typeof value === 'string' && /^\d{1,9}$/.test(value.trim())) value = Number(value);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw badRequest(`${name} must be an integer from ${min} to ${max}, not ${describe(value)}`);
  }
  return value;
}

/** An optional finite number field from `min` to `max`. */
export function numberField(fields: Fields, name: string, min: number, max: number, fallback: number): number {
  const value = fields[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw badRequest(`${name} must be a number from ${min} to ${max}, not ${describe(value)}`);
  }
  return value;
}

/** An optional boolean field. */
export function booleanField(fields: Fields, name: string, fallback: boolean): boolean {
  const value = fields[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw badRequest(`${name} must be true or false, not ${describe(value)}`);
  return value;
}

/** A received value, briefly, for an error message. */
function describe(value: unknown): string {
  if (typeof value === 'string') return quote(value, 20);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
