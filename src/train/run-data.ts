/**
 * The pairs a batched run trains on, and its vocabularies: drawn (or all of them), split into training and
 * held-out pairs, then tokenized. Word vocabularies are the notebook's (every drawn word) or capped on the
 * training pairs with `<unk>`; subword vocabularies are SentencePiece models trained on the training pairs only
 * (or given), so that held-out text is never seen. A resumed run takes its vocabularies from its checkpoint.
 */
import type { CorpusReport, Pair } from '../data/corpus.js';
import { buildDataset, dropLongPairs, samplePairs, type Dataset } from '../data/dataset.js';
import { EOS, SOS } from '../data/tokenize.js';
import { Vocab } from '../data/vocab.js';
import type { TrainedModel } from '../io/model-files.js';
import { maxOf } from '../util/array.js';
import { SentencePieceModel, trainSentencePiece } from '../tokens/sentencepiece.js';
import { SubwordSegmenter, WORD_SEGMENTERS, type Segmenters } from '../tokens/segmenter.js';
import { runOptionDefault, type RunOptions } from './run-options.js';
import { splitByKeys, type Split } from './split.js';

/** A run's dataset and, when it was made before indexing, its held-out split. */
export interface RunData {
  data: Dataset;
  /** Absent: the batched loop splits the indexed pairs itself (the notebook's word vocabularies). */
  split?: Split;
  /** What the run logs about its data. */
  lines: string[];
}

/** What a resumed run keeps from its checkpoint. */
export type SavedVocabularies = Pick<TrainedModel, 'sourceVocab' | 'targetVocab' | 'segmenters'>;

/** Draws, splits and indexes the run's pairs as its options say. */
export async function prepareRunData(
  pairs: readonly Pair[],
  options: RunOptions,
  report: CorpusReport,
  saved?: SavedVocabularies,
): Promise<RunData> {
  const subword = (options.vocab ?? 'word') === 'subword';
  const capped = options.maxVocab !== undefined || options.minFreq !== undefined;
  if (!subword && !capped) {
    // The notebook's vocabularies, exactly as before: every word of every drawn pair.
    const usable = options.maxLength === undefined ? pairs : dropLongPairs(pairs, options.maxLength, report);
    const data = buildDataset(samplePairs(usable, options.instances, options.seed));
    return { data, lines: [describe(options, data, 'words')] };
  }
  const usable = subword || options.maxLength === undefined ? pairs : dropLongPairs(pairs, options.maxLength, report);
  const drawn = samplePairs(usable, options.instances, options.seed);
  const validFraction = options.validFraction ?? runOptionDefault('validFraction');
  const split = splitByKeys(
    drawn.map((p) => `${p.source}\t${p.target}`),
    validFraction,
    options.seed,
  );
  const segmenters = saved?.segmenters ?? (subword ? await trainSegmenters(drawn, split, options) : WORD_SEGMENTERS);
  const [sources, targets] = await Promise.all([
    segmenters.source.segmentAsync(drawn.map((p) => p.source)),
    segmenters.target.segmentAsync(drawn.map((p) => p.target)),
  ]);
  const lines: string[] = [];
  if (subword && options.maxLength !== undefined) {
    // Pieces are counted here (words were counted before sampling for word vocabularies).
    const limit = options.maxLength;
    const kept = split.train.filter((i) => sources[i]!.length <= limit && targets[i]!.length <= limit);
    if (kept.length < split.train.length) {
      lines.push(
        `${split.train.length - kept.length} training pairs have more than ${limit} pieces on a side: skipped`,
      );
    }
    if (kept.length === 0)
      throw new Error(`every training pair has more than ${limit} pieces on a side: raise --max-length`);
    split.train = kept;
  }
  const vocabs = saved
    ? { source: saved.sourceVocab, target: saved.targetVocab }
    : subword
      ? {
          source: Vocab.fromPieces(segmenters.source.sentencePiece!.pieces, segmenters.source.sentencePiece!.unkId),
          target: Vocab.fromPieces(segmenters.target.sentencePiece!.pieces, segmenters.target.sentencePiece!.unkId),
        }
      : {
          source: Vocab.fromCounts(
            split.train.map((i) => sources[i]!),
            { maxSize: options.maxVocab, minFrequency: options.minFreq },
          ),
          target: Vocab.fromCounts(
            split.train.map((i) => targets[i]!),
            { maxSize: options.maxVocab, minFrequency: options.minFreq },
          ),
        };
  const sos = [SOS];
  const eos = [EOS];
  const data: Dataset = {
    sources: sources.map((s) => vocabs.source.encode([...sos, ...s, ...eos]).reverse()),
    targets: targets.map((t) => vocabs.target.encode([...sos, ...t, ...eos])),
    sourceVocab: vocabs.source,
    targetVocab: vocabs.target,
    lines: drawn.map((p) => p.line),
    maxSentLen: maxOf(sources, (s) => s.length + 2),
    pairs: drawn,
    segmenters,
  };
  lines.unshift(describe(options, data, subword ? 'pieces' : 'words'));
  if (!subword) lines.push(unknownShare(data, split));
  return { data, split, lines };
}

