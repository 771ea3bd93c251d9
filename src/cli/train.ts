/**
 * `seq2seq train`: from a corpus file to a model folder (config.json, model.pt), loss.json and loss.png, in one
 * of three modes: `batched` (default: mini-batches in C++ on a thread of its own), `notebook` (the TypeScript
 * mirror of the notebook, op by op) or `fused` (the notebook's per-sentence step in one addon call).
 */
import { join } from 'node:path';
import { formatReport, readCorpus } from '../data/corpus.js';
import { buildDataset, samplePairs, type Dataset } from '../data/dataset.js';
import { EOS, SOS } from '../data/tokenize.js';
import { greedyDecodeBatch } from '../decode/batch-greedy.js';
import { displayWords } from '../decode/translate.js';
import { saveModel } from '../io/model-files.js';
import { exportRunLosses, exportRunStart } from '../io/run-export.js';
import { resolveConfig, type ModelConfig } from '../model/config.js';
import { Decoder } from '../model/decoder.js';
import { Encoder } from '../model/encoder.js';
import { writeLossPlot } from '../plot/loss-plot.js';
import * as torch from '../torch/index.js';
import { trainBatched, type BatchedOptions, type BatchedResult, type EpochReport } from '../train/batched.js';
import { trainFused } from '../train/fused.js';
import { trainNotebook, type NotebookLosses } from '../train/notebook.js';
import { writeFileAtomic } from '../util/atomic.js';
import { createProgress } from './progress.js';

