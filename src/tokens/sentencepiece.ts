/**
 * SentencePiece subword models (Kudo and Richardson, 2018): the tokenizer between a corpus and the network's
 * vocabularies. Models are trained in memory on a thread of their own and are the same `.model` files that
 * Python's `sentencepiece` and the `spm_*` tools read and write. Trained models fix the special pieces to the
 * network's: `<unk>` = 0, `<sos>` = 1, `<eos>` = 2 and no padding piece, so a piece's id is its index in the
 * network's vocabulary.
 */
import { native } from '../torch/addon.js';
import type { SentencePieceHandle } from '../torch/addon-types.js';
import { writeFileAtomic } from '../util/atomic.js';
import { readRegularFile } from '../util/files.js';

/** The largest .model file `SentencePieceModel.load` reads (real models are a few MiB at most). */
const MAX_MODEL_BYTES = 64 * 1024 * 1024;

function checkStrings(name: string, value: unknown): asserts value is readonly string[] {
  if (!Array.isArray(value))
    throw new TypeError(`Expected an array of strings for ${name} but received ${typeof value}`);
  const bad = value.findIndex((s) => typeof s !== 'string');
  if (bad >= 0) throw new TypeError(`Expected a string for ${name}[${bad}] but received ${typeof value[bad]}`);
}

/** A trained SentencePiece model: pieces by id, the special pieces' ids, encoding and decoding. */
export class SentencePieceModel {
  /** Every piece, by id. */
  readonly pieces: readonly string[];
  /** The id of `<unk>`, or -1 when the model has none. */
  readonly unkId: number;
  /** The id of the sentence-start piece (`<sos>` in models trained here), or -1. */
  readonly bosId: number;
  /** The id of the sentence-end piece (`<eos>` in models trained here), or -1. */
  readonly eosId: number;
  /** The id of the padding piece, or -1 (models trained here have none). */
  readonly padId: number;
  #handle: SentencePieceHandle;

  private constructor(handle: SentencePieceHandle) {
    this.#handle = handle;
    this.pieces = Object.freeze(handle.pieces());
    this.unkId = handle.unkId();
    this.bosId = handle.bosId();
    this.eosId = handle.eosId();
    this.padId = handle.padId();
  }

  /**
   * Reads a `.model` file (a regular file of at most 64 MiB); errors name the file, whether it is missing, not a
   * regular file, too large or not a SentencePiece model.
   */
  static load(path: string): SentencePieceModel {
    const bytes = readRegularFile(path, 'SentencePiece model', MAX_MODEL_BYTES);
    return SentencePieceModel.fromBytes(bytes, path);
  }

  /** A model from a `.model` file's bytes; `name` (a path) prefixes the error when they are not one. */
  static fromBytes(bytes: Uint8Array, name?: string): SentencePieceModel {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`Expected a Uint8Array for bytes but received ${typeof bytes}`);
    }
    try {
      return new SentencePieceModel(new native.SentencePiece(bytes));
    } catch (err) {
      if (name === undefined || !(err instanceof Error)) throw err;
      throw new Error(`${name}: ${err.message}`, { cause: err });
    }
  }

  /** The number of pieces (the vocabulary size). */
  get size(): number {
    return this.pieces.length;
  }

  /** Each text as pieces (no `<sos>`/`<eos>` markers); pieces outside the model come out as their surface text. */
  encode(texts: readonly string[]): string[][] {
    checkStrings('texts', texts);
    return this.#handle.encode([...texts]);
  }

  /** `encode` on a thread of its own, for large corpora: the event loop keeps turning meanwhile. */
  encodeAsync(texts: readonly string[]): Promise<string[][]> {
    checkStrings('texts', texts);
    return this.#handle.encodeAsync([...texts]).promise;
  }

  /** Each list of pieces back to text. */
  decode(pieces: readonly (readonly string[])[]): string[] {
    if (!Array.isArray(pieces)) throw new TypeError(`Expected an array of piece lists for pieces`);
    pieces.forEach((list, i) => checkStrings(`pieces[${i}]`, list));
    return this.#handle.decode(pieces.map((list) => [...list]));
  }

  /** The serialized model: the bytes of its `.model` file. */
  bytes(): Uint8Array {
    return new Uint8Array(this.#handle.serialize());
  }

  /** Writes the `.model` file atomically (a reader never sees half of it). */
  save(path: string): void {
    writeFileAtomic(path, this.bytes());
  }

  /** Frees the native model; later calls throw. An `encodeAsync` in flight finishes first. */
  dispose(): void {
    this.#handle.dispose();
  }
}

