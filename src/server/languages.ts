/**
 * The model's language pair as LibreTranslate's clients see it. A model does not know its languages: the server
 * is told (`source`, `target`), lists the pair at `/languages`, accepts `auto` as the source language, and refuses
 * any other pair in LibreTranslate's words.
 */
import { HttpError } from './errors.js';

/** One entry of `GET /languages`, LibreTranslate's shape. */
export interface Language {
  code: string;
  name: string;
  targets: string[];
}

const names = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' });
  } catch {
    return undefined; // a Node without ICU data
  }
})();

/** The English name of a language code (`de`: German), or the code itself when unknown. */
export function languageName(code: string): string {
  try {
    const name = names?.of(code.replace('_', '-'));
    return name && name !== code ? name : code;
  } catch {
    return code;
  }
}

/** `GET /languages`: the source language with the target as its one target, then the target with none. */
export function languageList(source: string, target: string): Language[] {
  return [
    { code: source, name: languageName(source), targets: [target] },
    { code: target, name: languageName(target), targets: [] },
  ];
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Refuses (400) a request for another pair than the model's; `auto` stands for the source language. */
export function checkPair(
  requested: { source: string; target: string },
  model: { source: string; target: string },
): void {
  const known = (code: string): boolean => same(code, model.source) || same(code, model.target);
  const source = same(requested.source, 'auto') ? model.source : requested.source;
  if (!known(source)) throw new HttpError(400, `${requested.source} is not supported`);
  if (!known(requested.target)) throw new HttpError(400, `${requested.target} is not supported`);
  if (!same(source, model.source) || !same(requested.target, model.target)) {
    const from = same(source, model.source) ? model.source : model.target;
    const to = same(requested.target, model.source) ? model.source : model.target;
    throw new HttpError(
      400,
      `${languageName(to)} (${to}) is not available as a target language from ${languageName(from)} (${from})`,
    );
  }
}
