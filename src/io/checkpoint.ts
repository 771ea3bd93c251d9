/**
 * A training folder and its checkpoints:
 *   DIR/checkpoints/epoch-0004/   one complete checkpoint: a model folder (model-files.ts) plus
 *       encoder_optimizer.pt      `encoder_opt.state_dict()` (torch.optim.Adam's or torch.optim.SGD's format)
 *       decoder_optimizer.pt      `decoder_opt.state_dict()`
 *       trainer.json              epochs done, the run's options, per-epoch history, best epoch, RNG seeds
 *   DIR/last -> checkpoints/epoch-0004   the latest checkpoint (what --resume continues)
 *   DIR/best -> checkpoints/epoch-0003   the best one by validation (what translate and eval use)
 * Other checkpoints are removed, but for those of the `keep` latest epochs when the run keeps some (for averaging).
 * A checkpoint is written whole into a temporary folder and renamed into place, then the `last` (and `best`)
 * symbolic links are replaced with one rename each, so a crash or kill at any moment leaves `last` pointing
 * at a complete checkpoint: the previous one until the new one is whole. Training writes its checkpoints in the
 * background (checkpoint-writer.ts): the same steps and bytes, from a copy of the state taken at the epoch's end.
 */
import { existsSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import { torchFileChunks } from '../torch/pickle/torch-file.js';
import { writeFileAtomic } from '../util/atomic.js';
import {
  MODEL_FILES,
  jsonText,
  loadWeights,
  modelFiles,
  readJson,
  withOwnWeights,
  type FileToWrite,
  type ModelWeights,
  type TrainedModel,
} from './model-files.js';

const FORMAT = 'seq2seq-node/trainer@1';

/** The files of a checkpoint beyond those of a model folder. */
export const CHECKPOINT_FILES = ['encoder_optimizer.pt', 'decoder_optimizer.pt', 'trainer.json'] as const;

/** What one epoch reported. */
export interface EpochRecord {
  epoch: number;
  /** Batched: mean NLL per target token; notebook modes: the mean sentence loss. */
  train_loss: number;
  /** The notebook's `current_loss`: the epoch's last sentence loss (notebook modes). */
  current_loss?: number;
  valid_loss?: number;
  valid_bleu?: number;
  seconds: number;
}

/** The state of a run beside its weights: enough to continue it exactly. */
export interface TrainerState<Options = unknown> {
  format: string;
  /** Epochs completed. */
  epoch: number;
  /** The options the run was started with (corpus, sizes, mode, seed, ...). */
  options: Options;
  history: EpochRecord[];
  /** The best epoch so far by the validation metric, and that metric's value. */
  best?: { epoch: number; metric: string; value: number };
  /** Every random draw after initialisation (sampling, split, batches, coins) derives from these. */
  rng: { seed: number; next_epoch: number };
  /**
   * Batched: the learning-rate schedule's state after the last epoch (src/train/lr-schedule.ts): updates so far,
   * the rate, plateau's best and bad epochs. Absent in runs of older versions (a constant rate).
   */
  schedule?: { step: number; lr: number; best?: number | null; num_bad_epochs?: number };
}

/** Optimizers of a run, saved and restored with the checkpoint. */
export interface CheckpointOptimizers {
  encoder: torch.optim.Optimizer;
  decoder: torch.optim.Optimizer;
}

const epochName = (epoch: number): string => `epoch-${String(epoch).padStart(4, '0')}`;

/**
 * Writes checkpoint `trainer.epoch` into the training folder `dir` and points `last` at it (and `best`, when
 * `isBest`). Checkpoints no link points at any more are removed afterwards, but for the `keep` latest.
 * The weights and moments are written from the modules' and optimizers' own memory, not copied first: nothing may
 * train them meanwhile (io/checkpoint-writer.ts copies them instead, to write while training goes on).
 */
export function writeCheckpoint(
  dir: string,
  model: Omit<TrainedModel, 'device'>,
  optimizers: CheckpointOptimizers,
  trainer: TrainerState<unknown>,
  isBest: boolean,
  keep = 0,
): string {
  const states = {
    encoder: optimizers.encoder.stateDict({ copy: false }),
    decoder: optimizers.decoder.stateDict({ copy: false }),
  };
  try {
    const { root, tmp, final } = checkpointPaths(dir, trainer.epoch);
    withOwnWeights(model, (weights) => {
      mkdirSync(root, { recursive: true });
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(tmp);
      for (const file of checkpointFiles(model, weights, states, trainer)) {
        writeFileAtomic(join(tmp, file.name), file.data());
      }
    });
    // A folder of this name left by an interrupted run is not linked (links only ever point at earlier epochs).
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    for (const [link, target] of checkpointLinks(trainer.epoch, isBest)) pointLink(dir, link, target);
    for (const folder of staleCheckpoints(dir, keep)) rmSync(folder, { recursive: true, force: true });
    return final;
  } finally {
    disposeOptimizerState(states.encoder);
    disposeOptimizerState(states.decoder);
  }
}

/** An optimizer's `stateDict()`: the state a checkpoint's optimizer file holds. */
export type OptimizerState = ReturnType<torch.optim.Optimizer['stateDict']>;

/** Frees the tensors of an optimizer's `stateDict()`. */
export function disposeOptimizerState(state: OptimizerState): void {
  for (const entry of state.state.values()) for (const t of Object.values(entry)) t.dispose();
}

/**
 * @internal The files of checkpoint `trainer.epoch`, in the order they are written: the model folder's (of `weights`), both optimizers' states and trainer.json. The texts are made now (the trainer state
 * as it is now); the weights' and states' files when written.
 */
export function checkpointFiles(
  model: Omit<TrainedModel, 'device'>,
  weights: ModelWeights,
  states: { encoder: OptimizerState; decoder: OptimizerState },
  trainer: TrainerState<unknown>,
): FileToWrite[] {
  const trainerText = jsonText(trainer);
  return [
    ...modelFiles(model, weights),
    { name: 'encoder_optimizer.pt', data: () => torchFileChunks(states.encoder) },
    { name: 'decoder_optimizer.pt', data: () => torchFileChunks(states.decoder) },
    { name: 'trainer.json', data: () => trainerText },
  ];
}

/**
 * @internal Where checkpoint `epoch` of the training folder `dir` is written (`tmp`, a hidden folder of this process)
 * and then renamed to (`final`).
 */
export function checkpointPaths(dir: string, epoch: number): { root: string; tmp: string; final: string } {
  const root = join(dir, 'checkpoints');
  const name = epochName(epoch);
  return { root, tmp: join(root, `.${name}.${process.pid}.tmp`), final: join(root, name) };
}

/** @internal The links to point at checkpoint `epoch` once it is in place: `last`, and `best` when it is. */
export function checkpointLinks(epoch: number, isBest: boolean): [string, string][] {
  const target = join('checkpoints', epochName(epoch));
  return isBest
    ? [
        ['last', target],
        ['best', target],
      ]
    : [['last', target]];
}

/** @internal The temporary name {@link pointLink} makes the new link under before renaming it over `dir/name`. */
export function linkTempPath(dir: string, name: string): string {
  return join(dir, `.${name}.${process.pid}.tmp`);
}

/** Replaces the link `dir/name` with one pointing at `target`, in one rename. */
function pointLink(dir: string, name: string, target: string): void {
  const tmp = linkTempPath(dir, name);
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, join(dir, name));
}

