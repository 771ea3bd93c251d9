/**
 * int8 models (`seq2seq quantize`): a model folder whose LSTM weights (encoder and decoder) and output-layer weight
 * are int8, each row with its own float32 scale, as PyTorch's dynamic quantization (quantize_dynamic with
 * per_channel_dynamic_qconfig) quantizes nn.LSTM and nn.Linear weights; embeddings, attention layers and biases stay
 * float32 (and so does the output layer of a model whose embedding is tied to it). Files: config.json with
 * `"quantized": "int8"`; encoder.pt and decoder.pt, state dicts PyTorch reads, where each int8 weight `name` comes
 * with `name_scale` [rows] (W = name.float() * name_scale[:, None]); the vocabularies and SentencePiece files as
 * they are. Decoding quantizes each product's input per tensor as it runs (native/kernels/int8_linear_cpu.h).
 */
import { rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { int8WeightNames, quantizeRows, SCALE_SUFFIX } from '../model/int8.js';
import * as torch from '../torch/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { prepareOutputFolder } from '../util/output.js';
import { vocabularyFiles } from './average.js';
import { loadModel, MODEL_FILES, publishModelFolder, readJson, resolveModelDir } from './model-files.js';
import { prepareModelOutput } from './model-output.js';

/** How to write an int8 model. */
export interface QuantizeOptions {
  /** Replace a model already in the output folder. */
  force?: boolean;
}

/** What {@link quantizeModel} wrote. */
export interface QuantizeResult {
  out: string;
  /** The weights made int8, `encoder.lstm.weight_ih_l0` ... `decoder.dense.weight`. */
  weights: string[];
  /** Bytes of encoder.pt and decoder.pt before and after. */
  bytes: { float: number; int8: number };
}

/** The state dict of `module` with `names` as int8 weights and their `_scale` rows. */
function quantizedState(state: Record<string, torch.Tensor>, names: readonly string[]): Record<string, torch.Tensor> {
  const out: Record<string, torch.Tensor> = {};
  for (const [key, t] of Object.entries(state)) {
    if (!names.includes(key)) {
      out[key] = t;
      continue;
    }
    const { q, scales } = quantizeRows(t);
    out[key] = q;
    out[`${key}${SCALE_SUFFIX}`] = scales;
  }
  return out;
}

/**
 * Writes into `out` the int8 model of the float model folder `modelDir` (or a training folder's best checkpoint).
 * The folder is written whole beside `out` and renamed into place (a model `--force` replaces is replaced file by
 * file, config.json last); `out` must be new, empty, or (with `force`) a model folder other than the input and not
 * a training checkpoint (io/model-output.ts). An int8 model is refused as input.
 */
export function quantizeModel(modelDir: string, out: string, options: QuantizeOptions = {}): QuantizeResult {
  const folder = resolveModelDir(modelDir);
  const config = readJson(join(folder, 'config.json')) as Record<string, unknown>;
  if (config.quantized !== undefined) {
    throw new Error(
      `${folder} is already an int8 model (its config.json says "quantized": ${JSON.stringify(config.quantized)})`,
    );
  }
  const model = loadModel(folder, 'cpu');
  try {
    const own = [...MODEL_FILES];
    prepareModelOutput(out, own, { input: folder, force: options.force });
    const tmp = join(dirname(resolve(out)), `.${basename(resolve(out))}.${process.pid}.tmp`);
    rmSync(tmp, { recursive: true, force: true });
    prepareOutputFolder(tmp, { flag: '--out', own });
    const weights: string[] = [];
    const bytes = { float: 0, int8: 0 };
    try {
      for (const [side, module, names] of [
        ['encoder', model.encoder, int8WeightNames(model.encoder)],
        ['decoder', model.decoder, int8WeightNames(model.decoder, model.sizes.tieEmbeddings ?? false)],
      ] as const) {
        torch.tidy(() => {
          const state = quantizedState(module.stateDict(), names);
          torch.save(state, join(tmp, `${side}.pt`));
        });
        weights.push(...names.map((n) => `${side}.${n}`));
      }
      for (const [name, data] of vocabularyFiles(folder, config)) writeFileAtomic(join(tmp, name), data);
      writeFileAtomic(join(tmp, 'config.json'), `${JSON.stringify({ ...config, quantized: 'int8' }, null, 2)}\n`);
      for (const side of ['encoder.pt', 'decoder.pt']) {
        bytes.float += readFileSize(join(folder, side));
        bytes.int8 += readFileSize(join(tmp, side));
      }
      publishModelFolder(tmp, out);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    return { out, weights, bytes };
  } finally {
    model.encoder.dispose();
    model.decoder.dispose();
  }
}

function readFileSize(path: string): number {
  return statSync(path).size;
}
