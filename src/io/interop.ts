/**
 * Models to and from the notebook's PyTorch code. The notebook saves `encoder.state_dict()` and
 * `decoder.state_dict()` with `torch.save`, and its vocabularies are the lists `eng_words` and `deu_words`;
 * `importModel` turns those four files into a model folder, reading every size from the weights, and
 * `exportModel` writes them back from a model folder for the notebook's classes to `load_state_dict`.
 * Models with attention or a bidirectional encoder go the same way, to and from the classes of
 * scripts/reference/attention_model.py; their kind is read from the state dicts' keys.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { buildModel, fullSizes } from '../model/architecture.js';
import { isLuong, type AttentionKind } from '../model/attention.js';
import * as torch from '../torch/index.js';
import { prepareOutputFolder } from '../util/output.js';
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
}

/** The file names `exportModel` writes. */
export const EXPORTED_FILES = ['encoder.pt', 'decoder.pt', 'src_vocab.json', 'tgt_vocab.json'] as const;

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
  if (isDecoder) {
    const [out, inFeatures] = get('dense.weight', 2) as [number, number];
    const want = attention === 'bahdanau' ? 2 * hidden : hidden;
    if (out !== vocab || inFeatures !== want) {
      throw new Error(`${path}: dense.weight is [${out}, ${inFeatures}], expected [${vocab}, ${want}]`);
    }
  }
  return { vocab, sizes: { hidden, embedding, layers, attention, bidirectional, inputFeed } satisfies ModelSizes };
}

/** Reads the notebook's four files into a model (on the CPU); checks every size against the others. */
export function readNotebookModel(files: NotebookFiles): Omit<TrainedModel, 'device'> {
  const sourceVocab = readVocab(files.srcVocab);
  const targetVocab = readVocab(files.tgtVocab);
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
    return { sizes: fullSizes(sizes), sourceVocab, targetVocab, encoder, decoder };
  } finally {
    torch.disposeAll(encState);
    torch.disposeAll(decState);
  }
}

/** `seq2seq import`: the notebook's four files to a model folder `out`. */
export function importModel(files: NotebookFiles, out: string, options: { force?: boolean } = {}): ModelSizes {
  if (!options.force && existsSync(join(out, 'config.json'))) {
    throw new Error(`${out} already holds a model: choose another --out (or --force to replace it)`);
  }
  prepareOutputFolder(out, { flag: '--out', own: MODEL_FILES, replaces: MODEL_FILES, force: options.force });
  const model = readNotebookModel(files);
  saveModel(out, model);
  return model.sizes;
}

/** `seq2seq export`: a model folder (or a training folder's best checkpoint) to the notebook's four files. */
export function exportModel(modelDir: string, out: string, options: { force?: boolean } = {}): ModelSizes {
  prepareOutputFolder(out, { flag: '--out', own: EXPORTED_FILES, replaces: EXPORTED_FILES, force: options.force });
  const model = loadModel(modelDir);
  torch.save(model.encoder.stateDict(), join(out, 'encoder.pt'));
  torch.save(model.decoder.stateDict(), join(out, 'decoder.pt'));
  writeJson(join(out, 'src_vocab.json'), model.sourceVocab.toJSON());
  writeJson(join(out, 'tgt_vocab.json'), model.targetVocab.toJSON());
  return model.sizes;
}
