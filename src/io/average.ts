/**
 * Checkpoint averaging (fairseq's scripts/average_checkpoints.py): a model folder whose weights are the element-wise
 * mean of chosen checkpoints of one training folder, and whose vocabularies, SentencePiece files and config are the
 * newest chosen checkpoint's. Each weight is summed in float64 in epoch order, divided by the number of checkpoints
 * and rounded once to float32 (fairseq sums in float32; float64 rounds once instead of N times). Checkpoints whose
 * architecture or vocabularies differ from the newest are refused, naming what differs.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as torch from '../torch/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { prepareOutputFolder } from '../util/output.js';
import { listCheckpoints } from './checkpoint.js';
import { MODEL_FILES, publishModelFolder, readJson } from './model-files.js';
import { prepareModelOutput } from './model-output.js';

/** Which checkpoints to average: the `last` N kept, or the listed `epochs`. */
export interface AverageOptions {
  last?: number;
  epochs?: readonly number[];
  /** Replace a model already in the output folder. */
  force?: boolean;
}

/** What {@link averageCheckpoints} wrote. */
export interface AverageResult {
  out: string;
  /** The averaged epochs, oldest first. */
  epochs: number[];
}

/** The file beside the model's files saying what was averaged. */
export const AVERAGE_FILE = 'average.json';

/** config.json fields that must agree: the architecture and the vocabularies' sizes and kind. */
const ARCHITECTURE = [
  'hidden',
  'embedding',
  'layers',
  'attention',
  'bidirectional',
  'input_feed',
  'src_vocab_size',
  'tgt_vocab_size',
  'vocabulary',
] as const;

/** The checkpoints of `runDir` that `options` chooses, oldest first; refused with what is kept when one is missing. */
export function chooseCheckpoints(runDir: string, options: AverageOptions): { epoch: number; folder: string }[] {
  if (!existsSync(runDir)) throw new Error(`${runDir}: no such folder`);
  const kept = listCheckpoints(runDir);
  if (kept.length === 0) {
    throw new Error(`${runDir}: not a training folder (no checkpoints/epoch-N): average takes a run's checkpoints`);
  }
  const keptList = kept.map((c) => c.epoch).join(', ');
  if ((options.last === undefined) === (options.epochs === undefined)) {
    throw new Error('say which checkpoints to average: --last N or --epochs a,b,c (one of them)');
  }
  if (options.last !== undefined) {
    if (!Number.isSafeInteger(options.last) || options.last < 1) throw new Error('--last must be a positive integer');
    if (options.last > kept.length) {
      throw new Error(
        `${runDir} keeps ${kept.length} checkpoint${kept.length > 1 ? 's' : ''} (epochs ${keptList}), not ${options.last}: ` +
          'train with --keep-checkpoints N to keep the latest N',
      );
    }
    return kept.slice(kept.length - options.last);
  }
  const epochs = [...new Set(options.epochs)].sort((a, b) => a - b);
  if (epochs.length !== options.epochs!.length) throw new Error('--epochs lists an epoch twice');
  return epochs.map((epoch) => {
    const found = kept.find((c) => c.epoch === epoch);
    if (!found) throw new Error(`${runDir} has no checkpoint of epoch ${epoch} (kept: ${keptList})`);
    return found;
  });
}

/** The files of a checkpoint's vocabularies and segmentation, by name, as bytes (all must equal the newest's). */
export function vocabularyFiles(folder: string, config: Record<string, unknown>): Map<string, Buffer> {
  const names = ['src_vocab.json', 'tgt_vocab.json'];
  const spm = config.sentencepiece as { source?: unknown; target?: unknown } | undefined;
  for (const name of [spm?.source, spm?.target]) {
    if (typeof name === 'string' && /^[\w.-]+\.model$/.test(name) && !names.includes(name)) names.push(name);
  }
  return new Map(names.map((name) => [name, readFileSync(join(folder, name))]));
}

