/**
 * A vocabulary: words to indices and back. The notebook takes its order from a Python set, which changes from
 * run to run; here the order is that of first appearance, so the same sentences always give the same indices.
 */
export class Vocab {
  readonly words: readonly string[];
  readonly #index: Map<string, number>;

  constructor(words: Iterable<string>) {
    const list = [...words];
    this.#index = new Map(list.map((w, i) => [w, i]));
    if (this.#index.size !== list.length) throw new Error('A vocabulary cannot list a word twice');
    this.words = list;
  }

  /** Every word of `sentences`, in order of first appearance. */
  static fromSentences(sentences: Iterable<readonly string[]>): Vocab {
    const seen = new Set<string>();
    for (const sentence of sentences) for (const word of sentence) seen.add(word);
    return new Vocab(seen);
  }

  get size(): number {
    return this.words.length;
  }

  has(word: string): boolean {
    return this.#index.has(word);
  }

  /** The notebook's `words.index(x)`; throws for a word outside the vocabulary. */
  index(word: string): number {
    const i = this.#index.get(word);
    if (i === undefined) throw new Error(`"${word}" is not in the vocabulary`);
    return i;
  }

  /** The words of `sentence` that are not in the vocabulary, each once. */
  unknown(sentence: readonly string[]): string[] {
    return [...new Set(sentence.filter((w) => !this.#index.has(w)))];
  }

  encode(sentence: readonly string[]): number[] {
    return sentence.map((w) => this.index(w));
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
