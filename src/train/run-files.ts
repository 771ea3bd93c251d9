/**
 * The files a run writes after every epoch: its checkpoint (io/checkpoint.ts: checkpoints/epoch-N, last, and
 * best when the epoch is the best so far), loss.json (the losses per epoch, as the notebook's lists) and
 * loss.png (their plot; batched runs: with the learning rate of metrics.jsonl, written by run-metrics.ts). Only the
 * process that writes files writes them.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeCheckpoint, type EpochRecord } from '../io/checkpoint.js';
import { writeLossPlot, type LossSeries } from '../plot/loss-plot.js';
import { writeFileAtomic } from '../util/atomic.js';
import { writeRunConfig } from './config-file.js';
import { updateBest } from './early-stopping.js';
import { readMetrics } from './run-metrics.js';
import { writesFiles, type RunContext } from './run-context.js';

/**
 * Records an epoch in the trainer state, takes its checkpoint, and says whether it is the best so far. With the
 * run's background writer the checkpoint's files are written while the next epoch trains (this waits for the
 * previous epoch's write first, and throws its error); without, they are written before this returns.
 */
export async function saveEpoch(run: RunContext, record: EpochRecord): Promise<boolean> {
  const { trainer, options } = run;
  trainer.epoch = record.epoch;
  trainer.history.push(record);
  trainer.rng.next_epoch = record.epoch + 1;
  const isBest = updateBest(trainer, record, options.bestMetric);
  const model = {
    sizes: run.options,
    sourceVocab: run.data.sourceVocab,
    targetVocab: run.data.targetVocab,
    encoder: run.encoder,
    decoder: run.decoder,
    ...(run.data.segmenters ? { segmenters: run.data.segmenters } : {}),
  };
  if (writesFiles(run)) {
    // The run's folder, for the files beside the checkpoint, before the background writer gets to make it.
    mkdirSync(run.out, { recursive: true });
    const keep = run.options.keepCheckpoints ?? 0;
    if (run.checkpoints) await run.checkpoints.write(run.out, model, run.optimizers, trainer, isBest, keep);
    else writeCheckpoint(run.out, model, run.optimizers, trainer, isBest, keep);
    writeRunConfig(run.out, run.options);
  }
  return isBest;
}

/**
 * Waits for the run's checkpoint write in flight, if any, and frees the writer's copies; throws the write's error.
 * Before anything says the run is over.
 */
export async function checkpointsWritten(run: RunContext): Promise<void> {
  await run.checkpoints?.close();
}

/** Writes loss.json and loss.png from the run's history. */
export async function writeLossFiles(run: RunContext): Promise<void> {
  const { history } = run.trainer;
  // A run stopped before its first epoch ended has nothing to show (and perhaps no folder yet).
  if (!writesFiles(run) || history.length === 0) return;
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
  const series: LossSeries[] = notebook
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
  // The learning rate, as metrics.jsonl logged it (batched runs).
  const rates = notebook ? undefined : readMetrics(run.out).map((line) => ({ step: line.step, lr: line.lr }));
  await writeLossPlot(join(run.out, 'loss.png'), series, undefined, rates);
}