/** Options of `trainSentencePiece`; defaults are SentencePiece's unless said otherwise. */
export interface TrainSentencePieceOptions {
  /** Pieces wanted, including `<unk>`, `<sos>` and `<eos>`; a unigram model may end up with fewer on a small corpus. */
  vocabSize: number;
  /** `unigram` (default) or `bpe`. */
  modelType?: 'unigram' | 'bpe';
  /** Share of the characters the model must cover (0.98 to 1; default 0.9995); the rest map to `<unk>`. */
  characterCoverage?: number;
  /** Trainer threads; default 1. */
  threads?: number;
  /** Seeds SentencePiece's sampling of `maxSentences` from a larger input (process-wide in SentencePiece). */
  seed?: number;
  /** At most this many sentences are used, a random sample when there are more; default 10,000,000. */
  maxSentences?: number;
  /** Rejects at once when aborted; SentencePiece's trainer cannot stop, so its result is dropped when it ends. */
  signal?: AbortSignal;
}

function checkInteger(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Expected an integer between ${min} and ${max} for ${name} but received ${String(value)} of type ${typeof value}`,
    );
  }
}

/**
 * Trains a SentencePiece model on `sentences` (in memory, on a thread of its own, printing nothing). Empty
 * sentences are skipped; a tab or newline inside one is whitespace. Rejects with SentencePiece's reason when it
 * cannot train (for BPE, a vocabulary larger than the corpus allows says which size it can reach).
 */
export async function trainSentencePiece(
  sentences: readonly string[],
  options: TrainSentencePieceOptions,
): Promise<SentencePieceModel> {
  checkStrings('sentences', sentences);
  if (typeof options !== 'object' || options === null) throw new TypeError('Expected an options object');
  const { vocabSize, modelType, characterCoverage, threads, seed, maxSentences, signal } = options;
  checkInteger('vocabSize', vocabSize, 4, 2 ** 31 - 1);
  if (modelType !== undefined && modelType !== 'unigram' && modelType !== 'bpe') {
    throw new TypeError(`Expected "unigram" or "bpe" for modelType but received ${String(modelType)}`);
  }
  if (
    characterCoverage !== undefined &&
    (typeof characterCoverage !== 'number' || !(characterCoverage >= 0.98 && characterCoverage <= 1))
  ) {
    throw new RangeError(
      `Expected a number from 0.98 to 1 for characterCoverage but received ${String(characterCoverage)}`,
    );
  }
  if (threads !== undefined) checkInteger('threads', threads, 1, 1024);
  if (seed !== undefined) checkInteger('seed', seed, 0, 2 ** 32 - 2);
  if (maxSentences !== undefined) checkInteger('maxSentences', maxSentences, 1, Number.MAX_SAFE_INTEGER);
  signal?.throwIfAborted();
  const job = native.trainSentencePiece([...sentences], {
    vocabSize,
    ...(modelType !== undefined && { modelType }),
    ...(characterCoverage !== undefined && { characterCoverage }),
    ...(threads !== undefined && { threads }),
    ...(seed !== undefined && { seed }),
    ...(maxSentences !== undefined && { maxSentences }),
  });
  let bytes: Uint8Array;
  if (signal) {
    let onAbort = (): void => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        job.cancel();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    // The job's own rejection after a cancel is expected and handled here.
    job.promise.catch(() => {});
    try {
      bytes = await Promise.race([job.promise, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  } else {
    bytes = await job.promise;
  }
  return SentencePieceModel.fromBytes(bytes);
}

/** SentencePiece's version when the addon was built with it, else undefined. */
export function sentencePieceVersion(): string | undefined {
  return native.buildInfo().sentencepiece ?? undefined;
}
