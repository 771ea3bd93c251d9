/**
 * Models to and from the notebook's PyTorch code. The notebook saves `encoder.state_dict()` and
 * `decoder.state_dict()` with `torch.save`, and its vocabularies are the lists `eng_words` and `deu_words`;
 * `importModel` turns those four files into a model folder, reading every size from the weights, and
 * `exportModel` writes them back from a model folder for the notebook's classes to `load_state_dict`.
 * Models with attention or a bidirectional encoder go the same way, to and from the classes of
 * scripts/reference/attention_model.py; their kind is read from the state dicts' keys. Subword models travel with
 * their SentencePiece files (`source.model`, `target.model`, or one `joint.model`), which Python's sentencepiece
 * loads: scripts/reference/translate_subword.py translates with the exported files alone. A decoder whose
 * embedding and output layer hold the same weight (tied) is imported tied.
 */
import { dirname, join } from 'node:path';
import { buildModel, fullSizes } from '../model/architecture.js';
import { isLuong, type AttentionKind } from '../model/attention.js';
import * as torch from '../torch/index.js';
import { prepareOutputFolder } from '../util/output.js';
import { prepareModelOutput } from './model-output.js';
import { SentencePieceModel } from '../tokens/sentencepiece.js';
import { SubwordSegmenter, type Segmenters } from '../tokens/segmenter.js';
import {
  loadModel,
  MODEL_FILES,
  readVocab,
  saveModel,
  writeJson,
  type ModelSizes,
  type TrainedModel,
} from './model-files.js';

/** The four files of a model in the notebook's terms. */
export interface NotebookFiles {
  /** `torch.save(encoder.state_dict(), ...)` */
  encoder: string;
  /** `torch.save(decoder.state_dict(), ...)` */
  decoder: string;
  /** JSON array: `eng_words` (the source words in index order) */
  srcVocab: string;
  /** JSON array: `deu_words` */
  tgtVocab: string;
  /** Subword models: the source language's SentencePiece model, whose pieces start `srcVocab` in id order. */
  sourceSpm?: string;
  /** The target language's (the same file as `sourceSpm` for a joint model). */
  targetSpm?: string;
}

/** The file names `exportModel` writes. */
export const EXPORTED_FILES = ['encoder.pt', 'decoder.pt', 'src_vocab.json', 'tgt_vocab.json'] as const;

/** The SentencePiece files a subword model's export adds. */
const SENTENCEPIECE_FILES = ['source.model', 'target.model', 'joint.model'] as const;

