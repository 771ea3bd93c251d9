/**
 * A training run as library code: `train(options, hooks)` creates a training folder (`options.out`) or continues
 * one (`options.resume`), trains in the batched, notebook or fused mode, writes a checkpoint and the loss files
 * after every epoch, and returns the run's history. The command line's `seq2seq train` is this call with flags,
 * progress bars and exit codes around it, so a folder started by either continues with the other.
 */
import { formatReport, readCorpus } from '../data/corpus.js';
import { newTrainerState, restoreCheckpoint, type EpochRecord } from '../io/checkpoint.js';
import { CheckpointWriter } from '../io/checkpoint-writer.js';
import { readVocabularies, type TrainedModel } from '../io/model-files.js';
import { buildModel, checkTrainingFits, describeModel, fullSizes, isNotebookModel } from '../model/architecture.js';
import * as torch from '../torch/index.js';
import { maxOf } from '../util/array.js';
import {
  defaultBackend,
  distributedFromEnv,
  initProcessGroup,
  workerDevice,
  type ProcessGroup,
} from './distributed.js';
import type { NotebookLosses } from './notebook.js';
import { trainBatchedRun } from './run-batched.js';
import type { RunContext, RunOutcome, TrainHooks } from './run-context.js';
import { checkpointsWritten } from './run-files.js';
import { trainNotebookRun } from './run-notebook.js';
import { withConfigFile } from './config-file.js';
import {
  checkTrainOptions,
  runOptionDefault,
  type RunOptions,
  type TrainMode,
  type TrainOptions,
} from './run-options.js';
import { prepareRunData } from './run-data.js';
import { checkPrecision } from './precision.js';
import { resolveRun, sha256 } from './run-resolve.js';
import { runOptimizers } from './run-optimisation.js';
import type { SampleTranslation } from './validation.js';

/** What a run did. */
export interface TrainResult {
  /** The training folder. */
  out: string;
  mode: TrainMode;
  /** The options the run keeps (trainer.json). */
  options: RunOptions;
  /** Every epoch of the run so far, those of earlier (resumed) calls included. */
  history: EpochRecord[];
  /** The best epoch by the validation measure (batched), or the last one. */
  bestEpoch?: number;
  /** True when the signal stopped training; the last complete epoch's checkpoint is in `out/last`. */
  stopped: boolean;
  /** True when patience ran out. */
  earlyStopped: boolean;
  /** Batched: the share of held-out pairs whose greedy translation is exactly the reference. */
  heldOutExactMatch?: number;
  /** Greedy translations of a few held-out pairs (or training pairs, without any). */
  samples: SampleTranslation[];
  /** Notebook modes: the losses of the epochs this call trained, as the notebook keeps them. */
  losses?: NotebookLosses;
  /**
   * The model as training left it (the last epoch's weights, in training mode); `loadModel(out)` reads the best
   * checkpoint instead.
   */
  model: TrainedModel;
}

