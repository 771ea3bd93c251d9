/**
 * What a batch of the server decodes: the kinds of decoding that batch together, and one batch of texts decoded
 * on the addon's thread with the library's own calls, so that a sentence gets what `translateBeam` (or
 * `translateWithAttention`) gives it alone.
 */
import { translateBeam, translateWithAttention, UnknownWordsError, type Translation } from '../decode/translate.js';
import type { TrainedModel } from '../io/model-files.js';
import type { AttentionMap } from '../plot/attention-plot.js';

/** Sentences decoded together share one of these: greedy or beam search with its settings, or greedy with attention. */
export type DecodeKind =
  | { type: 'beam'; beam: number; nBest: number; lengthPenalty: number; maxLength: number }
  | { type: 'attention'; maxLength: number };

/** The queue of a kind: equal settings batch together. */
export function decodeKey(kind: DecodeKind): string {
  return kind.type === 'beam'
    ? `beam:${kind.beam}:${kind.nBest}:${kind.lengthPenalty}:${kind.maxLength}`
    : `attention:${kind.maxLength}`;
}

/** The name of a kind in metrics: greedy, beam or attention. */
export function decodeName(kind: DecodeKind): 'greedy' | 'beam' | 'attention' {
  return kind.type === 'attention' ? 'attention' : kind.beam === 1 ? 'greedy' : 'beam';
}

/** A decoded sentence: its hypotheses, best first, and for attention decoding the weights behind the first. */
export interface DecodedSentence {
  hypotheses: Translation[];
  attention?: AttentionMap;
}

/**
 * Decodes `texts` as `kind`, all in one job of the addon (`signal` cancels it). Attention decoding also runs the
 * scored greedy search (beam 1, the same words) for the scores that `translateWithAttention` does not give.
 */
export async function decodeBatch(
  model: TrainedModel,
  kind: DecodeKind,
  texts: string[],
  signal?: AbortSignal,
): Promise<(DecodedSentence | UnknownWordsError)[]> {
  if (kind.type === 'beam') {
    const { beam, nBest, lengthPenalty, maxLength } = kind;
    const results = await translateBeam(model, texts, {
      beam,
      nBest,
      lengthPenalty,
      maxLength,
      batchSize: texts.length,
      ...(signal ? { signal } : {}),
    });
    return results.map((r) => (r instanceof UnknownWordsError ? r : { hypotheses: r }));
  }
  const attended = await translateWithAttention(model, texts, kind.maxLength);
  signal?.throwIfAborted();
  const scored = await translateBeam(model, texts, {
    beam: 1,
    maxLength: kind.maxLength,
    batchSize: texts.length,
    ...(signal ? { signal } : {}),
  });
  return attended.map((a, i) => {
    const s = scored[i]!;
    if (a instanceof UnknownWordsError) return a;
    if (s instanceof UnknownWordsError) return s;
    const best = s[0]!;
    return {
      hypotheses: [{ text: a.text, tokens: a.tokens, score: best.score, logProb: best.logProb }],
      attention: a.attention,
    };
  });
}
