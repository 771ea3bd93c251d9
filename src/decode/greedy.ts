/**
 * Greedy decoding as in the series' evaluation: encode the (reversed) source token by token, feed `<sos>`,
 * take the most likely word at each step, stop at `<eos>` or after `maxLength` words.
 */
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import * as torch from '../torch/index.js';

/** Options of greedy decoding. */
export interface GreedyOptions {
  sos: number;
  eos: number;
  maxLength: number;
  device: torch.Device;
}

/** Target indices for `source` (indices as fed to the encoder, reversed), `<eos>` included when reached. */
export function greedyDecode(
  encoder: Encoder,
  decoder: Decoder,
  source: readonly number[],
  options: GreedyOptions,
): number[] {
  const { device } = options;
  return torch.noGrad(() =>
    torch.tidy(() => {
      const input = torch
        .tensor([...source], { dtype: 'int64' })
        .view(-1, 1)
        .to(device);
      let h = torch.zeros([encoder.numLayers, 1, encoder.hiddenSize], { device });
      let c = torch.zeros([encoder.numLayers, 1, encoder.hiddenSize], { device });
      for (let k = 0; k < input.size(0); k++) [, [h, c]] = encoder.forward(input.get(k).unsqueeze(0), h, c);
      const output: number[] = [];
      let decInput = torch.tensor([[options.sos]], { device });
      let out: torch.Tensor;
      for (let k = 0; k < options.maxLength; k++) {
        [out, [h, c]] = decoder.forward(decInput, h, c);
        const [, maxIdx] = out.topk(1);
        decInput = maxIdx.squeeze().detach();
        const word = decInput.item();
        output.push(word);
        if (word === options.eos) break;
      }
      return output;
    }),
  );
}
