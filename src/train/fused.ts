/**
 * The fused notebook step: the same training as src/train/notebook.ts, but each sentence's whole step
 * (encoder, free-running decoder with the `<eos>` stop, loss, backward, both Adam steps) is one addon call.
 */
import type { Dataset } from '../data/dataset.js';
import { EOS, SOS } from '../data/tokenize.js';
import type { Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import * as torch from '../torch/index.js';
import { native } from '../torch/native.js';
import { runEpochs, type NotebookLosses, type NotebookOptions } from './notebook.js';

/** The addon objects the fused step drives: the five modules and the two optimizers. */
export type FusedParts = Parameters<typeof native.notebookStep>[0];

export function fusedParts(
  encoder: Encoder,
  decoder: Decoder,
  encoderOpt: torch.optim.Adam,
  decoderOpt: torch.optim.Adam,
): FusedParts {
  return {
    encoderEmbedding: encoder.embedding.handle,
    encoderLstm: encoder.lstm.handle,
    decoderEmbedding: decoder.embedding.handle,
    decoderLstm: decoder.lstm.handle,
    decoderDense: decoder.dense.handle,
    encoderOpt: encoderOpt.handle,
    decoderOpt: decoderOpt.handle,
  };
}

export async function trainFused(
  encoder: Encoder,
  decoder: Decoder,
  data: Dataset,
  options: NotebookOptions,
): Promise<NotebookLosses> {
  const encoderOpt = new torch.optim.Adam(encoder.parameters(), { lr: options.lr });
  const decoderOpt = new torch.optim.Adam(decoder.parameters(), { lr: options.lr });
  const parts = fusedParts(encoder, decoder, encoderOpt, decoderOpt);
  const sos = data.targetVocab.index(SOS);
  const eos = data.targetVocab.index(EOS);
  return runEpochs(data.sources.length, options, (j) =>
    native.notebookStep(parts, data.sources[j]!, data.targets[j]!, sos, eos, options.device),
  );
}