export interface TrainCommand
  extends
    Partial<ModelConfig>,
    Pick<BatchedOptions, 'batchSize' | 'teacherForcing' | 'clip' | 'validFraction' | 'normalize'> {
  corpus: string;
  out: string;
  swap?: boolean;
  exportRun?: string;
  /** `batched` (default), `notebook` (the TypeScript mirror, op by op) or `fused` (one addon call per sentence). */
  mode?: 'batched' | 'notebook' | 'fused';
  /** libtorch intra-op threads; default: every core. */
  threads?: number;
  /** Sample translations printed at the end. */
  samples?: number;
  /** Stops training (batched: after the current batch; notebook modes: after the current sentence). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** What a run did: the notebook modes' losses, or the batched mode's epochs. */
export type TrainOutcome =
  | { mode: 'notebook' | 'fused'; losses: NotebookLosses; stopped: false }
  | { mode: 'batched'; result: BatchedResult; stopped: boolean; heldOutExactMatch?: number };

interface Run {
  cmd: TrainCommand;
  config: ModelConfig;
  data: Dataset;
  encoder: Encoder;
  decoder: Decoder;
  log: (line: string) => void;
}

/** Runs a whole training and writes DIR/{config.json, model.pt, loss.json, loss.png}. */
export async function runTrain(cmd: TrainCommand): Promise<TrainOutcome> {
  const log = cmd.log ?? ((line: string) => console.log(line));
  const config = resolveConfig(cmd);
  const mode = cmd.mode ?? 'batched';
  if (cmd.exportRun && mode === 'batched') {
    throw new Error('--export-run replays the notebook loop in PyTorch: use it with --mode notebook or fused');
  }
  if (cmd.threads !== undefined) torch.setNumThreads(cmd.threads);
  torch.zeros([1], { device: config.device }).dispose(); // an unusable device fails here, before any work

  const corpus = readCorpus(cmd.corpus, { swap: cmd.swap });
  log(formatReport(corpus.report));
  const data = buildDataset(samplePairs(corpus.pairs, config.instances, config.seed));
  log(
    `${config.instances} pairs drawn; vocabularies: ${data.sourceVocab.size} source, ${data.targetVocab.size} target words; ` +
      `longest source ${data.maxSentLen} tokens`,
  );

  torch.manualSeed(config.seed);
  const encoder = new Encoder(data.sourceVocab.size, config.hidden, config.embedding, config.layers).to(config.device);
  const decoder = new Decoder(data.targetVocab.size, config.hidden, config.embedding, config.layers).to(config.device);
  const run: Run = { cmd, config, data, encoder, decoder, log };
  return mode === 'batched' ? trainBatchedMode(run) : trainNotebookMode(run, mode);
}

function save(run: Run): void {
  const { cmd, config, data, encoder, decoder } = run;
  saveModel(cmd.out, { config, sourceVocab: data.sourceVocab, targetVocab: data.targetVocab, encoder, decoder });
}

async function trainNotebookMode(run: Run, mode: 'notebook' | 'fused'): Promise<TrainOutcome> {
  const { cmd, config, data, encoder, decoder, log } = run;
  if (cmd.exportRun) exportRunStart(cmd.exportRun, data, encoder, decoder, config);
  const progress = createProgress('sentence');
  let losses: NotebookLosses;
  try {
    const train = mode === 'fused' ? trainFused : trainNotebook;
    losses = await train(encoder, decoder, data, {
      ...config,
      signal: cmd.signal,
      onProgress: (p) =>
        progress.update({ ...p, done: p.sentence, total: p.sentences, sentences: p.sentence, loss: p.loss }),
    });
  } finally {
    progress.stop();
  }
  if (cmd.exportRun) exportRunLosses(cmd.exportRun, losses);

  save(run);
  const lossJson = { mode, current_loss: losses.currentLoss, mean_loss: losses.meanLoss };
  writeFileAtomic(join(cmd.out, 'loss.json'), `${JSON.stringify(lossJson, null, 2)}\n`);
  await writeLossPlot(join(cmd.out, 'loss.png'), [
    { values: losses.currentLoss, label: 'current_loss (last sentence of the epoch)', color: 'red' },
    { values: losses.meanLoss, label: 'mean sentence loss of the epoch', color: '#1f77b4' },
  ]);
  log(`current_loss per epoch: ${losses.currentLoss.map((l) => l.toFixed(3)).join(' ')}`);
  log(`mean loss per epoch:    ${losses.meanLoss.map((l) => l.toFixed(3)).join(' ')}`);
  await logSamples(run, data.sources.map((_, i) => i).slice(0, cmd.samples ?? 5));
  log(`model, loss.json and loss.png written to ${cmd.out}`);
  return { mode, losses, stopped: false };
}

async function trainBatchedMode(run: Run): Promise<TrainOutcome> {
  const { cmd, config, data, encoder, decoder, log } = run;
  const epochs: EpochReport[] = [];
  const writeLosses = async (): Promise<void> => {
    const lossJson = {
      mode: 'batched',
      train_loss: epochs.map((e) => e.trainLoss),
      valid_loss: epochs.map((e) => e.validLoss ?? null),
      seconds: epochs.map((e) => e.seconds),
    };
    writeFileAtomic(join(cmd.out, 'loss.json'), `${JSON.stringify(lossJson, null, 2)}\n`);
    if (epochs.length === 0) return;
    const series = [{ values: epochs.map((e) => e.trainLoss), label: 'training loss per token', color: 'red' }];
    if (epochs.some((e) => e.validLoss !== undefined)) {
      series.push({
        values: epochs.map((e) => e.validLoss ?? NaN),
        label: 'held-out loss per token',
        color: '#1f77b4',
      });
    }
    await writeLossPlot(join(cmd.out, 'loss.png'), series);
  };

  const progress = createProgress('batch');
  let result: BatchedResult;
  try {
    result = await trainBatched(encoder, decoder, data, {
      ...config,
      batchSize: cmd.batchSize,
      teacherForcing: cmd.teacherForcing,
      clip: cmd.clip,
      validFraction: cmd.validFraction,
      normalize: cmd.normalize,
      signal: cmd.signal,
      onProgress: (p) => progress.update({ ...p, done: p.batch, total: p.batches }),
      onEpoch: (e) => {
        epochs.push(e);
        progress.stop();
        const valid = e.validLoss === undefined ? '' : `, held-out loss ${e.validLoss.toFixed(4)}`;
        log(
          `epoch ${e.epoch}/${config.epochs}: training loss ${e.trainLoss.toFixed(4)} per token${valid} ` +
            `(${e.sentences} sentences in ${e.seconds.toFixed(1)} s, ${(e.sentences / e.seconds).toFixed(0)} sentences/s)`,
        );
        // Every epoch leaves a complete model on disk: a later crash or Ctrl-C loses at most one epoch.
        save(run);
      },
    });
  } finally {
    progress.stop();
  }
  save(run);
  await writeLosses();
  if (result.stopped) {
    log(`stopped: the model after the last complete batch is in ${cmd.out}`);
    return { mode: 'batched', result, stopped: true };
  }
  const { valid, train } = result.split;
  if (valid.length > 0) log(`held out for validation: ${valid.length} distinct pairs never trained on`);
  const heldOutExactMatch = valid.length > 0 ? await exactMatch(run, valid) : undefined;
  if (heldOutExactMatch !== undefined) {
    log(`held-out exact match of greedy translations: ${(100 * heldOutExactMatch).toFixed(1)}%`);
  }
  await logSamples(run, (valid.length > 0 ? valid : train).slice(0, cmd.samples ?? 5));
  log(`model, loss.json and loss.png written to ${cmd.out}`);
  return { mode: 'batched', result, stopped: false, heldOutExactMatch };
}

function decode(run: Run, indices: readonly number[]): Promise<number[][]> {
  const { data, encoder, decoder, config } = run;
  encoder.eval();
  decoder.eval();
  return greedyDecodeBatch(
    encoder,
    decoder,
    indices.map((j) => data.sources[j]!),
    {
      sos: data.targetVocab.index(SOS),
      eos: data.targetVocab.index(EOS),
      // The notebook's evaluation stops after as many steps as the target has.
      maxLength: indices.map((j) => data.targets[j]!.length),
      device: config.device,
    },
  );
}

/** The share of `indices` whose greedy translation is exactly the reference. */
async function exactMatch(run: Run, indices: readonly number[]): Promise<number> {
  const outputs = await decode(run, indices);
  const { targetVocab } = run.data;
  const words = (ids: readonly number[]): string => displayWords(targetVocab.decode(ids)).join(' ');
  const hits = indices.filter((j, k) => words(outputs[k]!) === words(run.data.targets[j]!)).length;
  return hits / indices.length;
}

async function logSamples(run: Run, indices: readonly number[]): Promise<void> {
  const { data, log } = run;
  const outputs = await decode(run, indices);
  indices.forEach((j, k) => {
    const src = data.sourceVocab.decode([...data.sources[j]!].reverse()).slice(1, -1);
    log(`  ${src.join(' ')}  ->  ${displayWords(data.targetVocab.decode(outputs[k]!)).join(' ')}`);
  });
}
