/**
 * The `--out` folder of a command that writes a model folder from another (quantize, average): new, empty, or with
 * `--force` a model folder of ours to replace. `--force` says "replace the model there", so a folder whose files
 * merely share a model's names (a notebook's encoder.pt, a project's config.json) is still refused, and so are the
 * model being read (named through a symbolic link, say) and a training run's checkpoint: each would lose what the
 * user keeps.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { checkOutputFolder, prepareOutputFolder } from '../util/output.js';
import { readJson } from './model-files.js';

/** Every config.json of a model folder starts its `format` so, whichever version wrote it. */
const MODEL_FORMAT_PREFIX = 'seq2seq-node/model@';

/** What the command reads, and whether it may replace a model in `--out`. */
export interface ModelOutputOptions {
  /** The folder the command reads (a model folder, or a training folder): never written. */
  input: string;
  force?: boolean;
}

function realpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function isModelConfig(path: string): boolean {
  try {
    const format = (readJson(path) as { format?: unknown } | null)?.format;
    return typeof format === 'string' && format.startsWith(MODEL_FORMAT_PREFIX);
  } catch {
    return false; // missing, unreadable or not JSON: not a model's
  }
}

/**
 * Checks that `out` may receive a model folder whose files are `own`, and creates it when missing; see the
 * module's comment. Throws naming the reason; nothing is written on refusal.
 */
export function prepareModelOutput(out: string, own: readonly string[], options: ModelOutputOptions): void {
  const at = realpath(out);
  if (at !== undefined && at === realpath(options.input)) {
    throw new Error(`--out ${out} is the folder being read (${options.input}): choose another`);
  }
  const folder = { flag: '--out', own, replaces: own, force: options.force };
  // What the folder is comes first (with or without --force), then whether --force is needed to replace it.
  if (checkOutputFolder(out, { ...folder, force: true }) === 'usable') {
    const entries = readdirSync(out);
    const present = own.filter((name) => entries.includes(name));
    if (present.length > 0 && entries.includes('trainer.json')) {
      throw new Error(`--out ${out} is a checkpoint of a training run (it holds trainer.json): choose another folder`);
    }
    if (present.length > 0 && !isModelConfig(join(out, 'config.json'))) {
      const what = entries.includes('config.json')
        ? "a config.json that is not a seq2seq-node model's"
        : `${present.join(', ')} but no config.json (not a seq2seq-node model)`;
      throw new Error(`--out ${out} holds ${what}: --force replaces only a model folder; choose another folder`);
    }
  }
  prepareOutputFolder(out, folder);
}
