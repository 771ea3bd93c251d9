/**
 * Checkpoints written while training goes on. At an epoch's end the weights and optimizer states are copied (one
 * copy of the state, so the next epoch's updates cannot reach the files) with the texts of the other files; then
 * the files are written, fsynced and renamed, the folder renamed into place, `last` and `best` pointed at it and
 * the stale checkpoints removed, all as `writeCheckpoint` (checkpoint.ts) does and with the same bytes, but on
 * libuv's threads while the next epoch trains. One write is in flight at a time: the next one waits for it, and so
 * must whoever ends the run ({@link CheckpointWriter.close}); a write's error is thrown there, never dropped.
 * A crash at any moment leaves `last` pointing at a complete checkpoint, as with the synchronous write.
 */
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import * as torch from '../torch/index.js';
import { writeFileAtomicAsync } from '../util/atomic.js';
import {
  checkpointFiles,
  checkpointLinks,
  checkpointPaths,
  linkTempPath,
  staleCheckpoints,
  type CheckpointOptimizers,
  type OptimizerState,
  type TrainerState,
} from './checkpoint.js';
import type { FileToWrite, TrainedModel } from './model-files.js';

/** A checkpoint taken at an epoch's end, its weights and states copied: ready to write whenever. */
export interface CheckpointSnapshot {
  epoch: number;
  files: FileToWrite[];
  /** The copies of the weights and optimizer states the files are made of. */
  weights: { encoder: torch.nn.StateDict; decoder: torch.nn.StateDict };
  states: { encoder: OptimizerState; decoder: OptimizerState };
  /** Frees the copies. */
  dispose(): void;
}

/**
 * Copies what checkpoint `trainer.epoch` holds: the modules' weights and the optimizers' states (one copy of
 * each tensor), the trainer state, vocabularies and config as text. Later training changes none of it. With
 * `reuse` (an earlier snapshot, written and no longer needed) the copies go into its tensors instead of new ones:
 * fresh memory for hundreds of megabytes costs more page faults than the copy itself.
 */
export function snapshotCheckpoint(
  model: Omit<TrainedModel, 'device'>,
  optimizers: CheckpointOptimizers,
  trainer: TrainerState<unknown>,
  reuse?: CheckpointSnapshot,
): CheckpointSnapshot {
  const reused = new Set<torch.Tensor>();
  const copy = (own: torch.Tensor, into: torch.Tensor | undefined): torch.Tensor => {
    if (into && !into.isDisposed && sameLayout(own, into)) {
      reused.add(into.copy_(own));
      return into;
    }
    return own.clone();
  };
  const weights = {
    encoder: copyWeights(model.encoder.stateDict(), reuse?.weights.encoder, copy),
    decoder: copyWeights(model.decoder.stateDict(), reuse?.weights.decoder, copy),
  };
  const states = {
    encoder: copyOptimizerState(optimizers.encoder, reuse?.states.encoder, copy),
    decoder: copyOptimizerState(optimizers.decoder, reuse?.states.decoder, copy),
  };
  if (reuse) for (const t of snapshotTensors(reuse)) if (!reused.has(t)) t.dispose();
  const snapshot: CheckpointSnapshot = {
    epoch: trainer.epoch,
    files: checkpointFiles(model, weights, states, trainer),
    weights,
    states,
    dispose: () => {
      for (const t of snapshotTensors(snapshot)) t.dispose();
    },
  };
  return snapshot;
}

type Copy = (own: torch.Tensor, into: torch.Tensor | undefined) => torch.Tensor;

const sameLayout = (a: torch.Tensor, b: torch.Tensor): boolean =>
  a.dtype === b.dtype &&
  a.device === b.device &&
  a.shape.length === b.shape.length &&
  a.shape.every((n, i) => n === b.shape[i]);

/** Copies of a state dict's tensors (the module's own are views of its parameters, which training changes). */
function copyWeights(own: torch.nn.StateDict, into: torch.nn.StateDict | undefined, copy: Copy): torch.nn.StateDict {
  const copies = Object.fromEntries(Object.entries(own).map(([name, t]) => [name, copy(t, into?.[name])]));
  for (const t of Object.values(own)) t.dispose();
  return copies;
}

