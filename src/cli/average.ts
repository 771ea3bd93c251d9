/** `seq2seq average`: a model folder averaging checkpoints of a training folder (io/average.ts). */
import { averageCheckpoints } from '../io/average.js';

export interface AverageCommand {
  model: string;
  out: string;
  last?: number;
  epochs?: number[];
  force?: boolean;
}

export function runAverage(options: AverageCommand): void {
  const result = averageCheckpoints(options.model, options.out, {
    ...(options.last !== undefined ? { last: options.last } : {}),
    ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
    force: options.force,
  });
  const list = result.epochs.join(', ');
  console.log(`averaged ${result.epochs.length} checkpoints (epochs ${list}) -> ${result.out}`);
}
