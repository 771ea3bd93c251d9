/**
 * metrics.jsonl, the batched mode's log for plotting elsewhere: one JSON object per line, a `step` line every
 * `logEvery` updates and an `epoch` line after each epoch:
 *   {"type":"step","epoch":2,"step":300,"lr":0.01,"train_loss":3.1,"tokens_per_s":5120}
 *   {"type":"epoch","epoch":2,"step":312,"lr":0.01,"train_loss":3.0,"tokens_per_s":5003,"valid_loss":3.2,
 *    "valid_bleu":4.1,"seconds":12.5}
 * `step` counts updates over the run; `train_loss` is the mean NLL per target token since the previous line of
 * the epoch; `tokens_per_s` counts scored target tokens (a step line: this worker's, in data-parallel runs).
 * The file is rewritten whole (atomically) after each epoch, before its checkpoint, keeping only the lines of
 * earlier epochs: a run resumed from any checkpoint, or interrupted anywhere, never has a line twice or misses one.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic.js';
import type { EpochReport } from './batched.js';

/** One line of metrics.jsonl. */
export interface MetricsLine {
  type: 'step' | 'epoch';
  epoch: number;
  /** Updates done in the run when the line was written. */
  step: number;
  /** The rate of the line's last update. */
  lr: number;
  train_loss: number;
  tokens_per_s: number;
  valid_loss?: number;
  valid_bleu?: number;
  seconds?: number;
}

/** The file's name in the training folder. */
export const METRICS_FILE = 'metrics.jsonl';

/**
 * The lines of one epoch: a step line whenever the run's update count reaches a multiple of `logEvery`, then
 * the epoch line. `stepBefore`: updates done before the epoch; `accumulate`: batches per update.
 */
export function epochMetrics(
  report: EpochReport,
  options: { stepBefore: number; logEvery: number; accumulate: number; validBleu?: number },
): MetricsLine[] {
  const lines: MetricsLine[] = [];
  const { batchLosses, batchTokens, batchSeconds, learningRates } = report;
  let from = 0; // the first batch since the previous line
  let since = 0; // the seconds at the previous line
  for (let u = 0; u < report.updates; u++) {
    const step = options.stepBefore + u + 1;
    if (step % options.logEvery !== 0 || u === report.updates - 1) continue;
    const to = Math.min(batchLosses.length, (u + 1) * options.accumulate);
    let loss = 0;
    let tokens = 0;
    for (let b = from; b < to; b++) {
      loss += batchLosses[b]!;
      tokens += batchTokens[b]!;
    }
    const seconds = batchSeconds[to - 1]! - since;
    lines.push({
      type: 'step',
      epoch: report.epoch,
      step,
      lr: learningRates[u]!,
      train_loss: loss / Math.max(tokens, 1),
      tokens_per_s: seconds > 0 ? tokens / seconds : 0,
    });
    from = to;
    since = batchSeconds[to - 1]!;
  }
  lines.push({
    type: 'epoch',
    epoch: report.epoch,
    step: options.stepBefore + report.updates,
    lr: learningRates[learningRates.length - 1] ?? NaN,
    train_loss: report.trainLoss,
    tokens_per_s: report.seconds > 0 ? report.tokens / report.seconds : 0,
    ...(report.validLoss !== undefined ? { valid_loss: report.validLoss } : {}),
    ...(options.validBleu !== undefined ? { valid_bleu: options.validBleu } : {}),
    seconds: report.seconds,
  });
  return lines;
}

/** The lines of `dir`'s metrics.jsonl (none when it is missing); a line that does not parse is left out. */
export function readMetrics(dir: string): MetricsLine[] {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return [];
  const lines: MetricsLine[] = [];
  for (const text of readFileSync(path, 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    try {
      const line = JSON.parse(text) as MetricsLine;
      if (typeof line === 'object' && line !== null && Number.isSafeInteger(line.epoch)) lines.push(line);
    } catch {
      // A line cut by a crash in an older writer: skipped, the rewrite drops it.
    }
  }
  return lines;
}

/** Rewrites `dir`'s metrics.jsonl with the lines of epochs before `lines`' epoch, then `lines`. */
export function writeEpochMetrics(dir: string, epoch: number, lines: readonly MetricsLine[]): void {
  mkdirSync(dir, { recursive: true });
  const kept = readMetrics(dir).filter((line) => line.epoch < epoch);
  const text = [...kept, ...lines].map((line) => JSON.stringify(line)).join('\n');
  writeFileAtomic(join(dir, METRICS_FILE), `${text}\n`);
}
