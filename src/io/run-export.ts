/**
 * A run exported for cross-checking against PyTorch (scripts/reference/notebook.py replays it):
 * `data.json` (vocabularies, sampled corpus lines, index sentences as fed), `init.pt` (the initial weights,
 * keys `encoder.*` and `decoder.*`, readable by torch.load) and `losses.json`.
 */
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import type { ModelConfig } from '../model/config.js';
import type { NotebookLosses } from '../train/notebook.js';
import * as torch from '../torch/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { prepareOutputFolder } from '../util/output.js';
import { jointStateDict } from './model-files.js';

/** The files of a run export. */
export const RUN_EXPORT_FILES = ['data.json', 'init.pt', 'losses.json', 'plan.json'] as const;

/** Writes `data.json` and `init.pt` into a new or empty folder; call before training. */
export function exportRunStart(
  dir: string,
  data: Dataset,
  encoder: Encoder,
  decoder: Decoder,
  config: ModelConfig,
): void {
  prepareOutputFolder(dir, { flag: '--export-run', own: RUN_EXPORT_FILES, replaces: RUN_EXPORT_FILES });
  const json = {
    src_vocab: data.sourceVocab.toJSON(),
    tgt_vocab: data.targetVocab.toJSON(),
    lines: data.lines,
    sources: data.sources,
    targets: data.targets,
    config: {
      epochs: config.epochs,
      hidden: config.hidden,
      embedding: config.embedding,
      layers: config.layers,
      lr: config.lr,
    },
  };
  writeFileAtomic(join(dir, 'data.json'), JSON.stringify(json));
  torch.tidy(() => torch.save(jointStateDict(encoder, decoder), join(dir, 'init.pt')));
}

/** Writes `losses.json`; call after training. */
export function exportRunLosses(dir: string, losses: NotebookLosses): void {
  const json = { per_sentence: losses.perSentence, current_loss: losses.currentLoss, mean_loss: losses.meanLoss };
  writeFileAtomic(join(dir, 'losses.json'), JSON.stringify(json));
}

/** What scripts/reference/batched.py needs to replay batched training: the options and each epoch's batches. */
export interface BatchPlanExport {
  options: {
    teacherForcing: number;
    clip: number;
    normalize: 'tokens' | 'sentences';
    scoreSos: boolean;
    /** Regularisation (absent: off); dropout needs each epoch's `dropoutSeeds`. */
    dropout?: number;
    labelSmoothing?: number;
    tieEmbeddings?: boolean;
    /** Absent: Adam. */
    optimizer?: 'adam' | 'sgd';
    momentum?: number;
    weightDecay?: number;
    /** Batches per update; absent: 1. */
    accumulate?: number;
    /** Mixed precision of the forward (absent: fp32). */
    precision?: 'fp32' | 'bf16';
  };
  epochs: { indices: number[]; teacher?: Uint8Array }[][];
  /** The seed of each epoch's dropout masks (src/train/batched.ts's `dropoutSeed`). */
  dropoutSeeds?: number[];
  /** Each epoch's rate per update; absent: the optimizers keep `lr`. */
  lrs?: ArrayLike<number>[];
}

/** Writes `plan.json` for scripts/reference/batched.py. */
export function exportBatchPlan(dir: string, plan: BatchPlanExport): void {
  const epochs = plan.epochs.map((batches) =>
    batches.map((b) => ({ indices: b.indices, ...(b.teacher ? { teacher: [...b.teacher] } : {}) })),
  );
  const seeds = plan.dropoutSeeds ? { dropoutSeeds: plan.dropoutSeeds } : {};
  const lrs = plan.lrs?.map((rates) => Array.from(rates));
  writeFileAtomic(
    join(dir, 'plan.json'),
    JSON.stringify({ options: plan.options, epochs, ...seeds, ...(lrs ? { lrs } : {}) }),
  );
}
