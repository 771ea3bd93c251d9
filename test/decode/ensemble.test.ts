/**
 * Ensembles (native/seq2seq/ensemble.cc) against scripts/reference/ensemble.py in PyTorch: two members of
 * different sizes and attention, saved as model folders and loaded there from the same files, decoded greedily
 * and with beam search over the mean of their log-probabilities. Same tokens; log-probabilities and scores within
 * 1e-5 x max(1, |b|) (float32 steps, batched here and one sentence at a time there). An ensemble of one decodes
 * exactly as its model alone; members that do not share vocabularies are refused with the reason.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EOS, SOS } from '../../src/data/tokenize.js';
import { Vocab } from '../../src/data/vocab.js';
import { beamSearchBatch, type Hypothesis } from '../../src/decode/beam.js';
import { greedyDecodeBatch } from '../../src/decode/batch-greedy.js';
import { ensembleBeamSearchBatch, ensembleGreedyDecodeBatch, ensembleMembers } from '../../src/decode/ensemble.js';
import { translateBeam } from '../../src/decode/translate.js';
import { saveModel, type TrainedModel } from '../../src/io/model-files.js';
import { buildModel, type ModelSizes } from '../../src/model/architecture.js';
import * as torch from '../../src/torch/index.js';
import { Random } from '../../src/util/random.js';
import { DEVICE } from '../helpers/device.js';
import { pytorch } from '../helpers/pytorch.js';

const TOL = 1e-5;
const SOURCE_WORDS = [SOS, EOS, ...'abcdefghij'];
const TARGET_WORDS = [SOS, EOS, ...'klmnopqrstu'];
const S_SOS = 0;
const S_EOS = 1;
const T_SOS = 0;
const T_EOS = 1;

function member(seed: number, sizes: ModelSizes, targetWords = TARGET_WORDS): TrainedModel {
  torch.manualSeed(seed);
  const sourceVocab = new Vocab(SOURCE_WORDS);
  const targetVocab = new Vocab(targetWords);
  const { encoder, decoder } = buildModel(sourceVocab.size, targetVocab.size, sizes);
  // Sharper distributions than the initial weights give: hypotheses that end, ranks that matter.
  const weight = Object.fromEntries(decoder.namedParameters())['dense.weight']!;
  torch.noGrad(() => weight.copy_(weight.mul(6)));
  encoder.to(DEVICE).eval();
  decoder.to(DEVICE).eval();
  return { sizes, sourceVocab, targetVocab, encoder, decoder, device: DEVICE };
}

const A = member(3, { hidden: 16, embedding: 8, layers: 2 });
const B = member(4, { hidden: 12, embedding: 6, layers: 1, attention: 'luong-general', bidirectional: true });
const C = member(5, { hidden: 10, embedding: 5, layers: 1, attention: 'bahdanau' });

function folder(model: TrainedModel): string {
  const dir = mkdtempSync(join(tmpdir(), 'ensemble-'));
  saveModel(dir, model);
  return dir;
}

// Reversed sources as the encoder reads them: <eos>, words, <sos>.
const random = new Random(7);
const SOURCES = Array.from({ length: 9 }, () => [
  S_EOS,
  ...Array.from({ length: 1 + random.int(6) }, () => 2 + random.int(10)),
  S_SOS,
]);
const MAX = 12;
const markers = { sos: T_SOS, eos: T_EOS, maxLength: MAX, device: DEVICE };

const REFERENCE = `
import sys
sys.path.insert(0, 'scripts/reference')
import ensemble
models = [ensemble.load_member(d) for d in inp['dirs']]
greedy = [ensemble.greedy(models, s, inp['sos'], inp['eos'], inp['max']) for s in inp['sources']]
beam = [ensemble.beam(models, s, inp['K'], inp['N'], inp['alpha'], inp['max'], inp['sos'], inp['eos'])
        for s in inp['sources']]
out({'greedy': greedy, 'beam': beam})
`;

interface Reference {
  greedy: number[][];
  beam: { words: number[]; logProb: number; score: number }[][];
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= TOL * Math.max(1, Math.abs(b));

describe('ensembles decode over the mean of their members log-probabilities', () => {
  it.each([
    ['two members of different sizes and attention', [A, B]],
    ['three members', [A, B, C]],
  ])('%s: greedy and beam search equal PyTorch (scripts/reference/ensemble.py)', async (_, members) => {
    const K = 3,
      N = 2,
      alpha = 0.7;
    const ref = pytorch<Reference>(REFERENCE, {
      dirs: members.map(folder),
      sources: SOURCES,
      sos: T_SOS,
      eos: T_EOS,
      max: MAX,
      K,
      N,
      alpha,
    });
    const greedy = await ensembleGreedyDecodeBatch(members, SOURCES, { ...markers, batchSize: 4 });
    expect(greedy).toEqual(ref.greedy);
    const beam = await ensembleBeamSearchBatch(members, SOURCES, {
      ...markers,
      beam: K,
      nBest: N,
      lengthPenalty: alpha,
      batchSize: 4,
    });
    expect(beam.map((hyps) => hyps.map((h) => h.words))).toEqual(ref.beam.map((hyps) => hyps.map((h) => h.words)));
    let worst = 0;
    beam.forEach((hyps, i) =>
      hyps.forEach((h, n) => {
        const r = ref.beam[i]![n]!;
        worst = Math.max(worst, Math.abs(h.logProb - r.logProb) / Math.max(1, Math.abs(r.logProb)));
        expect(close(h.logProb, r.logProb)).toBe(true);
        expect(close(h.score, r.score)).toBe(true);
      }),
    );
    console.log(`ensemble of ${members.length}: largest relative log-probability difference ${worst.toExponential(1)}`);
    // Hypotheses of several lengths, ended by <eos> and cut at the limit: the bookkeeping is at work.
    const lengths = new Set(beam.flat().map((h) => h.words.length));
    expect(lengths.size).toBeGreaterThan(2);
    // The members alone would say otherwise: the mean is what decides.
    const alone = await greedyDecodeBatch(A.encoder, A.decoder, SOURCES, markers);
    expect(alone).not.toEqual(greedy);
  });

  // Beam search drops finished rows from its batch (native/seq2seq/beam_search.cc) while the ensemble's search
  // keeps its rows: OpenBLAS rounds a row by the batch's row count, so scores agree to float rounding (seen 1e-8),
  // the hypotheses exactly.
  const expectSameBeams = (ours: Hypothesis[][], alone: Hypothesis[][]): void => {
    expect(ours.map((hs) => hs.map((h) => h.words))).toEqual(alone.map((hs) => hs.map((h) => h.words)));
    ours.flat().forEach((h, i) => {
      const a = alone.flat()[i]!;
      expect(Math.abs(h.logProb - a.logProb)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a.logProb)));
      expect(Math.abs(h.score - a.score)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a.score)));
    });
  };

  it('an ensemble of one decodes as its model alone: greedy exactly, beam to float rounding', async () => {
    for (const m of [A, B]) {
      expect(await ensembleGreedyDecodeBatch([m], SOURCES, markers)).toEqual(
        await greedyDecodeBatch(m.encoder, m.decoder, SOURCES, markers),
      );
      const options = { ...markers, beam: 4, nBest: 3, lengthPenalty: 1 };
      expectSameBeams(
        await ensembleBeamSearchBatch([m], SOURCES, options),
        await beamSearchBatch(m.encoder, m.decoder, SOURCES, options),
      );
    }
  });

  it('a model twice decodes as it alone: (x + x) / 2 is x', async () => {
    expect(await ensembleGreedyDecodeBatch([B, B], SOURCES, markers)).toEqual(
      await greedyDecodeBatch(B.encoder, B.decoder, SOURCES, markers),
    );
    const options = { ...markers, beam: 3, nBest: 2 };
    expectSameBeams(
      await ensembleBeamSearchBatch([B, B], SOURCES, options),
      await beamSearchBatch(B.encoder, B.decoder, SOURCES, options),
    );
  });

  it('translateBeam takes a list of models as an ensemble', async () => {
    const texts = ['a b c', 'd e', 'f g h i'];
    const ensemble = await translateBeam([A, B], texts, { beam: 2, maxLength: MAX });
    const sources = texts.map((t) => A.sourceVocab.encode([SOS, ...t.split(' '), EOS]).reverse());
    const direct = await ensembleBeamSearchBatch([A, B], sources, { ...markers, beam: 2 });
    ensemble.forEach((result, i) => {
      expect(Array.isArray(result)).toBe(true);
      const best = (result as { tokens: string[] }[])[0]!;
      const words = A.targetVocab.decode(direct[i]![0]!.words).filter((w) => w !== SOS && w !== EOS);
      expect(best.tokens).toEqual(words);
    });
  });

  it('refuses members that do not share the vocabularies, saying how they differ', () => {
    const other = member(6, { hidden: 8, embedding: 4, layers: 1 }, [...TARGET_WORDS, 'v']);
    expect(() => ensembleMembers([A, other], ['runs/a', 'runs/b'])).toThrow(
      'runs/b cannot join an ensemble with runs/a: its target vocabulary has 14 words, not 13',
    );
    const renamed = member(6, { hidden: 8, embedding: 4, layers: 1 }, [SOS, EOS, ...'klmnopqrstv']);
    expect(() => ensembleMembers([A, renamed])).toThrow(
      'model 2 cannot join an ensemble with model 1: its target vocabulary differs at index 12: "v", not "u"',
    );
    expect(() => ensembleMembers([])).toThrow('at least one model');
  });
});
