/**
 * API keys: read from a file (one key a line), found in a request where LibreTranslate's clients put them
 * (`api_key` in the JSON or form body; `apiKey`, as the npm `libretranslate` client sends it; or an
 * `Authorization: Bearer` header), and looked up by their SHA-256 so that the lookup's timing says nothing about
 * the keys.
 */
import { createHash } from 'node:crypto';
import { readRegularFile } from '../util/files.js';
import { HttpError } from './errors.js';

/** Key files are a few lines; a huge one is a mistake. */
const MAX_KEY_FILE_BYTES = 16 << 20;

/** The keys of a key file: one a line, surrounding spaces trimmed; blank lines and `#` comments skipped. */
export function readApiKeys(path: string): string[] {
  const text = readRegularFile(path, 'API key file', MAX_KEY_FILE_BYTES).toString('utf8');
  const keys = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (keys.length === 0) throw new Error(`API key file ${path} lists no keys (one key a line)`);
  return keys;
}

const digest = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A set of accepted keys. */
export class ApiKeys {
  private readonly digests: Set<string>;

  constructor(keys: Iterable<string>) {
    this.digests = new Set([...keys].map(digest));
  }

  /** Whether `key` is one of them. */
  accepts(key: string): boolean {
    return this.digests.has(digest(key));
  }
}

/** The key a request carries, or undefined (an empty value counts as none). */
export function requestKey(body: unknown, authorization: string | undefined): string | undefined {
  if (body !== null && typeof body === 'object') {
    for (const field of ['api_key', 'apiKey']) {
      const value = (body as Record<string, unknown>)[field];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return bearer?.[1];
}

/** Refuses (403) a request without one of `keys`; does nothing when the server has no keys. */
export function requireKey(keys: ApiKeys | undefined, body: unknown, authorization: string | undefined): void {
  if (!keys) return;
  const key = requestKey(body, authorization);
  if (key === undefined) throw new HttpError(403, 'Invalid request: this server requires an API key (api_key)');
  if (!keys.accepts(key)) throw new HttpError(403, 'Invalid API key');
}