/** Trains a model as the options say, in a new training folder or continuing one; see {@link TrainOptions}. */
export async function train(given: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  checkTrainOptions(given);
  if (hooks.checkpointWrites !== undefined && !['background', 'synchronous'].includes(hooks.checkpointWrites)) {
    throw new Error(
      `checkpointWrites: expected background or synchronous, got ${JSON.stringify(hooks.checkpointWrites)}`,
    );
  }
  const options = withConfigFile(given);
  const log = hooks.log ?? (() => {});
  const { out, options: runOptions, checkpoint } = resolveRun(options);
  const job =
    options.worldSize !== undefined
      ? {
          worldSize: options.worldSize,
          rank: options.rank ?? 0,
          masterAddr: options.masterAddr,
          masterPort: options.masterPort,
        }
      : distributedFromEnv();
  const parallel = job !== undefined && job.worldSize > 1;
  if (parallel && runOptions.mode !== 'batched') {
    throw new Error('data-parallel training (--world-size, WORLD_SIZE) needs --mode batched');
  }
  if (parallel && runOptions.maxTokens !== undefined) {
    // Workers share each global batch sentence by sentence: a batch of one long sentence has no share for most.
    throw new Error('--max-tokens is not supported in data-parallel training: use --batch-size there');
  }
  if (job && job.rank >= job.worldSize)
    throw new Error(`rank ${job.rank} is not below the world size ${job.worldSize}`);
  const requested = options.device ?? runOptionDefault('device');
  // In a job, `cuda` is this worker's own GPU (LOCAL_RANK), as torchrun's users choose it.
  const device = parallel ? workerDevice(requested, job.rank) : requested;
  if (options.backend === 'nccl' && !device.startsWith('cuda')) {
    throw new Error('--backend nccl moves CUDA tensors: train with --device cuda, or use --backend gloo');
  }
  // Every worker computes the same figures; only rank 0 speaks and writes files.
  const quiet = parallel && job.rank !== 0;
  const say = quiet ? () => {} : log;
  if (options.threads !== undefined) torch.setNumThreads(options.threads);
  torch.zeros([1], { device }).dispose(); // an unusable device fails here, before any work
  checkPrecision(runOptions.precision ?? 'fp32', device);

  const corpus = readCorpus(runOptions.corpus, { swap: runOptions.swap });
  const sha = sha256(runOptions.corpus);
  if (checkpoint && sha !== runOptions.corpusSha256) {
    throw new Error(`${runOptions.corpus} changed since the run began: resuming would train on other pairs`);
  }
  runOptions.corpusSha256 = sha;
  const keepsVocabularies =
    checkpoint &&
    (runOptions.vocab === 'subword' || runOptions.maxVocab !== undefined || runOptions.minFreq !== undefined);
  const prepared = await prepareRunData(
    corpus.pairs,
    runOptions,
    corpus.report,
    keepsVocabularies ? readVocabularies(checkpoint.folder) : undefined,
  );
  say(formatReport(corpus.report));
  for (const line of prepared.lines) say(line);
  const { data } = prepared;

  checkTrainingFits(data.sourceVocab.size, data.targetVocab.size, runOptions, {
    sentences:
      runOptions.mode !== 'batched'
        ? 1
        : runOptions.maxTokens !== undefined
          ? Math.max(
              1,
              Math.ceil(
                runOptions.maxTokens /
                  Math.max(
                    1,
                    maxOf(data.targets, (t) => t.length),
                  ),
              ),
            )
          : (runOptions.batchSize ?? runOptionDefault('batchSize')),
    sourceLength: data.maxSentLen,
    targetLength: maxOf(data.targets, (t) => t.length),
  });
  torch.manualSeed(runOptions.seed);
  const built = buildModel(data.sourceVocab.size, data.targetVocab.size, runOptions);
  const encoder = built.encoder.to(device);
  const decoder = built.decoder.to(device);
  if (!isNotebookModel(runOptions)) say(`model: ${describeModel(runOptions)}`);
  const optimizers = runOptimizers(encoder.parameters(), decoder.parameters(), runOptions);
  if (checkpoint) {
    restoreCheckpoint(checkpoint, { encoder, decoder }, optimizers);
    say(`resuming ${out} after epoch ${checkpoint.trainer.epoch} of ${runOptions.epochs}`);
  }
  const trainer = checkpoint
    ? { ...checkpoint.trainer, options: runOptions }
    : newTrainerState(runOptions, runOptions.seed);
  let group: ProcessGroup | undefined;
  if (parallel) {
    const backend = options.backend ?? defaultBackend(device);
    const timeout = options.timeout ?? runOptionDefault('timeout');
    log(
      `rank ${job.rank} of ${job.worldSize} (${backend}, ${device}): waiting for the others at ${job.masterAddr ?? '127.0.0.1'}:${job.masterPort ?? 29500}`,
    );
    group = await initProcessGroup({ ...job, timeout, device, backend });
  }
  const run: RunContext = {
    out,
    options: runOptions,
    device,
    data,
    ...(prepared.split ? { split: prepared.split } : {}),
    encoder,
    decoder,
    optimizers,
    trainer,
    hooks: quiet ? { ...hooks, onProgress: undefined } : hooks,
    say,
    ...(group ? { group } : {}),
    ...(options.exportRun ? { exportRun: options.exportRun } : {}),
    samples: options.samples ?? runOptionDefault('samples'),
    ...(hooks.checkpointWrites === 'synchronous' ? {} : { checkpoints: new CheckpointWriter() }),
  };
  let outcome: RunOutcome;
  try {
    outcome = runOptions.mode === 'batched' ? await trainBatchedRun(run) : await trainNotebookRun(run);
  } catch (err) {
    // A checkpoint still being written is finished (or fails) before the run's error is thrown: none is lost.
    try {
      await checkpointsWritten(run);
    } catch (writeErr) {
      throw new AggregateError([err, writeErr], `${(err as Error).message}; and ${(writeErr as Error).message}`);
    }
    throw err;
  }
  return {
    out,
    mode: runOptions.mode,
    options: runOptions,
    history: trainer.history,
    ...(trainer.best ? { bestEpoch: trainer.best.epoch } : trainer.epoch > 0 ? { bestEpoch: trainer.epoch } : {}),
    ...outcome,
    model: {
      sizes: fullSizes(runOptions),
      sourceVocab: data.sourceVocab,
      targetVocab: data.targetVocab,
      encoder,
      decoder,
      device,
      ...(data.segmenters ? { segmenters: data.segmenters } : {}),
    },
  };
}
