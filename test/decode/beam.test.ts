import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { beamSearchBatch } from '../../src/decode/beam.js';
import { greedyDecodeBatch } from '../../src/decode/batch-greedy.js';
import { buildModel } from '../../src/model/architecture.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import * as torch from '../../src/torch/index.js';
import { Random } from '../../src/util/random.js';
import { pytorch } from '../helpers/pytorch.js';

const V = 12;
const SOS = 0;
const EOS = 11;

function model() {
  torch.manualSeed(3);
  const encoder = new Encoder(V, 16, 8, 2).eval();
  const decoder = new Decoder(V, 16, 8, 2).eval();
  return { encoder, decoder };
}

function sources(count: number): number[][] {
  const random = new Random(5);
  return Array.from({ length: count }, () => [
    EOS,
    ...Array.from({ length: 1 + random.int(6) }, () => 1 + random.int(10)),
    SOS,
  ]);
}

// The same beam search written plainly in PyTorch, one sentence at a time, on the notebook's classes.
const REFERENCE = `
import sys
sys.path.insert(0, 'scripts/reference')
from notebook_model import Encoder, Decoder
V, K, N, alpha, max_len, sos, eos = inp['V'], inp['K'], inp['N'], inp['alpha'], inp['max_len'], inp['sos'], inp['eos']
enc, dec = Encoder(V, 16, 8, 2), Decoder(V, 16, 8, 2)
enc.load_state_dict(torch.load(inp['enc'])); dec.load_state_dict(torch.load(inp['dec']))
inf = float('inf')
def beam(source):
    with torch.no_grad():
        h = torch.zeros(2, 1, 16); c = torch.zeros(2, 1, 16)
        for tok in source:
            _, (h, c) = enc(torch.tensor([tok]), h, c)
        h = h.repeat_interleave(K, 1); c = c.repeat_interleave(K, 1)
        live = [[] for _ in range(K)]; scores = [0.0] + [-inf] * (K - 1); inputs = [sos] * K
        finished = []
        for t in range(max_len):
            emb = dec.embedding(torch.tensor(inputs)).view(1, K, -1)
            out, (h, c) = dec.lstm(emb, (h, c))
            logp = torch.log_softmax(dec.dense(out.squeeze(0)), 1).double()
            cand = (logp + torch.tensor(scores, dtype=torch.double).unsqueeze(1)).view(-1)
            vals, idx = cand.topk(min(2 * K, cand.numel()))
            last = t + 1 >= max_len
            nxt, rows = [], []
            for j in range(len(vals)):
                if len(nxt) >= K: break
                v = vals[j].item()
                if v == -inf: break
                k, w = divmod(idx[j].item(), V)
                words = live[k] + [w]
                if w == eos or last:
                    if j < K: finished.append((words, v, v / len(words) ** alpha))
                    continue
                nxt.append((words, v)); rows.append(k)
            if last or len(finished) >= K or not nxt: break
            pad = K - len(nxt)
            live = [w for w, _ in nxt] + [[]] * pad
            scores = [v for _, v in nxt] + [-inf] * pad
            inputs = [w[-1] for w, _ in nxt] + [eos] * pad
            rows = torch.tensor(rows + [0] * pad)
            h = h.index_select(1, rows); c = c.index_select(1, rows)
        finished.sort(key=lambda f: -f[2])
        return [{'words': w, 'logProb': lp, 'score': s} for w, lp, s in finished[:N]]
out([beam(s) for s in inp['sources']])
`;

// The same search over an attention model (scripts/reference/attention_model.py, bidirectional encoder): the
// beam carries the decoder's state (h, c and Luong's attentional state) and each sentence's encoder outputs.
const REFERENCE_ATTENTION = REFERENCE.replace(
  `from notebook_model import Encoder, Decoder`,
  `from attention_model import Encoder, AttentionDecoder, encode`,
)
  .replace(
    `enc, dec = Encoder(V, 16, 8, 2), Decoder(V, 16, 8, 2)`,
    `enc, dec = Encoder(V, 16, 8, 2, bidirectional=True), AttentionDecoder(V, 16, 8, 2, inp['attention'])`,
  )
  .replace(
    `        h = torch.zeros(2, 1, 16); c = torch.zeros(2, 1, 16)
        for tok in source:
            _, (h, c) = enc(torch.tensor([tok]), h, c)
        h = h.repeat_interleave(K, 1); c = c.repeat_interleave(K, 1)`,
    `        memory, mask, (h, c) = encode(enc, torch.tensor(source).view(-1, 1), torch.tensor([len(source)]))
        memory = memory.repeat_interleave(K, 0); mask = mask.repeat_interleave(K, 0)
        h = h.repeat_interleave(K, 1); c = c.repeat_interleave(K, 1); feed = dec.initial_feed(K, h)`,
  )
  .replace(
    `            emb = dec.embedding(torch.tensor(inputs)).view(1, K, -1)
            out, (h, c) = dec.lstm(emb, (h, c))
            logp = torch.log_softmax(dec.dense(out.squeeze(0)), 1).double()`,
    `            logp, (h, c, feed), _ = dec(torch.tensor(inputs), (h, c, feed), memory, mask)
            logp = logp.double()`,
  )
  .replace(
    `h = h.index_select(1, rows); c = c.index_select(1, rows)`,
    `h = h.index_select(1, rows); c = c.index_select(1, rows); feed = feed.index_select(0, rows)`,
  );