/**
 * @internal The folders pruning removes: checkpoints no link points at (but for the `latest` of the highest epochs),
 * and temporary folders of earlier, interrupted writes.
 */
export function staleCheckpoints(dir: string, latest: number): string[] {
  const keep = new Set(['last', 'best'].map((link) => linkTarget(dir, link)).filter(Boolean));
  const root = join(dir, 'checkpoints');
  const epochs = readdirSync(root)
    .filter((entry) => /^epoch-\d+$/.test(entry))
    .sort((a, b) => Number(b.slice('epoch-'.length)) - Number(a.slice('epoch-'.length)));
  for (const entry of epochs.slice(0, latest)) keep.add(join('checkpoints', entry));
  return readdirSync(root)
    .filter((entry) => !keep.has(join('checkpoints', entry)))
    .filter((entry) => /^epoch-\d+$/.test(entry) || /^\.epoch-\d+\.\d+\.tmp$/.test(entry))
    .map((entry) => join(root, entry));
}

function linkTarget(dir: string, link: string): string | undefined {
  try {
    return readlinkSync(join(dir, link));
  } catch {
    return undefined;
  }
}

/** True when `dir` holds a training run (a `last` checkpoint). */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(join(dir, 'last', 'trainer.json'));
}

/** A checkpoint read back: its folder and trainer state; the weights are loaded by {@link restoreCheckpoint}. */
export interface Checkpoint<Options = unknown> {
  folder: string;
  trainer: TrainerState<Options>;
}

