/**
 * What a run measures with greedy translations of its own pairs: held-out BLEU after each epoch, the held-out
 * exact-match rate and sample translations at the end. Each call runs the modules in evaluation mode and puts
 * back the mode they had (nanoGPT's estimate_loss, OpenNMT's validate), so dropout is never left off.
 */
import type { Dataset } from '../data/dataset.js';
import { EOS, SOS } from '../data/tokenize.js';
import { greedyDecodeBatch } from '../decode/batch-greedy.js';
import { displayWords } from '../decode/translate.js';
import { corpusBleu } from '../eval/bleu.js';
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import type * as torch from '../torch/index.js';
import { WORDS } from '../tokens/segmenter.js';

/** A model being trained and the pairs it trains on. */
export interface ValidationModel {
  encoder: Encoder;
  decoder: Decoder;
  data: Dataset;
  device: torch.Device;
}

/** A source sentence of the corpus (as tokenized) and the model's greedy translation of it. */
export interface SampleTranslation {
  source: string;
  translation: string;
}

/** Runs `fn` with `modules` in evaluation mode, then gives each module back the mode it had. */
export async function inEvalMode<T>(modules: readonly torch.nn.Module[], fn: () => Promise<T>): Promise<T> {
  const modes = modules.map((m) => m.training);
  for (const m of modules) m.eval();
  try {
    return await fn();
  } finally {
    modules.forEach((m, i) => m.train(modes[i]));
  }
}

/**
 * Greedy translations of the pairs `indices`, each allowed as many steps as its reference has, or (`free`) twice
 * its source's length and ten more.
 */
function decode(model: ValidationModel, indices: readonly number[], free: boolean): Promise<number[][]> {
  const { data, encoder, decoder, device } = model;
  return inEvalMode([encoder, decoder], () =>
    greedyDecodeBatch(
      encoder,
      decoder,
      indices.map((j) => data.sources[j]!),
      {
        sos: data.targetVocab.index(SOS),
        eos: data.targetVocab.index(EOS),
        // The notebook's evaluation stops after as many steps as the target has; BLEU must not know that.
        maxLength: indices.map((j) => (free ? 2 * data.sources[j]!.length + 10 : data.targets[j]!.length)),
        device,
      },
    ),
  );
}

/** The text of target indices: words joined by spaces, or pieces detokenized by SentencePiece. */
function texts(data: Dataset, outputs: readonly (readonly number[])[]): string[] {
  const tokens = outputs.map((ids) => displayWords(data.targetVocab.decode(ids)));
  return (data.segmenters?.target ?? WORDS).detokenize(tokens);
}

/**
 * Corpus BLEU of greedy translations of the pairs `indices`, decoded without knowing the references' lengths.
 * Word models are scored on their lowercased words; subword models as published results are, on detokenized
 * text against the corpus's own lines (sacreBLEU's defaults).
 */
export async function validationBleu(model: ValidationModel, indices: readonly number[]): Promise<number> {
  const outputs = await decode(model, indices, true);
  const hyps = texts(model.data, outputs);
  const { pairs, segmenters } = model.data;
  const refs =
    segmenters?.target.kind === 'subword' && pairs
      ? indices.map((j) => pairs[j]!.target)
      : texts(
          model.data,
          indices.map((j) => model.data.targets[j]!),
        );
  return corpusBleu(hyps, [refs]).score;
}

/** The share of the pairs `indices` whose greedy translation is exactly the reference. */
export async function exactMatch(model: ValidationModel, indices: readonly number[]): Promise<number> {
  const outputs = await decode(model, indices, false);
  const { data } = model;
  const hyps = texts(data, outputs);
  const refs = texts(
    data,
    indices.map((j) => data.targets[j]!),
  );
  return hyps.filter((h, k) => h === refs[k]).length / indices.length;
}

/** Greedy translations of the pairs `indices`, beside their sources in reading order. */
export async function sampleTranslations(
  model: ValidationModel,
  indices: readonly number[],
): Promise<SampleTranslation[]> {
  const outputs = await decode(model, indices, false);
  const { data } = model;
  const translations = texts(data, outputs);
  return indices.map((j, k) => ({
    // Sources are stored reversed, between <sos> and <eos>; subword models show the corpus's own line.
    source:
      data.pairs && data.segmenters?.source.kind === 'subword'
        ? data.pairs[j]!.source
        : data.sourceVocab
            .decode([...data.sources[j]!].reverse())
            .slice(1, -1)
            .join(' '),
    translation: translations[k]!,
  }));
}