/** SentencePiece models of the run: given (`--source-spm`, `--target-spm`) or trained on the training pairs. */
async function trainSegmenters(drawn: readonly Pair[], split: Split, options: RunOptions): Promise<Segmenters> {
  if (options.sourceSpm !== undefined || options.targetSpm !== undefined) {
    if (options.sourceSpm === undefined || options.targetSpm === undefined) {
      throw new Error('give both --source-spm and --target-spm (the same file twice for a joint model)');
    }
    const source = new SubwordSegmenter(SentencePieceModel.load(options.sourceSpm));
    const target =
      options.targetSpm === options.sourceSpm
        ? source
        : new SubwordSegmenter(SentencePieceModel.load(options.targetSpm));
    return { source, target };
  }
  // Each distinct training pair once: pairs drawn many times must not weigh more in the segmentation.
  const seen = new Set<string>();
  const sources: string[] = [];
  const targets: string[] = [];
  for (const i of split.train) {
    const pair = drawn[i]!;
    const key = `${pair.source}\t${pair.target}`;
    if (seen.has(key)) continue;
    seen.add(key);
    sources.push(pair.source);
    targets.push(pair.target);
  }
  const spm = {
    vocabSize: options.vocabSize ?? runOptionDefault('vocabSize'),
    modelType: options.subword ?? runOptionDefault('subword'),
    seed: options.seed,
  };
  if (options.joint) {
    const joint = new SubwordSegmenter(await trainSentencePiece([...sources, ...targets], spm));
    return { source: joint, target: joint };
  }
  const [source, target] = await Promise.all([trainSentencePiece(sources, spm), trainSentencePiece(targets, spm)]);
  return { source: new SubwordSegmenter(source), target: new SubwordSegmenter(target) };
}

function describe(options: RunOptions, data: Dataset, unit: 'words' | 'pieces'): string {
  const drawn = options.instances === 'all' ? `all ${data.sources.length} pairs` : `${options.instances} pairs drawn`;
  return (
    `${drawn}; vocabularies: ${data.sourceVocab.size} source, ${data.targetVocab.size} target ${unit}; ` +
    `longest source ${data.maxSentLen} tokens`
  );
}

/** The share of `<unk>` among the training tokens of each side of a capped word vocabulary. */
function unknownShare(data: Dataset, split: Split): string {
  const share = (sentences: readonly (readonly number[])[], unk: number): string => {
    let n = 0;
    let total = 0;
    for (const i of split.train) {
      for (const t of sentences[i]!) {
        total++;
        if (t === unk) n++;
      }
    }
    return `${((100 * n) / Math.max(total, 1)).toFixed(2)}%`;
  };
  return (
    `<unk> in the training pairs: ${share(data.sources, data.sourceVocab.unkIndex)} of source tokens, ` +
    `${share(data.targets, data.targetVocab.unkIndex)} of target tokens`
  );
}