describe('beam search', () => {
  const dir = mkdtempSync(join(tmpdir(), 'beam-'));
  const { encoder, decoder } = model();
  torch.save(encoder.stateDict(), join(dir, 'enc.pt'));
  torch.save(decoder.stateDict(), join(dir, 'dec.pt'));
  const srcs = sources(24);

  for (const [K, N, alpha] of [
    [4, 3, 1],
    [5, 5, 0.6],
    [3, 1, 0],
  ] as const) {
    it(`matches a plain PyTorch beam search (beam ${K}, n-best ${N}, length penalty ${alpha}): words, and scores within 1e-5`, async () => {
      const maxLen = 8;
      const ours = await beamSearchBatch(encoder, decoder, srcs, {
        sos: SOS,
        eos: EOS,
        beam: K,
        nBest: N,
        lengthPenalty: alpha,
        maxLength: maxLen,
        device: 'cpu',
        batchSize: 7, // several batches, sources of mixed lengths (packed)
      });
      const theirs = pytorch<{ words: number[]; logProb: number; score: number }[][]>(REFERENCE, {
        V,
        K,
        N,
        alpha,
        max_len: maxLen,
        sos: SOS,
        eos: EOS,
        enc: join(dir, 'enc.pt'),
        dec: join(dir, 'dec.pt'),
        sources: srcs,
      });
      expect(ours.map((hyps) => hyps.map((h) => h.words))).toEqual(theirs.map((hyps) => hyps.map((h) => h.words)));
      ours.forEach((hyps, i) =>
        hyps.forEach((h, n) => {
          expect(Math.abs(h.score - theirs[i]![n]!.score)).toBeLessThanOrEqual(1e-5);
          expect(Math.abs(h.logProb - theirs[i]![n]!.logProb)).toBeLessThanOrEqual(1e-5);
        }),
      );
      // Best first, and as many as asked when the beam finished that many.
      ours.forEach((hyps) => hyps.forEach((h, n) => n > 0 && expect(h.score).toBeLessThanOrEqual(hyps[n - 1]!.score)));
    });
  }

  for (const attention of ['bahdanau', 'luong-concat'] as const) {
    it(`matches the plain PyTorch beam search over a ${attention} model with a bidirectional encoder (beam 4, n-best 2)`, async () => {
      torch.manualSeed(8);
      const { encoder: enc, decoder: dec } = buildModel(V, V, {
        hidden: 16,
        embedding: 8,
        layers: 2,
        attention,
        bidirectional: true,
      });
      const files = mkdtempSync(join(tmpdir(), 'beam-attention-'));
      torch.save(enc.stateDict(), join(files, 'enc.pt'));
      torch.save(dec.stateDict(), join(files, 'dec.pt'));
      const options = { sos: SOS, eos: EOS, beam: 4, nBest: 2, lengthPenalty: 1, maxLength: 8, device: 'cpu' as const };
      const ours = await beamSearchBatch(enc, dec, srcs, { ...options, batchSize: 7 });
      const theirs = pytorch<{ words: number[]; logProb: number; score: number }[][]>(REFERENCE_ATTENTION, {
        V,
        K: 4,
        N: 2,
        alpha: 1,
        max_len: 8,
        sos: SOS,
        eos: EOS,
        attention,
        enc: join(files, 'enc.pt'),
        dec: join(files, 'dec.pt'),
        sources: srcs,
      });
      expect(ours.map((hyps) => hyps.map((h) => h.words))).toEqual(theirs.map((hyps) => hyps.map((h) => h.words)));
      ours.forEach((hyps, i) =>
        hyps.forEach((h, n) => expect(Math.abs(h.score - theirs[i]![n]!.score)).toBeLessThanOrEqual(1e-5)),
      );
    });
  }

  it('with beam 1 gives greedy decoding’s words', async () => {
    const options = { sos: SOS, eos: EOS, maxLength: 9, device: 'cpu' as const };
    const beam = await beamSearchBatch(encoder, decoder, srcs, { ...options, beam: 1 });
    const greedy = await greedyDecodeBatch(encoder, decoder, srcs, options);
    expect(beam.map((h) => h[0]!.words)).toEqual(greedy);
  });

  it('rejects bad options with errors that name them', async () => {
    const options = { sos: SOS, eos: EOS, maxLength: 5, device: 'cpu' as const };
    await expect(beamSearchBatch(encoder, decoder, srcs, { ...options, beam: 0 })).rejects.toThrow(/beam/);
    await expect(beamSearchBatch(encoder, decoder, srcs, { ...options, beam: 2, nBest: 3 })).rejects.toThrow(/nBest/);
    await expect(beamSearchBatch(encoder, decoder, [[V + 3]], { ...options, beam: 2 })).rejects.toThrow(/range/);
  });

  it('refuses a search whose batch x beam x vocabulary cannot fit in memory, with the estimate', async () => {
    const encoder = new Encoder(V, 16, 8, 2).eval();
    const decoder = new Decoder(V, 16, 8, 2).eval();
    const sources = Array.from({ length: 60_000 }, () => [EOS, 3, 4, SOS]);
    await expect(
      beamSearchBatch(encoder, decoder, sources, {
        sos: SOS,
        eos: EOS,
        beam: 1024,
        batchSize: 60_000,
        maxLength: 5,
        device: 'cpu',
      }),
    ).rejects.toThrow(/^beam search of 60000 sentences at once with beam 1024 over 12 target words needs about/);
    // No sources: nothing to estimate, nothing to decode.
    await expect(
      beamSearchBatch(encoder, decoder, [], { sos: SOS, eos: EOS, beam: 5, maxLength: 5, device: 'cpu' }),
    ).resolves.toEqual([]);
  });
});
