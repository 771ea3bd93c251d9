/**
 * `seq2seq train`: from a corpus file to a training folder (checkpoints/, last, best, loss.json, loss.png; see
 * io/checkpoint.ts), in one of three modes: `batched` (default: mini-batches in C++ on a thread of its own),
 * `notebook` (the TypeScript mirror of the notebook, op by op) or `fused` (the notebook's per-sentence step in
 * one addon call). Every epoch ends in a checkpoint; `--resume DIR` continues a run exactly where it stopped.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatReport, readCorpus } from '../data/corpus.js';
import { buildDataset, samplePairs, type Dataset } from '../data/dataset.js';
import { EOS, SOS } from '../data/tokenize.js';
import { greedyDecodeBatch } from '../decode/batch-greedy.js';
import { displayWords } from '../decode/translate.js';
import { corpusBleu } from '../eval/bleu.js';
import {
  hasCheckpoint,
  newTrainerState,
  readCheckpoint,
  restoreCheckpoint,
  writeCheckpoint,
  type EpochRecord,
  type TrainerState,
} from '../io/checkpoint.js';
import { exportRunLosses, exportRunStart } from '../io/run-export.js';
import { resolveConfig, type ModelConfig } from '../model/config.js';
import { buildModel, describeModel, fullSizes, isNotebookModel, type ModelSizes } from '../model/architecture.js';
import { isLuong, type AttentionKind } from '../model/attention-kind.js';
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import { writeLossPlot } from '../plot/loss-plot.js';
import * as torch from '../torch/index.js';
import {
  resolveBatchedOptions,
  trainBatched,
  type BatchedOptions,
  type BatchedResult,
  type EpochReport,
} from '../train/batched.js';
import {
  defaultBackend,
  distributedFromEnv,
  initProcessGroup,
  workerDevice,
  type Backend,
  type ProcessGroup,
} from '../train/distributed.js';
import { trainFused } from '../train/fused.js';
import { trainNotebook, type NotebookLosses } from '../train/notebook.js';
import { writeFileAtomic } from '../util/atomic.js';
import { createProgress } from './progress.js';

/** Which validation measure picks the best checkpoint and drives early stopping. */
export type BestMetric = 'loss' | 'bleu';

