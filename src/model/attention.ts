/**
 * Attention over the encoder's outputs, as scripts/reference/attention_model.py defines it in PyTorch:
 * Bahdanau et al. 2015 (additive) and Luong et al. 2015 (dot, general, concat). The layers only hold the
 * weights (bias-free, as in the papers); the addon computes the scores in its batched paths.
 */
import * as torch from '../torch/index.js';
import type { AttentionKind } from './attention-kind.js';

export { ATTENTION_KINDS, isLuong, type AttentionKind } from './attention-kind.js';

const { nn } = torch;

/**
 * The scoring layers of one kind, named as the PyTorch reference names them (state-dict keys
 * `attention.query.weight`, `attention.key.weight`, `attention.v.weight`, `attention.W.weight`):
 * bahdanau: v^T tanh(query(s) + key(h)); luong-dot: s.h (no weights); luong-general: s.W(h);
 * luong-concat: v^T tanh(W [s; h]).
 */
export class Attention extends torch.nn.Module {
  readonly kind: Exclude<AttentionKind, 'none'>;
  query?: torch.nn.Linear;
  key?: torch.nn.Linear;
  v?: torch.nn.Linear;
  W?: torch.nn.Linear;

  constructor(kind: Exclude<AttentionKind, 'none'>, hiddenSize: number) {
    super();
    this.kind = kind;
    const linear = (inFeatures: number, outFeatures: number): torch.nn.Linear =>
      new nn.Linear(inFeatures, outFeatures, { bias: false });
    if (kind === 'bahdanau') {
      this.query = linear(hiddenSize, hiddenSize);
      this.key = linear(hiddenSize, hiddenSize);
      this.v = linear(hiddenSize, 1);
    } else if (kind === 'luong-general') {
      this.W = linear(hiddenSize, hiddenSize);
    } else if (kind === 'luong-concat') {
      this.W = linear(2 * hiddenSize, hiddenSize);
      this.v = linear(hiddenSize, 1);
    }
  }
}
