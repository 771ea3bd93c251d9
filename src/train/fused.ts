/**
 * The fused notebook step: the same training as src/train/notebook.ts, but each sentence's whole step
 * (encoder, free-running decoder with the `<eos>` stop, loss, backward, both Adam steps) is one addon call.
 */
import type { Dataset } from '../data/dataset.js';
import { EOS, SOS } from '../data/tokenize.js';
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import * as torch from '../torch/index.js';
import { modelParts } from '../model/parts.js';
import { native } from '../torch/addon.js';
import { runEpochs, type NotebookLosses, type NotebookOptions } from './notebook.js';

/** Trains exactly as {@link trainNotebook} does, each sentence's step in one addon call (single-threaded). */
export async function trainFused(
  encoder: Encoder,
  decoder: Decoder,
  data: Dataset,
  options: NotebookOptions,
): Promise<NotebookLosses> {
  const encoderOpt = options.optimizers?.encoder ?? new torch.optim.Adam(encoder.parameters(), { lr: options.lr });
  const decoderOpt = options.optimizers?.decoder ?? new torch.optim.Adam(decoder.parameters(), { lr: options.lr });
  const parts = modelParts(encoder, decoder, encoderOpt, decoderOpt);
  const sos = data.targetVocab.index(SOS);
  const eos = data.targetVocab.index(EOS);
  // One sentence and one token at a time, the ops are too small to share between threads: on the 2-core
  // development machine one thread runs this loop about 1.4x faster than two. The caller's setting comes back.
  const threads = torch.getNumThreads();
  if (options.device === 'cpu') torch.setNumThreads(1);
  try {
    return await runEpochs(data.sources.length, options, (j) =>
      native.notebookStep(parts, data.sources[j]!, data.targets[j]!, sos, eos, options.device),
    );
  } finally {
    torch.setNumThreads(threads);
  }
}
