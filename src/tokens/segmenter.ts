/**
 * How text becomes the tokens a vocabulary indexes, and back: the notebook's lowercased words, or the pieces of
 * a SentencePiece model (case, punctuation and digits kept, any word in, detokenized text out).
 */
import { tokenize } from '../data/tokenize.js';
import type { SentencePieceModel } from './sentencepiece.js';

/** What a model's tokens are. */
export type VocabularyKind = 'word' | 'subword';

/** One side's tokenizer: text to tokens (no `<sos>`/`<eos>`), and tokens to the text a reader sees. */
export interface Segmenter {
  readonly kind: VocabularyKind;
  /** The SentencePiece model of a subword segmenter. */
  readonly sentencePiece?: SentencePieceModel;
  /** The tokens of each text. */
  segment(texts: readonly string[]): string[][];
  /** The same, off the main thread where that pays (SentencePiece on whole corpora). */
  segmentAsync(texts: readonly string[]): Promise<string[][]>;
  /** The text of each token list: words joined by spaces, or pieces decoded by SentencePiece. */
  detokenize(tokens: readonly (readonly string[])[]): string[];
}

/** The notebook's tokenizer: lowercased `\w+` words, joined by spaces on the way out. */
export const WORDS: Segmenter = Object.freeze({
  kind: 'word' as const,
  segment: (texts: readonly string[]) => texts.map(tokenize),
  segmentAsync: (texts: readonly string[]) => Promise.resolve(texts.map(tokenize)),
  detokenize: (tokens: readonly (readonly string[])[]) => tokens.map((t) => t.join(' ')),
});

/** SentencePiece pieces: `encode` in, `decode` out. */
export class SubwordSegmenter implements Segmenter {
  readonly kind = 'subword' as const;

  constructor(readonly sentencePiece: SentencePieceModel) {}

  segment(texts: readonly string[]): string[][] {
    return this.sentencePiece.encode(texts);
  }

  segmentAsync(texts: readonly string[]): Promise<string[][]> {
    return this.sentencePiece.encodeAsync(texts);
  }

  detokenize(tokens: readonly (readonly string[])[]): string[] {
    return this.sentencePiece.decode(tokens);
  }
}

/** The two sides of a model. */
export interface Segmenters {
  source: Segmenter;
  target: Segmenter;
}

/** The notebook's words on both sides. */
export const WORD_SEGMENTERS: Segmenters = Object.freeze({ source: WORDS, target: WORDS });