export interface TrainCommand
  extends
    Partial<ModelConfig>,
    Pick<BatchedOptions, 'batchSize' | 'teacherForcing' | 'clip' | 'validFraction' | 'normalize'> {
  corpus?: string;
  /** The training folder to create. */
  out?: string;
  /** A training folder to continue: its options are kept, `epochs` and `patience` may grow. */
  resume?: string;
  swap?: boolean;
  exportRun?: string;
  /** `batched` (default), `notebook` (the TypeScript mirror, op by op) or `fused` (one addon call per sentence). */
  mode?: 'batched' | 'notebook' | 'fused';
  /** Batched: attention over the encoder's outputs; default `none` (the notebook's model). */
  attention?: AttentionKind;
  /** Batched: a bidirectional encoder (hidden / 2 per direction, states concatenated per layer). */
  bidirectional?: boolean;
  /** Batched, Luong attention: input feeding; default on. */
  inputFeed?: boolean;
  /** Batched: stop after this many epochs without a better validation measure. */
  patience?: number;
  /** Batched: the validation measure for the best checkpoint and early stopping; default `loss`. */
  bestMetric?: BestMetric;
  /** libtorch intra-op threads; default: every core. */
  threads?: number;
  /** Data-parallel training: this process is one worker of a job (default: WORLD_SIZE, RANK, ... if set). */
  worldSize?: number;
  rank?: number;
  masterAddr?: string;
  masterPort?: number;
  /** Seconds to wait for the other workers and for every collective; default 300. */
  timeout?: number;
  /** c10d backend; default NCCL on CUDA (when built with it), else Gloo. */
  backend?: Backend;
  /** Sample translations printed at the end. */
  samples?: number;
  /** Options given explicitly (on the command line), checked against `resume`. */
  given?: ReadonlySet<string>;
  /** Stops training (batched: after the current batch; notebook modes: after the current sentence). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** The options a run keeps in its checkpoints, so that `--resume` continues it with the same ones. */
export interface RunOptions {
  corpus: string;
  corpusSha256: string;
  swap: boolean;
  mode: 'batched' | 'notebook' | 'fused';
  instances: number;
  epochs: number;
  hidden: number;
  embedding: number;
  layers: number;
  /** Absent in runs started before attention existed: the notebook's model. */
  attention?: AttentionKind;
  bidirectional?: boolean;
  inputFeed?: boolean;
  lr: number;
  seed: number;
  batchSize?: number;
  teacherForcing?: number;
  clip?: number;
  validFraction?: number;
  normalize?: 'tokens' | 'sentences';
  patience?: number;
  bestMetric: BestMetric;
}

/** Options that a resumed run may change. */
const RESUMABLE = new Set([
  'epochs',
  'patience',
  'device',
  'threads',
  'samples',
  'resume',
  'out',
  'worldSize',
  'rank',
  'masterAddr',
  'masterPort',
  'timeout',
  'backend',
]);

/** What a run did: the notebook modes' losses, or the batched mode's epochs. */
export type TrainOutcome =
  | { mode: 'notebook' | 'fused'; losses: NotebookLosses; stopped: boolean }
  | { mode: 'batched'; result: BatchedResult; stopped: boolean; heldOutExactMatch?: number };

interface Run {
  cmd: TrainCommand;
  out: string;
  options: RunOptions;
  device: torch.Device;
  data: Dataset;
  encoder: Encoder;
  decoder: Decoder;
  optimizers: { encoder: torch.optim.Adam; decoder: torch.optim.Adam };
  trainer: TrainerState<RunOptions>;
  log: (line: string) => void;
  /** Data-parallel training: this worker's group. Only rank 0 writes files and logs. */
  group?: ProcessGroup;
}

/** Runs (or resumes) a training and writes its folder. */
export async function runTrain(cmd: TrainCommand): Promise<TrainOutcome> {
  const log = cmd.log ?? ((line: string) => console.log(line));
  const checkpoint = cmd.resume ? readCheckpoint<RunOptions>(cmd.resume) : undefined;
  const out = cmd.resume ?? cmd.out;
  if (!out) throw new Error('say where the run goes with --out DIR (or continue one with --resume DIR)');
  if (cmd.resume && cmd.out && resolve(cmd.out) !== resolve(cmd.resume)) {
    throw new Error('--resume continues in the folder it reads: leave out --out');
  }
  if (!checkpoint && hasCheckpoint(out)) {
    throw new Error(`${out} already holds a training run: continue it with --resume ${out}, or choose another --out`);
  }
  const options = checkpoint ? resumedOptions(checkpoint.trainer.options, cmd) : freshOptions(cmd);
  if (options.mode !== 'batched' && options.patience !== undefined) {
    throw new Error('--patience needs held-out pairs: use it with --mode batched');
  }
  if (cmd.exportRun && options.mode === 'batched') {
    throw new Error('--export-run replays the notebook loop in PyTorch: use it with --mode notebook or fused');
  }
  if (cmd.exportRun && checkpoint) throw new Error('--export-run records a whole run: it cannot be resumed');
  if (checkpoint && checkpoint.trainer.epoch >= options.epochs) {
    throw new Error(
      `${out} has trained ${checkpoint.trainer.epoch} of ${options.epochs} epochs: ask for more with --epochs N`,
    );
  }
  const dist =
    cmd.worldSize !== undefined
      ? {
          worldSize: cmd.worldSize,
          rank: cmd.rank ?? 0,
          masterAddr: cmd.masterAddr,
          masterPort: cmd.masterPort,
          timeout: cmd.timeout,
        }
      : distributedFromEnv();
  if (dist && dist.worldSize > 1 && options.mode !== 'batched') {
    throw new Error('data-parallel training (--world-size, WORLD_SIZE) needs --mode batched');
  }
  if (dist && dist.rank >= dist.worldSize)
    throw new Error(`rank ${dist.rank} is not below the world size ${dist.worldSize}`);
  // In a job, `cuda` is this worker's own GPU (LOCAL_RANK), as torchrun's users choose it.
  const device = dist && dist.worldSize > 1 ? workerDevice(cmd.device ?? 'cpu', dist.rank) : (cmd.device ?? 'cpu');
  if (cmd.backend === 'nccl' && !device.startsWith('cuda')) {
    throw new Error('--backend nccl moves CUDA tensors: train with --device cuda, or use --backend gloo');
  }
  // Every worker computes the same figures; only rank 0 speaks and writes files.
  const quiet = dist !== undefined && dist.worldSize > 1 && dist.rank !== 0;
  const say = quiet ? () => {} : log;
  if (cmd.threads !== undefined) torch.setNumThreads(cmd.threads);
  torch.zeros([1], { device }).dispose(); // an unusable device fails here, before any work

  const corpus = readCorpus(options.corpus, { swap: options.swap });
  const sha = sha256(options.corpus);
  if (checkpoint && sha !== options.corpusSha256) {
    throw new Error(`${options.corpus} changed since the run began: resuming would train on other pairs`);
  }
  options.corpusSha256 = sha;
  say(formatReport(corpus.report));
  const data = buildDataset(samplePairs(corpus.pairs, options.instances, options.seed));
  say(
    `${options.instances} pairs drawn; vocabularies: ${data.sourceVocab.size} source, ${data.targetVocab.size} target words; ` +
      `longest source ${data.maxSentLen} tokens`,
  );

  torch.manualSeed(options.seed);
  const sizes = runSizes(options);
  const built = buildModel(data.sourceVocab.size, data.targetVocab.size, sizes);
  const encoder = built.encoder.to(device);
  const decoder = built.decoder.to(device);
  if (!isNotebookModel(sizes)) say(`model: ${describeModel(sizes)}`);
  const optimizers = {
    encoder: new torch.optim.Adam(encoder.parameters(), { lr: options.lr }),
    decoder: new torch.optim.Adam(decoder.parameters(), { lr: options.lr }),
  };
  if (checkpoint) {
    restoreCheckpoint(checkpoint, { encoder, decoder }, optimizers);
    say(`resuming ${out} after epoch ${checkpoint.trainer.epoch} of ${options.epochs}`);
  }
  const trainer = checkpoint ? { ...checkpoint.trainer, options } : newTrainerState(options, options.seed);
  let group: ProcessGroup | undefined;
  if (dist && dist.worldSize > 1) {
    const backend = cmd.backend ?? defaultBackend(device);
    log(
      `rank ${dist.rank} of ${dist.worldSize} (${backend}, ${device}): waiting for the others at ${dist.masterAddr ?? '127.0.0.1'}:${dist.masterPort ?? 29500}`,
    );
    group = await initProcessGroup({ ...dist, timeout: cmd.timeout ?? dist.timeout, device, backend });
  }
  const run: Run = {
    cmd,
    out,
    options,
    device,
    data,
    encoder,
    decoder,
    optimizers,
    trainer,
    log: say,
    group,
  };
  return options.mode === 'batched' ? trainBatchedMode(run) : trainNotebookMode(run, options.mode);
}

/** The model's sizes and options as the run records them. */
function runSizes(options: RunOptions): ModelSizes {
  return {
    hidden: options.hidden,
    embedding: options.embedding,
    layers: options.layers,
    attention: options.attention,
    bidirectional: options.bidirectional,
    inputFeed: options.inputFeed,
  };
}

function freshOptions(cmd: TrainCommand): RunOptions {
  if (!cmd.corpus) throw new Error('say which corpus to train on with --corpus FILE');
  const config = resolveConfig(cmd);
  const mode = cmd.mode ?? 'batched';
  const batched = mode === 'batched';
  const attention = cmd.attention ?? 'none';
  if (!batched && (attention !== 'none' || cmd.bidirectional || cmd.inputFeed !== undefined)) {
    throw new Error(
      `--mode ${mode} trains the notebook's model: --attention, --bidirectional and --input-feed need --mode batched`,
    );
  }
  if (cmd.inputFeed !== undefined && !isLuong(attention)) {
    throw new Error(
      '--input-feed belongs to Luong attention: use it with --attention luong-dot|luong-general|luong-concat',
    );
  }
  if (cmd.bidirectional && config.hidden % 2 !== 0) {
    throw new Error(`--bidirectional gives each direction half of --hidden: make it even (not ${config.hidden})`);
  }
  const model = fullSizes({
    hidden: config.hidden,
    embedding: config.embedding,
    layers: config.layers,
    attention,
    bidirectional: cmd.bidirectional,
    inputFeed: cmd.inputFeed,
  });
  return {
    corpus: resolve(cmd.corpus),
    corpusSha256: '',
    swap: cmd.swap ?? false,
    mode,
    instances: config.instances,
    epochs: config.epochs,
    hidden: config.hidden,
    embedding: config.embedding,
    layers: config.layers,
    ...(batched ? { attention: model.attention, bidirectional: model.bidirectional, inputFeed: model.inputFeed } : {}),
    lr: config.lr,
    seed: config.seed,
    ...(batched ? batchedDefaults(cmd, config) : {}),
    patience: cmd.patience,
    bestMetric: cmd.bestMetric ?? 'loss',
  };
}

/** The batched options with their defaults resolved, so that a resumed run keeps them even if defaults change. */
function batchedDefaults(cmd: TrainCommand, config: ModelConfig): Partial<RunOptions> {
  const o = resolveBatchedOptions({ ...config, ...cmd, device: 'cpu' });
  return {
    batchSize: o.batchSize,
    teacherForcing: o.teacherForcing,
    clip: o.clip,
    validFraction: o.validFraction,
    normalize: o.normalize,
  };
}

function resumedOptions(saved: RunOptions, cmd: TrainCommand): RunOptions {
  const changed = [...(cmd.given ?? [])].filter((name) => !RESUMABLE.has(name));
  if (changed.length > 0) {
    const flags = changed.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
    throw new Error(
      `--resume continues with the run's own options; ${flags} cannot change (only --epochs, --patience)`,
    );
  }
  // Without a `given` set (library callers), every option passed counts as given.
  const given = (name: 'epochs' | 'patience'): boolean => (cmd.given ? cmd.given.has(name) : cmd[name] !== undefined);
  return {
    ...saved,
    epochs: given('epochs') ? cmd.epochs! : saved.epochs,
    patience: given('patience') ? cmd.patience : saved.patience,
  };
}

function sha256(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** Records an epoch, writes its checkpoint, and says whether it is the best so far. */
function checkpointEpoch(run: Run, record: EpochRecord): boolean {
  const { trainer, options } = run;
  trainer.epoch = record.epoch;
  trainer.history.push(record);
  trainer.rng.next_epoch = record.epoch + 1;
  const value = options.bestMetric === 'bleu' ? record.valid_bleu : record.valid_loss;
  let isBest = true;
  if (value !== undefined) {
    const best = trainer.best;
    isBest = !best || (options.bestMetric === 'bleu' ? value > best.value : value < best.value);
    if (isBest) trainer.best = { epoch: record.epoch, metric: `valid_${options.bestMetric}`, value };
  }
  const model = {
    sizes: runSizes(options),
    sourceVocab: run.data.sourceVocab,
    targetVocab: run.data.targetVocab,
    encoder: run.encoder,
    decoder: run.decoder,
  };
  if (!run.group || run.group.rank === 0) writeCheckpoint(run.out, model, run.optimizers, trainer, isBest);
  return isBest;
}

async function writeLosses(run: Run): Promise<void> {
  if (run.group && run.group.rank !== 0) return;
  const { history } = run.trainer;
  const notebook = run.options.mode !== 'batched';
  const lossJson = notebook
    ? {
        mode: run.options.mode,
        current_loss: history.map((e) => e.current_loss ?? null),
        mean_loss: history.map((e) => e.train_loss),
        seconds: history.map((e) => e.seconds),
      }
    : {
        mode: 'batched',
        train_loss: history.map((e) => e.train_loss),
        valid_loss: history.map((e) => e.valid_loss ?? null),
        valid_bleu: history.map((e) => e.valid_bleu ?? null),
        seconds: history.map((e) => e.seconds),
        best_epoch: run.trainer.best?.epoch ?? null,
      };
  writeFileAtomic(join(run.out, 'loss.json'), `${JSON.stringify(lossJson, null, 2)}\n`);
  if (history.length === 0) return;
  const series = notebook
    ? [
        {
          values: history.map((e) => e.current_loss ?? NaN),
          label: 'current_loss (last sentence of the epoch)',
          color: 'red',
        },
        { values: history.map((e) => e.train_loss), label: 'mean sentence loss of the epoch', color: '#1f77b4' },
      ]
    : [{ values: history.map((e) => e.train_loss), label: 'training loss per token', color: 'red' }];
  if (!notebook && history.some((e) => e.valid_loss !== undefined)) {
    series.push({
      values: history.map((e) => e.valid_loss ?? NaN),
      label: 'held-out loss per token',
      color: '#1f77b4',
    });
  }
  await writeLossPlot(join(run.out, 'loss.png'), series);
}

async function trainNotebookMode(run: Run, mode: 'notebook' | 'fused'): Promise<TrainOutcome> {
  const { cmd, options, data, encoder, decoder, log, device } = run;
  if (cmd.exportRun) {
    exportRunStart(cmd.exportRun, data, encoder, decoder, { ...resolveConfig(options), device });
  }
  const progress = createProgress('sentence');
  let losses: NotebookLosses;
  let started = performance.now();
  try {
    const train = mode === 'fused' ? trainFused : trainNotebook;
    losses = await train(encoder, decoder, data, {
      epochs: options.epochs,
      lr: options.lr,
      device,
      signal: cmd.signal,
      startEpoch: run.trainer.epoch,
      optimizers: run.optimizers,
      onProgress: (p) =>
        progress.update({ ...p, done: p.sentence, total: p.sentences, sentences: p.sentence, loss: p.loss }),
      onEpoch: async (epoch, sentenceLosses) => {
        progress.stop();
        const mean = sentenceLosses.reduce((a, b) => a + b, 0) / sentenceLosses.length;
        const current = sentenceLosses[sentenceLosses.length - 1]!;
        const seconds = (performance.now() - started) / 1000;
        log(
          `epoch ${epoch}/${options.epochs}: current_loss ${current.toFixed(3)}, mean ${mean.toFixed(3)} (${seconds.toFixed(1)} s)`,
        );
        checkpointEpoch(run, { epoch, train_loss: mean, current_loss: current, seconds });
        await writeLosses(run);
        started = performance.now();
      },
    });
  } catch (err) {
    progress.stop();
    if (cmd.signal?.aborted) {
      log(`stopped: the checkpoint of the last complete epoch is in ${run.out}/last`);
      return { mode, losses: { perSentence: [], currentLoss: [], meanLoss: [] }, stopped: true };
    }
    throw err;
  } finally {
    progress.stop();
  }
  if (cmd.exportRun) exportRunLosses(cmd.exportRun, losses);
  await logSamples(run, data.sources.map((_, i) => i).slice(0, cmd.samples ?? 5));
  log(`checkpoints, loss.json and loss.png written to ${run.out}`);
  return { mode, losses, stopped: false };
}

async function trainBatchedMode(run: Run): Promise<TrainOutcome> {
  const { cmd, options, data, encoder, decoder, log, device, trainer } = run;
  const progress = run.group && run.group.rank !== 0 ? { update() {}, stop() {} } : createProgress('batch');
  let validIndices: readonly number[] = [];
  let result: BatchedResult;
  try {
    result = await trainBatched(encoder, decoder, data, {
      epochs: options.epochs,
      lr: options.lr,
      device,
      seed: options.seed,
      batchSize: options.batchSize,
      teacherForcing: options.teacherForcing,
      clip: options.clip,
      validFraction: options.validFraction,
      normalize: options.normalize,
      signal: cmd.signal,
      startEpoch: trainer.epoch,
      optimizers: run.optimizers,
      group: run.group,
      onProgress: (p) => progress.update({ ...p, done: p.batch, total: p.batches }),
      onEpoch: async (e: EpochReport, split) => {
        progress.stop();
        validIndices = split.valid;
        const bleu = split.valid.length > 0 ? await validationBleu(run, split.valid) : undefined;
        const record: EpochRecord = { epoch: e.epoch, train_loss: e.trainLoss, seconds: e.seconds };
        if (e.validLoss !== undefined) record.valid_loss = e.validLoss;
        if (bleu !== undefined) record.valid_bleu = bleu;
        const isBest = checkpointEpoch(run, record);
        await writeLosses(run);
        const valid =
          e.validLoss === undefined ? '' : `, held-out loss ${e.validLoss.toFixed(4)}, BLEU ${bleu!.toFixed(2)}`;
        log(
          `epoch ${e.epoch}/${options.epochs}: training loss ${e.trainLoss.toFixed(4)} per token${valid}${isBest && valid ? ' (best)' : ''} ` +
            `(${e.sentences} sentences in ${e.seconds.toFixed(1)} s, ${(e.sentences / e.seconds).toFixed(0)} sentences/s)`,
        );
        const best = trainer.best;
        if (options.patience !== undefined && best && e.epoch - best.epoch >= options.patience) {
          log(`early stop: no better ${best.metric} for ${options.patience} epochs (best: epoch ${best.epoch})`);
          return 'stop';
        }
        return undefined;
      },
    });
  } finally {
    progress.stop();
  }
  await writeLosses(run);
  run.group?.close();
  if (result.stopped) {
    log(`stopped: the checkpoint of the last complete epoch is in ${run.out}/last`);
    return { mode: 'batched', result, stopped: true };
  }
  if (run.group && run.group.rank !== 0) return { mode: 'batched', result, stopped: false };
  const valid = validIndices.length > 0 ? validIndices : result.split.valid;
  if (valid.length > 0) log(`held out for validation: ${valid.length} distinct pairs never trained on`);
  const heldOutExactMatch = valid.length > 0 ? await exactMatch(run, valid) : undefined;
  if (heldOutExactMatch !== undefined) {
    log(`held-out exact match of greedy translations: ${(100 * heldOutExactMatch).toFixed(1)}%`);
  }
  await logSamples(run, (valid.length > 0 ? valid : result.split.train).slice(0, cmd.samples ?? 5));
  log(`checkpoints (last, best), loss.json and loss.png written to ${run.out}`);
  return { mode: 'batched', result, stopped: false, heldOutExactMatch };
}

/** Greedy translations of `indices`, each allowed as many steps as its reference has or `maxLength(j)`. */
function decode(run: Run, indices: readonly number[], free = false): Promise<number[][]> {
  const { data, encoder, decoder, device } = run;
  encoder.eval();
  decoder.eval();
  return greedyDecodeBatch(
    encoder,
    decoder,
    indices.map((j) => data.sources[j]!),
    {
      sos: data.targetVocab.index(SOS),
      eos: data.targetVocab.index(EOS),
      // The notebook's evaluation stops after as many steps as the target has; BLEU must not know that.
      maxLength: indices.map((j) => (free ? 2 * data.sources[j]!.length + 10 : data.targets[j]!.length)),
      device,
    },
  );
}

const words = (run: Run, ids: readonly number[]): string => displayWords(run.data.targetVocab.decode(ids)).join(' ');

/** Corpus BLEU of greedy translations of the held-out pairs, decoded without knowing the references' lengths. */
async function validationBleu(run: Run, indices: readonly number[]): Promise<number> {
  const outputs = await decode(run, indices, true);
  const hyps = outputs.map((ids) => words(run, ids));
  const refs = indices.map((j) => words(run, run.data.targets[j]!));
  return corpusBleu(hyps, [refs]).score;
}

/** The share of `indices` whose greedy translation is exactly the reference. */
async function exactMatch(run: Run, indices: readonly number[]): Promise<number> {
  const outputs = await decode(run, indices);
  const hits = indices.filter((j, k) => words(run, outputs[k]!) === words(run, run.data.targets[j]!)).length;
  return hits / indices.length;
}

async function logSamples(run: Run, indices: readonly number[]): Promise<void> {
  const { data, log } = run;
  const outputs = await decode(run, indices);
  indices.forEach((j, k) => {
    const src = data.sourceVocab.decode([...data.sources[j]!].reverse()).slice(1, -1);
    log(`  ${src.join(' ')}  ->  ${words(run, outputs[k]!)}`);
  });
}