/** A copy of an optimizer's `stateDict()`, read from its own tensors without copying them twice. */
function copyOptimizerState(
  optimizer: torch.optim.Optimizer,
  into: OptimizerState | undefined,
  copy: Copy,
): OptimizerState {
  const own = optimizer.stateDict({ copy: false });
  const state = new Map<number, Record<string, torch.Tensor>>();
  for (const [index, entry] of own.state) {
    const prior = into?.state.get(index);
    const copies: Record<string, torch.Tensor> = {};
    for (const [key, t] of Object.entries(entry)) {
      // Adam's step is a new scalar already, the rest the optimizer's own tensors.
      if (key === 'step') copies[key] = t;
      else {
        copies[key] = copy(t, prior?.[key]);
        t.dispose();
      }
    }
    state.set(index, copies);
  }
  return { state, param_groups: own.param_groups };
}

function snapshotTensors(snapshot: Pick<CheckpointSnapshot, 'weights' | 'states'>): torch.Tensor[] {
  const { weights, states } = snapshot;
  return [
    ...Object.values(weights.encoder),
    ...Object.values(weights.decoder),
    ...[states.encoder, states.decoder].flatMap((s) => [...s.state.values()].flatMap((e) => Object.values(e))),
  ];
}

/**
 * Writes `snapshot` into the training folder `dir` as `writeCheckpoint` would. File by file on libuv's threads; only
 * the zip headers, CRCs and pickles are made on this thread, between the writes.
 */
export async function writeSnapshot(
  dir: string,
  snapshot: CheckpointSnapshot,
  isBest: boolean,
  keep = 0,
): Promise<string> {
  const { root, tmp, final } = checkpointPaths(dir, snapshot.epoch);
  await fsp.mkdir(root, { recursive: true });
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp);
  for (const file of snapshot.files) await writeFileAtomicAsync(join(tmp, file.name), file.data());
  await fsp.rm(final, { recursive: true, force: true });
  await fsp.rename(tmp, final);
  for (const [link, target] of checkpointLinks(snapshot.epoch, isBest)) {
    const linkTmp = linkTempPath(dir, link);
    await fsp.rm(linkTmp, { force: true });
    await fsp.symlink(target, linkTmp);
    await fsp.rename(linkTmp, join(dir, link));
  }
  for (const folder of staleCheckpoints(dir, keep)) await fsp.rm(folder, { recursive: true, force: true });
  return final;
}

/**
 * Writes a run's checkpoints in the background, one at a time; see the module's comment. It keeps the copies of the
 * last checkpoint for the next one's (one copy of the state, held until {@link CheckpointWriter.close}).
 */
export class CheckpointWriter {
  #inFlight: Promise<void> | undefined;
  #failure: Error | undefined;
  #taking = false;
  /** The snapshot last written (or being written): its tensors take the next snapshot's copies. */
  #last: CheckpointSnapshot | undefined;

  /**
   * Takes checkpoint `trainer.epoch` now (copies of the weights, states and trainer state) and starts writing it
   * into `dir` (`writeCheckpoint`'s arguments). Waits first for the previous write, and throws its error instead of
   * taking a new checkpoint when it failed.
   */
  async write(
    dir: string,
    model: Omit<TrainedModel, 'device'>,
    optimizers: CheckpointOptimizers,
    trainer: TrainerState<unknown>,
    isBest: boolean,
    keep = 0,
  ): Promise<void> {
    if (this.#taking) throw new Error('CheckpointWriter.write() called again before the previous call returned');
    this.#taking = true;
    try {
      await this.settled();
      // The previous write is over: its copies are free to take this one's.
      const snapshot = snapshotCheckpoint(model, optimizers, trainer, this.#last);
      this.#last = snapshot;
      const epoch = snapshot.epoch;
      // Never rejects: the error waits in #failure for settled() (no unhandled rejection, none lost).
      this.#inFlight = writeSnapshot(dir, snapshot, isBest, keep).then(
        () => undefined,
        (err: unknown) => {
          this.#failure = new Error(
            `${dir}: writing the checkpoint of epoch ${epoch} failed: ${err instanceof Error ? err.message : String(err)}`,
            { cause: err },
          );
        },
      );
    } finally {
      this.#taking = false;
    }
  }

  /** Waits until no write is in flight; throws the error of a write that failed (once). */
  async settled(): Promise<void> {
    await this.#inFlight;
    this.#inFlight = undefined;
    const failure = this.#failure;
    this.#failure = undefined;
    if (failure) throw failure;
  }

  /** {@link settled}, then frees the copies it keeps. The writer may write again (into new copies). */
  async close(): Promise<void> {
    try {
      await this.settled();
    } finally {
      this.#last?.dispose();
      this.#last = undefined;
    }
  }
}