/** Reads the `last` checkpoint of the training folder `dir`, checking that every file is there. */
export function readCheckpoint<Options = unknown>(dir: string): Checkpoint<Options> {
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  const folder = join(dir, 'last');
  if (!existsSync(folder)) {
    const target = linkTarget(dir, 'last');
    throw new Error(
      target === undefined
        ? `${dir}: not a training folder (no last/ checkpoint to resume)`
        : `${dir}: its last link points at ${target}, which is missing: the run is damaged (a checkpoint was removed)`,
    );
  }
  for (const file of [...MODEL_FILES, ...CHECKPOINT_FILES]) {
    if (!existsSync(join(folder, file))) throw new Error(`${join(folder, file)}: missing from the checkpoint`);
  }
  const path = join(folder, 'trainer.json');
  const trainer = readJson(path) as TrainerState<Options>;
  if (trainer?.format !== FORMAT) throw new Error(`${path}: not a seq2seq-node trainer state (format ${FORMAT})`);
  if (!Number.isSafeInteger(trainer.epoch) || trainer.epoch < 1 || !Array.isArray(trainer.history)) {
    throw new Error(`${path}: epoch or history is malformed`);
  }
  const number = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  const optionalNumber = (v: unknown): boolean => v === undefined || v === null || number(v);
  let previous = 0;
  trainer.history.forEach((record: unknown, i) => {
    const r = record as Partial<EpochRecord> | null;
    if (
      typeof r !== 'object' ||
      r === null ||
      !Number.isSafeInteger(r.epoch) ||
      r.epoch! <= previous ||
      r.epoch! > trainer.epoch ||
      !number(r.train_loss) ||
      !number(r.seconds) ||
      ![r.current_loss, r.valid_loss, r.valid_bleu].every(optionalNumber)
    ) {
      throw new Error(`${path}: history[${i}] is malformed`);
    }
    previous = r.epoch!;
  });
  const rng = trainer.rng as Partial<TrainerState['rng']> | undefined;
  if (!rng || !Number.isSafeInteger(rng.seed) || !Number.isSafeInteger(rng.next_epoch)) {
    throw new Error(`${path}: rng is malformed`);
  }
  const best = trainer.best as Partial<NonNullable<TrainerState['best']>> | undefined;
  if (
    best !== undefined &&
    (!Number.isSafeInteger(best.epoch) || best.epoch! < 1 || best.epoch! > trainer.epoch || !number(best.value))
  ) {
    throw new Error(`${path}: best is malformed`);
  }
  if (typeof trainer.options !== 'object' || trainer.options === null) throw new Error(`${path}: options missing`);
  return { folder, trainer };
}

/** Loads a checkpoint's weights and optimizer states into modules and optimizers built for the same sizes. */
export function restoreCheckpoint(
  checkpoint: Checkpoint<unknown>,
  model: Pick<TrainedModel, 'encoder' | 'decoder'>,
  optimizers: CheckpointOptimizers,
): void {
  const { folder } = checkpoint;
  const config = readJson(join(folder, 'config.json')) as { quantized?: unknown };
  if (config.quantized !== undefined) {
    throw new Error(
      `${folder} is an int8 model (config.json "quantized": ${JSON.stringify(config.quantized)}): training needs ` +
        'the float weights; resume from a float checkpoint',
    );
  }
  loadWeights(model.encoder, join(folder, 'encoder.pt'));
  loadWeights(model.decoder, join(folder, 'decoder.pt'));
  for (const [which, optimizer] of Object.entries(optimizers) as [string, torch.optim.Optimizer][]) {
    const path = join(folder, `${which}_optimizer.pt`);
    const state = torch.load(path);
    try {
      optimizer.loadStateDict(state);
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`);
    } finally {
      torch.disposeAll(state);
    }
  }
}

/** The checkpoints of a training folder, as `epoch -> folder`, oldest first (those pruning has left). */
export function listCheckpoints(dir: string): { epoch: number; folder: string }[] {
  const root = join(dir, 'checkpoints');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((entry) => /^epoch-\d+$/.test(entry))
    .map((entry) => ({ epoch: Number(entry.slice('epoch-'.length)), folder: join(root, entry) }))
    .sort((a, b) => a.epoch - b.epoch);
}

/** A new trainer state for a run that starts now. */
export function newTrainerState<Options>(options: Options, seed: number): TrainerState<Options> {
  return { format: FORMAT, epoch: 0, options, history: [], rng: { seed, next_epoch: 1 } };
}
