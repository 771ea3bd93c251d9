/**
 * Attention decoders and the bidirectional encoder against scripts/reference/attention_model.py in PyTorch,
 * on the same weights (saved here, loaded there with load_state_dict, so the state-dict keys are checked
 * too) and the same batch of sources of different lengths (packing and the padding mask at work):
 * per-step attention weights and log-probabilities under teacher forcing, the gradients of one training
 * step, and greedy decoding with its attention. Tolerance on the CPU in float32: |a - b| <= 1e-5 x max(1, |b|).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildModel, type ModelSizes } from '../../src/model/architecture.js';
import type { AttentionKind } from '../../src/model/attention.js';
import { modelParts } from '../../src/model/parts.js';
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/addon.js';
import type { BatchArrays } from '../../src/torch/addon-types.js';
import { DEVICE } from '../helpers/device.js';
import { pytorch } from '../helpers/pytorch.js';

const SRC_WORDS = 13;
const TGT_WORDS = 11;
const SOS = 1;
const EOS = 2;
const TOL = 1e-5;

// Four sentences, [step][sentence]: sources of lengths 5, 3, 4, 2 (zero-padded), targets of 4, 2, 3, 4 words.
const B = 4;
const lengths = [5, 3, 4, 2];
const sources = [
  [3, 4, 5, 6, 7],
  [8, 9, 10],
  [11, 12, 3, 4],
  [5, 6],
];
const targets = [
  [3, 4, 5, EOS],
  [6, EOS],
  [7, 8, EOS],
  [9, 10, 3, EOS],
];
const S = Math.max(...lengths);
const T = Math.max(...targets.map((t) => t.length));
const source = new Int32Array(S * B);
const target = new Int32Array(T * B).fill(-100);
const input = new Array<number>(T * B).fill(0);
for (let b = 0; b < B; b++) {
  sources[b]!.forEach((w, s) => (source[s * B + b] = w));
  targets[b]!.forEach((w, t) => (target[t * B + b] = w));
}
// As the addon feeds them: <sos>, then the previous target word (0 where that is padding).
for (let t = 0; t < T; t++) {
  for (let b = 0; b < B; b++) input[t * B + b] = t === 0 ? SOS : Math.max(0, target[(t - 1) * B + b]!);
}
const batch: BatchArrays = { source, sourceLengths: Int32Array.from(lengths), target };
const options = { device: DEVICE, sos: SOS, eos: EOS };

const REFERENCE = `
import sys
sys.path.insert(0, 'scripts/reference')
from attention_model import Encoder, AttentionDecoder, teacher_forced, greedy_decode
torch.set_grad_enabled(True)
cfg = inp['cfg']
enc = Encoder(${SRC_WORDS}, cfg['hidden'], cfg['embedding'], cfg['layers'], bidirectional=cfg['bidirectional'])
dec = AttentionDecoder(${TGT_WORDS}, cfg['hidden'], cfg['embedding'], cfg['layers'], cfg['attention'], cfg['inputFeed'])
enc.load_state_dict(torch.load(inp['dir'] + '/encoder.pt'))
dec.load_state_dict(torch.load(inp['dir'] + '/decoder.pt'))
src = T(inp['source'])
lengths = T(inp['lengths'])
inputs = T(inp['input'])
target = T(inp['target'])
log_probs, attention = teacher_forced(enc, dec, src, lengths, inputs)
loss = torch.nn.functional.nll_loss(log_probs.view(-1, log_probs.size(2)), target.view(-1), reduction='sum')
(loss / (target != -100).sum()).backward()
grads = {('encoder.' + n): J(p.grad) for n, p in enc.named_parameters()}
grads.update({('decoder.' + n): J(p.grad) for n, p in dec.named_parameters()})
words, weights = greedy_decode(enc, dec, src, lengths, ${SOS}, ${EOS}, 8)
out({'logProbs': J(log_probs), 'attention': J(attention), 'loss': loss.item(), 'grads': grads,
     'words': words, 'weights': weights})
`;

interface Reference {
  logProbs: { data: number[]; shape: number[] };
  attention: { data: number[]; shape: number[] };
  loss: number;
  grads: Record<string, { data: number[]; shape: number[] }>;
  words: number[][];
  weights: number[][][];
}

/** Largest |a - b| / max(1, |b|). */
function worst(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  return max;
}

