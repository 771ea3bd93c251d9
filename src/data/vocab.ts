/**
 * A vocabulary: words (or subword pieces) to indices and back. The notebook takes its order from a Python set,
 * which changes from run to run; here the order is that of first appearance, so the same sentences always give
 * the same indices. A vocabulary with an unknown-word token maps every word it lacks to that token; the
 * notebook's has none, and refuses such words.
 */
import { SOS, EOS } from './tokenize.js';

/** The unknown-word token of capped word vocabularies (SentencePiece's own `<unk>` has the same name). */
export const UNK = '<unk>';

/** Options of {@link Vocab}. */
export interface VocabOptions {
  /** The token unknown words map to; it must be one of the vocabulary's words. Default: none (unknown words throw). */
  unk?: string;
}

/** How {@link Vocab.fromCounts} caps a vocabulary. */
export interface VocabLimits {
  /** Keep at most this many words (the most frequent), besides `<unk>`, `<sos>` and `<eos>`. */
  maxSize?: number;
  /** Keep only words seen at least this often. */
  minFrequency?: number;
}

export class Vocab {
  readonly words: readonly string[];
  /** The index unknown words map to, or -1 when the vocabulary has no unknown-word token. */
  readonly unkIndex: number;
  readonly #index: Map<string, number>;

  constructor(words: Iterable<string>, options: VocabOptions = {}) {
    const list = [...words];
    this.#index = new Map(list.map((w, i) => [w, i]));
    if (this.#index.size !== list.length) throw new Error('A vocabulary cannot list a word twice');
    this.words = list;
    if (options.unk !== undefined && !this.#index.has(options.unk)) {
      throw new Error(`The unknown-word token ${options.unk} is not in the vocabulary`);
    }
    this.unkIndex = options.unk === undefined ? -1 : this.#index.get(options.unk)!;
  }

  /** Every word of `sentences`, in order of first appearance. */
  static fromSentences(sentences: Iterable<readonly string[]>): Vocab {
    const seen = new Set<string>();
    for (const sentence of sentences) for (const word of sentence) seen.add(word);
    return new Vocab(seen);
  }

  /**
   * A capped word vocabulary: `<unk>`, `<sos>` and `<eos>` first (the indices SentencePiece gives them), then the
   * words of `sentences` (markers aside) by falling frequency, ties in order of first appearance, keeping those
   * `limits` allow. One pass over the tokens and one sort of the distinct words.
   */
  static fromCounts(sentences: Iterable<readonly string[]>, limits: VocabLimits = {}): Vocab {
    const counts = new Map<string, number>();
    for (const sentence of sentences) {
      for (const word of sentence) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    for (const marker of [UNK, SOS, EOS]) counts.delete(marker);
    const minFrequency = limits.minFrequency ?? 1;
    // Map iteration is insertion order, and Array.prototype.sort is stable: ties keep their first appearance.
    const ranked = [...counts].filter(([, n]) => n >= minFrequency).sort((a, b) => b[1] - a[1]);
    const kept = ranked.slice(0, limits.maxSize ?? ranked.length).map(([word]) => word);
    return new Vocab([UNK, SOS, EOS, ...kept], { unk: UNK });
  }

  /**
   * A subword vocabulary: a SentencePiece model's pieces in id order (so that its ids are the network's indices),
   * then `<sos>` and `<eos>` when the model lacks them (one trained with other markers, or none); unknown pieces
   * map to the model's unknown piece.
   */
  static fromPieces(pieces: readonly string[], unkId: number): Vocab {
    const unk = pieces[unkId];
    if (unk === undefined) throw new Error('A SentencePiece model without an unknown piece cannot index any text');
    const markers = [SOS, EOS].filter((marker) => !pieces.includes(marker));
    return new Vocab([...pieces, ...markers], { unk });
  }

  get size(): number {
    return this.words.length;
  }

  /** Whether words outside the vocabulary map to an unknown-word token (instead of throwing). */
  get hasUnk(): boolean {
    return this.unkIndex >= 0;
  }

  has(word: string): boolean {
    return this.#index.has(word);
  }

  /** The notebook's `words.index(x)`; throws for a word outside the vocabulary, even with an unknown-word token. */
  index(word: string): number {
    const i = this.#index.get(word);
    if (i === undefined) throw new Error(`"${word}" is not in the vocabulary`);
    return i;
  }

  /** The words of `sentence` that are not in the vocabulary, each once. */
  unknown(sentence: readonly string[]): string[] {
    return [...new Set(sentence.filter((w) => !this.#index.has(w)))];
  }

  /** The indices of `sentence`; a word outside the vocabulary is the unknown-word token, or an error without one. */
  encode(sentence: readonly string[]): number[] {
    if (this.unkIndex < 0) return sentence.map((w) => this.index(w));
    return sentence.map((w) => this.#index.get(w) ?? this.unkIndex);
  }

  decode(indices: readonly number[]): string[] {
    return indices.map((i) => {
      const word = this.words[i];
      if (word === undefined) throw new RangeError(`Index ${i} is outside a vocabulary of ${this.size} words`);
      return word;
    });
  }

  toJSON(): string[] {
    return [...this.words];
  }
}