/** Refuses checkpoints that do not share the newest one's architecture and vocabularies, naming what differs. */
function checkSameModel(chosen: readonly { epoch: number; folder: string }[]): Record<string, unknown> {
  const newest = chosen[chosen.length - 1]!;
  const config = readJson(join(newest.folder, 'config.json')) as Record<string, unknown>;
  for (const { epoch, folder } of chosen) {
    if ((readJson(join(folder, 'config.json')) as Record<string, unknown>).quantized !== undefined) {
      throw new Error(
        `cannot average epoch ${epoch}: it is an int8 model (averaging int8 weights would average their rounding); ` +
          'average the float checkpoints, then quantize',
      );
    }
  }
  const files = vocabularyFiles(newest.folder, config);
  for (const { epoch, folder } of chosen.slice(0, -1)) {
    const other = readJson(join(folder, 'config.json')) as Record<string, unknown>;
    for (const key of ARCHITECTURE) {
      if (JSON.stringify(other[key]) !== JSON.stringify(config[key])) {
        throw new Error(
          `cannot average epoch ${epoch} with epoch ${newest.epoch}: ${key} is ${JSON.stringify(other[key])}, ` +
            `not ${JSON.stringify(config[key])} (checkpoints of one architecture only)`,
        );
      }
    }
    const theirs = vocabularyFiles(folder, other);
    for (const [name, bytes] of files) {
      const their = theirs.get(name);
      if (!their || !their.equals(bytes)) {
        throw new Error(
          `cannot average epoch ${epoch} with epoch ${newest.epoch}: their ${name} differ (one vocabulary only)`,
        );
      }
    }
  }
  return config;
}

/** The element-wise mean of the state dicts in `paths` (float64 sums in order, divided, then float32). */
export function averageStateDicts(paths: readonly string[]): Record<string, torch.Tensor> {
  const dicts = paths.map((path) => torch.loadTensors(path));
  try {
    const first = dicts[0]!;
    const keys = Object.keys(first);
    dicts.forEach((dict, i) => {
      const theirs = Object.keys(dict);
      const missing = keys.find((k) => !(k in dict)) ?? theirs.find((k) => !(k in first));
      if (missing !== undefined) throw new Error(`${paths[i]}: its weights differ from ${paths[0]}'s (key ${missing})`);
      for (const k of keys) {
        if (dict[k]!.shape.join() !== first[k]!.shape.join()) {
          throw new Error(
            `${paths[i]}: ${k} has shape [${dict[k]!.shape.join(', ')}], not [${first[k]!.shape.join(', ')}]`,
          );
        }
      }
    });
    const out: Record<string, torch.Tensor> = {};
    for (const k of keys) {
      out[k] = torch.tidy(() => {
        let sum = first[k]!.to('float64');
        for (const dict of dicts.slice(1)) sum = sum.add(dict[k]!.to('float64'));
        return sum.div(dicts.length).to(first[k]!.dtype);
      });
    }
    return out;
  } finally {
    for (const dict of dicts) for (const t of Object.values(dict)) t.dispose();
  }
}

/**
 * Writes into `out` a model folder averaging the checkpoints of the training folder `runDir` that `options`
 * chooses. The folder is written whole beside `out` and renamed into place (a model `--force` replaces is
 * replaced file by file, config.json last); `out` must be new, empty, or (with `force`) a model folder that is not
 * a training checkpoint (io/model-output.ts).
 */
export function averageCheckpoints(runDir: string, out: string, options: AverageOptions): AverageResult {
  const chosen = chooseCheckpoints(runDir, options);
  const config = checkSameModel(chosen);
  const own = [...MODEL_FILES, AVERAGE_FILE];
  if (resolve(out) === resolve(runDir) || resolve(out).startsWith(`${resolve(runDir)}/`)) {
    throw new Error(`--out ${out} is inside the training folder ${runDir}: choose a folder of its own`);
  }
  prepareModelOutput(out, own, { input: runDir, force: options.force });
  const newest = chosen[chosen.length - 1]!;
  const tmp = join(dirname(resolve(out)), `.${basename(resolve(out))}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  prepareOutputFolder(tmp, { flag: '--out', own });
  try {
    for (const name of ['encoder.pt', 'decoder.pt']) {
      const averaged = averageStateDicts(chosen.map((c) => join(c.folder, name)));
      try {
        torch.save(averaged, join(tmp, name));
      } finally {
        for (const t of Object.values(averaged)) t.dispose();
      }
    }
    for (const [name, bytes] of vocabularyFiles(newest.folder, config)) writeFileAtomic(join(tmp, name), bytes);
    const record = {
      format: 'seq2seq-node/average@1',
      run: resolve(runDir),
      epochs: chosen.map((c) => c.epoch),
      accumulate: 'float64',
    };
    writeFileAtomic(join(tmp, AVERAGE_FILE), `${JSON.stringify(record, null, 2)}\n`);
    writeFileAtomic(join(tmp, 'config.json'), readFileSync(join(newest.folder, 'config.json')));
    publishModelFolder(tmp, out);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { out, epochs: chosen.map((c) => c.epoch) };
}
