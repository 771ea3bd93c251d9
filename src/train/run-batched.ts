/**
 * The batched mode of a run: `trainBatched` with, after every epoch, held-out BLEU, the checkpoint and loss
 * files, and early stopping; at the end the held-out exact-match rate and sample translations.
 */
import type { EpochRecord } from '../io/checkpoint.js';
import { trainBatched, type BatchedResult, type EpochReport } from './batched.js';
import { patienceExhausted } from './early-stopping.js';
import { stoppedMessage, writesFiles, type RunContext, type RunOutcome } from './run-context.js';
import { checkpointsWritten, saveEpoch, writeLossFiles } from './run-files.js';
import { exactMatch, sampleTranslations, validationBleu } from './validation.js';
import { afterEpoch, checkScheduleState, epochRates, initialScheduleState } from './lr-schedule.js';
import { scheduleOptions, stateOfOlderRun } from './run-optimisation.js';
import { epochMetrics, writeEpochMetrics } from './run-metrics.js';
import { runOptionDefault } from './run-options.js';
import { join } from 'node:path';

/** Trains the run's remaining epochs in mini-batches. */
export async function trainBatchedRun(run: RunContext): Promise<RunOutcome> {
  const { options, data, encoder, decoder, say, device, trainer, hooks } = run;
  let validIndices: readonly number[] = [];
  const schedule = scheduleOptions(options);
  // The schedule continues from the checkpoint's state (a run of an older version: its updates counted again).
  let scheduleState = trainer.schedule
    ? checkScheduleState(schedule, trainer.schedule, join(run.out, 'last', 'trainer.json'))
    : trainer.epoch > 0
      ? stateOfOlderRun(run)
      : initialScheduleState(schedule);
  const accumulate = options.accumulate ?? runOptionDefault('accumulate');
  const result: BatchedResult = await trainBatched(encoder, decoder, data, {
    epochs: options.epochs,
    lr: options.lr,
    device,
    seed: options.seed,
    batchSize: options.batchSize,
    teacherForcing: options.teacherForcing,
    clip: options.clip,
    validFraction: options.validFraction,
    normalize: options.normalize,
    // Absent in runs without them (and in runs older than them): off, whatever the table's default.
    dropout: options.dropout ?? 0,
    labelSmoothing: options.labelSmoothing ?? 0,
    precision: options.precision ?? 'fp32',
    accumulate,
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
    // Constant: the optimizers keep their rate, as before schedules existed.
    learningRates:
      schedule.schedule === 'constant'
        ? undefined
        : (epoch, updates) => epochRates(schedule, scheduleState, epoch, updates),
    signal: hooks.signal,
    ...(run.split ? { split: run.split } : {}),
    startEpoch: trainer.epoch,
    optimizers: run.optimizers,
    group: run.group,
    onProgress: hooks.onProgress
      ? (p) => hooks.onProgress!({ unit: 'batch', ...p, done: p.batch, total: p.batches })
      : undefined,
    onEpoch: async (e: EpochReport, split) => {
      validIndices = split.valid;
      const bleu = split.valid.length > 0 ? await validationBleu(run, split.valid) : undefined;
      const record: EpochRecord = { epoch: e.epoch, train_loss: e.trainLoss, seconds: e.seconds };
      if (e.validLoss !== undefined) record.valid_loss = e.validLoss;
      if (bleu !== undefined) record.valid_bleu = bleu;
      if (schedule.schedule === 'plateau' && split.valid.length === 0) {
        throw new Error(
          '--lr-schedule plateau decays on the validation measure, but no pair was held out: raise --valid-fraction',
        );
      }
      const stepBefore = scheduleState.step;
      const measure = options.bestMetric === 'bleu' ? bleu : e.validLoss;
      const before = scheduleState.lr;
      scheduleState = afterEpoch(schedule, scheduleState, e.learningRates, measure);
      trainer.schedule = scheduleState;
      // Before the checkpoint: a crash between the two leaves lines of an epoch that a resumed run rewrites.
      if (writesFiles(run)) {
        const logEvery = options.logEvery ?? runOptionDefault('logEvery');
        writeEpochMetrics(
          run.out,
          e.epoch,
          epochMetrics(e, { stepBefore, logEvery, accumulate, ...(bleu !== undefined ? { validBleu: bleu } : {}) }),
        );
      }
      const isBest = await saveEpoch(run, record);
      await writeLossFiles(run);
      const valid =
        e.validLoss === undefined ? '' : `, held-out loss ${e.validLoss.toFixed(4)}, BLEU ${bleu!.toFixed(2)}`;
      // A schedule's rate at the epoch's end, only when it has one (constant runs print as before).
      const rate = schedule.schedule === 'constant' ? '' : `, lr ${e.learningRates[e.learningRates.length - 1]}`;
      say(
        `epoch ${e.epoch}/${options.epochs}: training loss ${e.trainLoss.toFixed(4)} per token${valid}${isBest && valid ? ' (best)' : ''} ` +
          `(${e.sentences} sentences in ${e.seconds.toFixed(1)} s, ${(e.sentences / e.seconds).toFixed(0)} sentences/s${rate})`,
      );
      if (schedule.schedule === 'plateau' && scheduleState.lr !== before) {
        say(
          `learning rate reduced to ${scheduleState.lr}: no better ${options.bestMetric} for ${schedule.patience + 1} epochs`,
        );
      }
      await hooks.onEpoch?.(record, trainer);
      if (patienceExhausted(trainer, e.epoch, options.patience)) {
        const best = trainer.best!;
        say(`early stop: no better ${best.metric} for ${options.patience} epochs (best: epoch ${best.epoch})`);
        return 'stop';
      }
      return undefined;
    },
  });
  // What follows says the run is over, its checkpoints in place: the last one's write is waited for first.
  await checkpointsWritten(run);
  await writeLossFiles(run);
  run.group?.close();
  if (result.stopped) {
    say(stoppedMessage(run));
    return { stopped: true, earlyStopped: false, samples: [] };
  }
  const earlyStopped = result.earlyStopped;
  if (!writesFiles(run)) return { stopped: false, earlyStopped, samples: [] };
  const valid = validIndices.length > 0 ? validIndices : result.split.valid;
  if (valid.length > 0) say(`held out for validation: ${valid.length} distinct pairs never trained on`);
  const heldOutExactMatch = valid.length > 0 ? await exactMatch(run, valid) : undefined;
  if (heldOutExactMatch !== undefined) {
    say(`held-out exact match of greedy translations: ${(100 * heldOutExactMatch).toFixed(1)}%`);
  }
  const samples = await sampleTranslations(run, (valid.length > 0 ? valid : result.split.train).slice(0, run.samples));
  for (const s of samples) say(`  ${s.source}  ->  ${s.translation}`);
  say(`checkpoints (last, best), loss.json, loss.png and metrics.jsonl written to ${run.out}`);
  return {
    stopped: false,
    earlyStopped,
    ...(heldOutExactMatch !== undefined ? { heldOutExactMatch } : {}),
    samples,
  };
}
