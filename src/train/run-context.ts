/** What the parts of a training run share: the model, its data and optimizers, its folder, and the caller's hooks. */
import type { CheckpointOptimizers, EpochRecord, TrainerState } from '../io/checkpoint.js';
import type { CheckpointWriter } from '../io/checkpoint-writer.js';
import type { ProcessGroup } from './distributed.js';
import type { RunOptions } from './run-options.js';
import type { NotebookLosses } from './notebook.js';
import type { Split } from './split.js';
import type { SampleTranslation, ValidationModel } from './validation.js';

/** Where an epoch stands: `done` of `total` steps (batches, or sentences in the notebook modes). */
export interface TrainProgress {
  /** What `done` and `total` count. */
  unit: 'batch' | 'sentence';
  epoch: number;
  epochs: number;
  done: number;
  total: number;
  /** Sentences trained so far in this epoch. */
  sentences: number;
  /** The batched mode: mean NLL per target token so far in the epoch; the notebook modes: the last sentence's loss. */
  loss: number;
}

/** How the caller follows and stops a run. */
export interface TrainHooks {
  /** Aborting stops training after the current batch (or sentence); the last complete epoch's checkpoint stays. */
  signal?: AbortSignal;
  /** Called about ten times a second (batched) or after every sentence (notebook modes); rank 0 only. */
  onProgress?: (progress: TrainProgress) => void;
  /**
   * Called after each epoch's checkpoint is taken and its loss files are written, with the epoch's record and the
   * run's state. The checkpoint's files may still be being written (see `checkpointWrites`).
   */
  onEpoch?: (record: EpochRecord, state: Readonly<TrainerState<RunOptions>>) => void | Promise<void>;
  /**
   * `background` (default): each epoch's weights and optimizer states are copied at its end and written while the
   * next epoch trains, one checkpoint at a time; `train()` returns (or throws) only once the last is complete.
   * `synchronous`: each checkpoint is written before training goes on (and before `onEpoch`). The files are the same.
   */
  checkpointWrites?: 'background' | 'synchronous';
  /** Receives every line the command line prints to stdout (rank 0 only, but for the rendezvous line); default: none. */
  log?: (line: string) => void;
}

/** @internal A run being trained. */
export interface RunContext extends ValidationModel {
  out: string;
  options: RunOptions;
  optimizers: CheckpointOptimizers;
  trainer: TrainerState<RunOptions>;
  hooks: TrainHooks;
  /** Logs, on rank 0 only. */
  say: (line: string) => void;
  /** Data-parallel training: this worker's group. Only rank 0 writes files and logs. */
  group?: ProcessGroup;
  /** Batched runs whose split was made before indexing (capped or subword vocabularies). */
  split?: Split;
  /** Notebook modes: the folder to export the run to for the PyTorch cross-check. */
  exportRun?: string;
  samples: number;
  /** The background writer of the run's checkpoints; absent: each is written before training goes on. */
  checkpoints?: CheckpointWriter;
}

/** @internal Whether this process writes the run's files (the only process, or rank 0 of a job). */
export function writesFiles(run: RunContext): boolean {
  return !run.group || run.group.rank === 0;
}

/** @internal What a mode's loop reports back to `train()`. */
export interface RunOutcome {
  stopped: boolean;
  earlyStopped: boolean;
  heldOutExactMatch?: number;
  samples: SampleTranslation[];
  losses?: NotebookLosses;
}

/** What a stopped run tells the user about what it kept. */
export function stoppedMessage(run: RunContext): string {
  return run.trainer.history.length > 0
    ? `stopped: the checkpoint of the last complete epoch is in ${run.out}/last`
    : 'stopped before the first epoch ended: no checkpoint was written';
}
