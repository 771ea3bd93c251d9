/** The addon handles of a model's modules (and optimizers), as the fused and batched native paths take them. */
import type { PartsHandles } from '../torch/addon-types.js';
import type * as torch from '../torch/index.js';
import type { Decoder } from './decoder.js';
import type { Encoder } from './encoder.js';

/** @internal The five modules; with optimizers, also the two (Adam or SGD) that train them. */
export function modelParts(encoder: Encoder, decoder: Decoder): PartsHandles;
export function modelParts(
  encoder: Encoder,
  decoder: Decoder,
  encoderOpt: torch.optim.Optimizer,
  decoderOpt: torch.optim.Optimizer,
): Required<PartsHandles>;
export function modelParts(
  encoder: Encoder,
  decoder: Decoder,
  encoderOpt?: torch.optim.Optimizer,
  decoderOpt?: torch.optim.Optimizer,
): PartsHandles {
  return {
    encoderEmbedding: encoder.embedding.handle,
    encoderLstm: encoder.lstm.handle,
    decoderEmbedding: decoder.embedding.handle,
    decoderLstm: decoder.lstm.handle,
    decoderDense: decoder.dense.handle,
    ...(decoder.attention || decoder.combine
      ? {
          attention: {
            kind: decoder.attentionKind,
            inputFeed: decoder.inputFeed,
            query: decoder.attention?.query?.handle,
            key: decoder.attention?.key?.handle,
            v: decoder.attention?.v?.handle,
            W: decoder.attention?.W?.handle,
            combine: decoder.combine?.handle,
          },
        }
      : {}),
    ...(encoderOpt && decoderOpt ? { encoderOpt: encoderOpt.handle, decoderOpt: decoderOpt.handle } : {}),
    ...(encoder.int8 ? { encoderInt8: encoder.int8.handle } : {}),
    ...(decoder.int8 ? { decoderInt8: decoder.int8.handle } : {}),
  };
}
