/** `seq2seq quantize`: an int8 copy of a model folder (io/quantize.ts). */
import { quantizeModel } from '../io/quantize.js';

export interface QuantizeCommand {
  model: string;
  out: string;
  force?: boolean;
}

export function runQuantize(options: QuantizeCommand): void {
  const result = quantizeModel(options.model, options.out, { force: options.force });
  const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
  console.log(
    `quantized ${result.weights.length} weights to int8 (encoder.pt + decoder.pt: ${mb(result.bytes.float)} -> ` +
      `${mb(result.bytes.int8)}) -> ${result.out}`,
  );
}
