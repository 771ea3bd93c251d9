/**
 * The notebook's training loop, step for step: one sentence at a time, one token at a time, zeroed (h0, c0),
 * the decoder fed its own greedy guess, a stop at the first predicted `<eos>`, NLLLoss summed over the steps,
 * backward, and one Adam step for each of the two optimizers. Names follow the notebook so that the two can
 * be read side by side; `eng_sentences` are the (reversed) sources and `deu_sentences` the targets.
 */
import type { Dataset } from '../data/dataset.js';
import { EOS, SOS } from '../data/tokenize.js';
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import * as torch from '../torch/index.js';

const { nn, optim } = torch;

/** The losses of a run. */
export interface NotebookLosses {
  /** Each sentence's summed loss, epoch by epoch. */
  perSentence: number[][];
  /** The notebook's `current_loss`: the last sentence's loss of each epoch. */
  currentLoss: number[];
  /** The mean sentence loss of each epoch. */
  meanLoss: number[];
}

/** Where a run stands, reported after every sentence. */
export interface NotebookProgress {
  epoch: number;
  epochs: number;
  sentence: number;
  sentences: number;
  loss: number;
}

/** Options of the notebook loop (and of the fused step). */
export interface NotebookOptions {
  epochs: number;
  lr: number;
  device: torch.Device;
  onProgress?: (progress: NotebookProgress) => void;
  signal?: AbortSignal;
  /** Epochs already done (a resumed run): training continues with epoch `startEpoch + 1`; default 0. */
  startEpoch?: number;
  /** The two optimizers, e.g. restored from a checkpoint; default: new Adam optimizers with `lr`. */
  optimizers?: { encoder: torch.optim.Adam; decoder: torch.optim.Adam };
  /** Called after every epoch with its number and each sentence's loss; may be async. */
  onEpoch?: (epoch: number, losses: number[]) => void | Promise<void>;
}

/**
 * Runs `step` for every sentence of every epoch, with progress, abort checks, yields to the event loop and the
 * loss bookkeeping shared by the notebook mirror and the fused step.
 */
export async function runEpochs(
  sentences: number,
  options: Pick<NotebookOptions, 'epochs' | 'onProgress' | 'signal' | 'startEpoch' | 'onEpoch'>,
  step: (j: number) => number,
): Promise<NotebookLosses> {
  const perSentence: number[][] = [];
  const current_loss: number[] = [];
  for (let i = options.startEpoch ?? 0; i < options.epochs; i++) {
    const epochLosses: number[] = [];
    for (let j = 0; j < sentences; j++) {
      options.signal?.throwIfAborted();
      const loss = step(j);
      epochLosses.push(loss);
      options.onProgress?.({ epoch: i + 1, epochs: options.epochs, sentence: j + 1, sentences, loss });
      // Lets finalizers, progress output and abort signals run between sentences.
      await new Promise(setImmediate);
    }
    perSentence.push(epochLosses);
    current_loss.push(epochLosses[epochLosses.length - 1]!);
    await options.onEpoch?.(i + 1, epochLosses);
  }
  const meanLoss = perSentence.map((losses) => losses.reduce((a, b) => a + b, 0) / losses.length);
  return { perSentence, currentLoss: current_loss, meanLoss };
}

/** Trains `encoder` and `decoder` (already on `options.device`) on `data` exactly as the notebook does. */
export async function trainNotebook(
  encoder: Encoder,
  decoder: Decoder,
  data: Dataset,
  options: NotebookOptions,
): Promise<NotebookLosses> {
  const DEVICE = options.device;
  const eng_sentences = data.sources;
  const deu_sentences = data.targets;
  const deu_words = data.targetVocab;
  const MAX_SENT_LEN = data.maxSentLen;

  const encoder_opt = options.optimizers?.encoder ?? new optim.Adam(encoder.parameters(), { lr: options.lr });
  const decoder_opt = options.optimizers?.decoder ?? new optim.Adam(decoder.parameters(), { lr: options.lr });
  const criterion = new nn.NLLLoss();

  // for i in range(NUM_EPOCHS): for j in range(len(eng_sentences)): ...  (runEpochs holds the two loops)
  return runEpochs(eng_sentences.length, options, (j) =>
    torch.tidy(() => {
      let source = torch.tensor(eng_sentences[j]!, { dtype: 'int64' });
      let target = torch.tensor(deu_sentences[j]!, { dtype: 'int64' });
      source = source.view(-1, 1).to(DEVICE);
      target = target.view(-1, 1).to(DEVICE);

      let loss = torch.tensor(0, { device: DEVICE });
      let h0 = torch.zeros([encoder.numLayers, 1, encoder.hiddenSize], { device: DEVICE });
      let c0 = torch.zeros([encoder.numLayers, 1, encoder.hiddenSize], { device: DEVICE });

      encoder_opt.zeroGrad();
      decoder_opt.zeroGrad();

      // Filled and never read, as in the notebook (attention comes later in the series).
      const enc_output = torch.zeros([MAX_SENT_LEN, encoder.hiddenSize]);
      let out: torch.Tensor;
      for (let k = 0; k < source.size(0); k++) {
        [out, [h0, c0]] = encoder.forward(source.get(k).unsqueeze(0), h0, c0);
        enc_output.get(k).copy_(out.squeeze());
      }
      let dec_input = torch.tensor([[deu_words.index(SOS)]], { device: DEVICE });
      for (let k = 0; k < target.size(0); k++) {
        [out, [h0, c0]] = decoder.forward(dec_input, h0, c0);
        const [, max_idx] = out.topk(1);
        dec_input = max_idx.squeeze().detach();
        loss = loss.add(criterion.forward(out, target.get(k)));
        if (dec_input.item() === deu_words.index(EOS)) {
          break;
        }
      }
      loss.backward();
      encoder_opt.step();
      decoder_opt.step();
      return loss.item();
    }),
  );
}