const CASES: [string, ModelSizes][] = [
  ['bahdanau', { hidden: 16, embedding: 8, layers: 2, attention: 'bahdanau' }],
  ['luong-dot', { hidden: 16, embedding: 8, layers: 2, attention: 'luong-dot' }],
  ['luong-general', { hidden: 16, embedding: 8, layers: 2, attention: 'luong-general' }],
  ['luong-concat', { hidden: 16, embedding: 8, layers: 2, attention: 'luong-concat' }],
  [
    'luong-general without input feeding',
    { hidden: 16, embedding: 8, layers: 2, attention: 'luong-general', inputFeed: false },
  ],
  [
    'bahdanau, bidirectional encoder',
    { hidden: 16, embedding: 8, layers: 3, attention: 'bahdanau', bidirectional: true },
  ],
  [
    'luong-general, bidirectional encoder',
    { hidden: 16, embedding: 8, layers: 2, attention: 'luong-general', bidirectional: true },
  ],
  ['no attention, bidirectional encoder', { hidden: 16, embedding: 8, layers: 2, bidirectional: true }],
];

describe('attention decoders and the bidirectional encoder match PyTorch (scripts/reference/attention_model.py)', () => {
  for (const [name, sizes] of CASES) {
    it(`${name}: attention weights, log-probabilities, and one step's gradients`, async () => {
      torch.manualSeed(3);
      const { encoder, decoder } = buildModel(SRC_WORDS, TGT_WORDS, sizes);
      encoder.to(DEVICE);
      decoder.to(DEVICE);
      const dir = mkdtempSync(join(tmpdir(), 'attention-'));
      torch.save(encoder.stateDict(), join(dir, 'encoder.pt'));
      torch.save(decoder.stateDict(), join(dir, 'decoder.pt'));
      const ref = pytorch<Reference>(REFERENCE, {
        dir,
        cfg: {
          hidden: sizes.hidden,
          embedding: sizes.embedding,
          layers: sizes.layers,
          bidirectional: sizes.bidirectional ?? false,
          attention: sizes.attention ?? 'none',
          inputFeed: decoder.inputFeed,
        },
        source: { data: [...source], shape: [S, B], dtype: 'int64' },
        lengths: { data: lengths, shape: [B], dtype: 'int64' },
        input: { data: input, shape: [T, B], dtype: 'int64' },
        target: { data: [...target], shape: [T, B], dtype: 'int64' },
      });

      // Teacher-forced decoding: every step's log-probabilities and attention weights.
      const parts = modelParts(encoder, decoder);
      const [forced] = await native.forceDecode(parts, [batch], options).promise;
      expect([forced!.steps, forced!.size, forced!.vocab]).toEqual(ref.logProbs.shape);
      const logProbError = worst(forced!.logProbs, ref.logProbs.data);
      expect(logProbError).toBeLessThanOrEqual(TOL);
      let attentionError = 0;
      if (sizes.attention && sizes.attention !== 'none') {
        expect([forced!.steps, forced!.size, forced!.sourceSteps]).toEqual(ref.attention.shape);
        attentionError = worst(forced!.attention!, ref.attention.data);
        expect(attentionError).toBeLessThanOrEqual(TOL);
        // No attention on padding: sentence 3 has 2 source words of 5.
        for (let t = 0; t < T; t++) {
          for (let s = lengths[3]!; s < S; s++) expect(forced!.attention![(t * B + 3) * S + s]).toBe(0);
        }
      } else {
        expect(forced!.attention).toBeUndefined();
      }

      // One training step (teacher forcing, mean NLL per token, no clipping): the gradients before Adam's step.
      const encoderOpt = new torch.optim.Adam(encoder.parameters(), { lr: 0.01 });
      const decoderOpt = new torch.optim.Adam(decoder.parameters(), { lr: 0.01 });
      const trained = await native.trainEpoch(modelParts(encoder, decoder, encoderOpt, decoderOpt), [batch], {
        ...options,
        teacherForcing: 1,
        clip: 0,
        perToken: true,
      }).promise;
      expect(Math.abs(trained.losses[0]! - ref.loss) / ref.loss).toBeLessThanOrEqual(TOL);
      const named = [
        ...encoder.namedParameters().map(([n, p]) => [`encoder.${n}`, p] as const),
        ...decoder.namedParameters().map(([n, p]) => [`decoder.${n}`, p] as const),
      ];
      expect(named.map(([n]) => n).sort()).toEqual(Object.keys(ref.grads).sort());
      let gradError = 0;
      // Each gradient is compared to its tensor's largest element, but to no less than 1e-3 of the model's
      // largest: Bahdanau's query weights start with gradients 1e-6 of the others, sums of nearly cancelling
      // terms whose float32 rounding (ours: the LSTM kernel's; theirs: ATen's) is relative to the terms.
      const largest = Math.max(...Object.values(ref.grads).flatMap((g) => g.data.map(Math.abs)));
      for (const [key, param] of named) {
        const grad = param.grad!.toArray() as number[];
        const want = ref.grads[key]!.data;
        const scale = Math.max(...want.map(Math.abs), 1e-3 * largest, 1e-8);
        const error = Math.max(...grad.map((g, i) => Math.abs(g - want[i]!))) / scale;
        expect(error, key).toBeLessThanOrEqual(TOL);
        gradError = Math.max(gradError, error);
      }
      console.log(
        `${name}: log-probabilities ${logProbError.toExponential(1)}, attention ${attentionError.toExponential(1)}, ` +
          `gradients ${gradError.toExponential(1)} (max difference relative to max(1, |PyTorch|); gradients to each tensor's largest, at least 1e-3 of the model's)`,
      );
    });
  }

  it('decodes greedily as PyTorch does, with the same attention weights behind each word', async () => {
    for (const kind of ['bahdanau', 'luong-concat'] as AttentionKind[]) {
      torch.manualSeed(5);
      const sizes: ModelSizes = { hidden: 16, embedding: 8, layers: 2, attention: kind, bidirectional: true };
      const { encoder, decoder } = buildModel(SRC_WORDS, TGT_WORDS, sizes);
      const dir = mkdtempSync(join(tmpdir(), 'attention-greedy-'));
      torch.save(encoder.stateDict(), join(dir, 'encoder.pt'));
      torch.save(decoder.stateDict(), join(dir, 'decoder.pt'));
      const ref = pytorch<Reference>(REFERENCE, {
        dir,
        cfg: { ...sizes, inputFeed: decoder.inputFeed },
        source: { data: [...source], shape: [S, B], dtype: 'int64' },
        lengths: { data: lengths, shape: [B], dtype: 'int64' },
        input: { data: input, shape: [T, B], dtype: 'int64' },
        target: { data: [...target], shape: [T, B], dtype: 'int64' },
      });
      const decoding: BatchArrays = {
        source,
        sourceLengths: Int32Array.from(lengths),
        maxLengths: new Int32Array(B).fill(8),
      };
      const result = await native.translateBatches(modelParts(encoder, decoder), [decoding], {
        device: 'cpu',
        sos: SOS,
        eos: EOS,
        withAttention: true,
      }).promise;
      expect(result.words[0]).toEqual(ref.words);
      // Beam search of width 1 is greedy decoding (the beam reorders the attention state with the hypotheses).
      const [beam] = await native.beamBatches(modelParts(encoder, decoder), [decoding], {
        device: 'cpu',
        sos: SOS,
        eos: EOS,
        beam: 1,
      }).promise;
      expect(beam!.map((hyps) => hyps[0]!.words)).toEqual(ref.words);
      for (let b = 0; b < B; b++) {
        const want = ref.weights[b]!.flatMap((row) => row.slice(0, lengths[b]));
        expect(worst(result.attention[0]![b]!, want)).toBeLessThanOrEqual(TOL);
      }
    }
  });
});