function sameValues(a: torch.Tensor, b: torch.Tensor): boolean {
  const [x, y] = [a.toArray(), b.toArray()];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The sizes (and, for attention models, the options) of a module from its state dict's keys and shapes. */
function sizesOf(state: Record<string, torch.Tensor>, path: string, isDecoder: boolean) {
  const get = (key: string, dims: number): number[] => {
    const t = state[key];
    if (!t) throw new Error(`${path}: ${key} is missing (not a state dict of the notebook's model)`);
    if (t.ndim !== dims) throw new Error(`${path}: ${key} has ${t.ndim} dimensions, expected ${dims}`);
    return t.shape;
  };
  const [vocab, embedding] = get('embedding.weight', 2) as [number, number];
  const [gates, input] = get('lstm.weight_ih_l0', 2) as [number, number];
  if (gates % 4 !== 0) throw new Error(`${path}: lstm.weight_ih_l0 has ${gates} rows, not 4 x hidden`);
  let layers = 0;
  while (`lstm.weight_ih_l${layers}` in state) layers++;
  const bidirectional = !isDecoder && 'lstm.weight_ih_l0_reverse' in state;
  const hidden = (gates / 4) * (bidirectional ? 2 : 1);
  // The decoder's kind of attention shows in which layers it has (scripts/reference/attention_model.py).
  const has = (key: string): boolean => key in state;
  const attention: AttentionKind = !isDecoder
    ? 'none'
    : has('attention.query.weight')
      ? 'bahdanau'
      : has('attention.v.weight')
        ? 'luong-concat'
        : has('attention.W.weight')
          ? 'luong-general'
          : has('combine.weight')
            ? 'luong-dot'
            : 'none';
  const inputFeed = isLuong(attention) && input === embedding + hidden;
  const wide = attention === 'bahdanau' || inputFeed;
  if (input !== embedding + (wide ? hidden : 0)) {
    throw new Error(`${path}: the LSTM takes ${input} inputs, the embedding gives ${embedding}`);
  }
  let tieEmbeddings = false;
  if (isDecoder) {
    const [out, inFeatures] = get('dense.weight', 2) as [number, number];
    const want = attention === 'bahdanau' ? 2 * hidden : hidden;
    if (out !== vocab || inFeatures !== want) {
      throw new Error(`${path}: dense.weight is [${out}, ${inFeatures}], expected [${vocab}, ${want}]`);
    }
    // A tied decoder (`embedding.weight = dense.weight`) saves one tensor under both names.
    tieEmbeddings = inFeatures === embedding && sameValues(state['embedding.weight']!, state['dense.weight']!);
  }
  return {
    vocab,
    sizes: {
      hidden,
      embedding,
      layers,
      attention,
      bidirectional,
      inputFeed,
      ...(tieEmbeddings ? { tieEmbeddings } : {}),
    } satisfies ModelSizes,
  };
}

/** Reads the notebook's four files into a model (on the CPU); checks every size against the others. */
export function readNotebookModel(files: NotebookFiles): Omit<TrainedModel, 'device'> {
  if ((files.sourceSpm === undefined) !== (files.targetSpm === undefined)) {
    throw new Error('a subword model needs both SentencePiece files: --source-spm and --target-spm');
  }
  const segmenters = files.sourceSpm !== undefined ? readSegmenterFiles(files.sourceSpm, files.targetSpm!) : undefined;
  const sourceVocab = readVocab(files.srcVocab, segmenters?.source.sentencePiece);
  const targetVocab = readVocab(files.tgtVocab, segmenters?.target.sentencePiece);
  const encState = torch.loadTensors(files.encoder);
  const decState = torch.loadTensors(files.decoder);
  try {
    const enc = sizesOf(encState, files.encoder, false);
    const dec = sizesOf(decState, files.decoder, true);
    for (const key of ['hidden', 'layers'] as const) {
      if (enc.sizes[key] !== dec.sizes[key]) {
        throw new Error(
          `${files.decoder}: ${key} ${dec.sizes[key]} differs from the encoder's ${enc.sizes[key]} (${files.encoder})`,
        );
      }
    }
    if (enc.sizes.embedding !== dec.sizes.embedding) {
      throw new Error(
        `${files.decoder}: embedding size ${dec.sizes.embedding} differs from the encoder's ${enc.sizes.embedding}`,
      );
    }
    if (enc.vocab !== sourceVocab.size) {
      throw new Error(`${files.srcVocab}: ${sourceVocab.size} words, but the encoder embeds ${enc.vocab}`);
    }
    if (dec.vocab !== targetVocab.size) {
      throw new Error(`${files.tgtVocab}: ${targetVocab.size} words, but the decoder embeds ${dec.vocab}`);
    }
    const sizes: ModelSizes = {
      ...dec.sizes,
      bidirectional: enc.sizes.bidirectional,
    };
    const { encoder, decoder } = buildModel(sourceVocab.size, targetVocab.size, sizes);
    for (const [module, state, path] of [
      [encoder, encState, files.encoder],
      [decoder, decState, files.decoder],
    ] as const) {
      try {
        module.loadStateDict(state);
      } catch (err) {
        throw new Error(`${path}: ${(err as Error).message}`);
      }
    }
    return {
      sizes: fullSizes(sizes),
      sourceVocab,
      targetVocab,
      encoder,
      decoder,
      ...(segmenters ? { segmenters } : {}),
    };
  } finally {
    torch.disposeAll(encState);
    torch.disposeAll(decState);
  }
}

/** `seq2seq import`: the notebook's four files to a model folder `out`. */
export function importModel(files: NotebookFiles, out: string, options: { force?: boolean } = {}): ModelSizes {
  // --force replaces a model folder of ours only: never the notebook's own files or a project's config.json.
  prepareModelOutput(out, [...MODEL_FILES, ...SENTENCEPIECE_FILES], {
    input: dirname(files.encoder),
    force: options.force,
  });
  const model = readNotebookModel(files);
  saveModel(out, model);
  return model.sizes;
}

/**
 * `seq2seq export`: a model folder (or a training folder's best checkpoint) to the notebook's four files, and a
 * subword model's SentencePiece files beside them.
 */
export function exportModel(modelDir: string, out: string, options: { force?: boolean } = {}): ModelSizes {
  const own = [...EXPORTED_FILES, ...SENTENCEPIECE_FILES];
  prepareOutputFolder(out, { flag: '--out', own, replaces: own, force: options.force });
  const model = loadModel(modelDir);
  const spm = model.segmenters && {
    source: model.segmenters.source.sentencePiece!,
    target: model.segmenters.target.sentencePiece!,
  };
  if (spm && spm.source === spm.target) spm.source.save(join(out, 'joint.model'));
  else if (spm) {
    spm.source.save(join(out, 'source.model'));
    spm.target.save(join(out, 'target.model'));
  }
  torch.tidy(() => {
    torch.save(model.encoder.stateDict(), join(out, 'encoder.pt'));
    torch.save(model.decoder.stateDict(), join(out, 'decoder.pt'));
  });
  writeJson(join(out, 'src_vocab.json'), model.sourceVocab.toJSON());
  writeJson(join(out, 'tgt_vocab.json'), model.targetVocab.toJSON());
  return model.sizes;
}

/** The segmenters of two SentencePiece files (one segmenter for both sides when they are the same file). */
function readSegmenterFiles(sourceSpm: string, targetSpm: string): Segmenters {
  const source = new SubwordSegmenter(SentencePieceModel.load(sourceSpm));
  const target = targetSpm === sourceSpm ? source : new SubwordSegmenter(SentencePieceModel.load(targetSpm));
  return { source, target };
}
