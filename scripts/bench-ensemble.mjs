// Ensemble decoding speed, from one run: each member alone, then the members as an ensemble (the mean of their
// log-probabilities at each step, native/seq2seq/ensemble.cc), greedy and beam, on the same random sources.
// An ensemble should cost about the sum of its members alone: the last column is ensemble / sum of members.
// No decoding ends early (the models never choose <eos>), so every column decodes the same number of steps.
// A benchmark, not a test: run it on an otherwise idle machine (medians of --runs runs).
//   node scripts/bench-ensemble.mjs [--sentences 500] [--vocab 8000] [--hidden 256,512] [--layers 2]
//                                   [--attention luong-general] [--beam 5] [--runs 3] [--device cpu|cuda]
//                                   [--threads N] [--json FILE]
// --hidden lists one size per member (members may differ in size); needs `npx tsc -p tsconfig.build.json`.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    sentences: { type: 'string', default: '500' },
    vocab: { type: 'string', default: '8000' },
    hidden: { type: 'string', default: '256,256' },
    layers: { type: 'string', default: '2' },
    attention: { type: 'string', default: 'luong-general' },
    beam: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    device: { type: 'string', default: 'cpu' },
    threads: { type: 'string' },
    json: { type: 'string' },
  },
});
const torch = await import('../dist/torch/index.js');
const { buildModel } = await import('../dist/model/architecture.js');
const { greedyDecodeBatch } = await import('../dist/decode/batch-greedy.js');
const { beamSearchBatch } = await import('../dist/decode/beam.js');
const { ensembleGreedyDecodeBatch, ensembleBeamSearchBatch } = await import('../dist/decode/ensemble.js');
const { Random } = await import('../dist/util/random.js');

if (values.threads) torch.setNumThreads(Number(values.threads));
const V = Number(values.vocab);
const device = values.device;
const members = values.hidden.split(',').map((h, i) => {
  torch.manualSeed(i + 1);
  const sizes = { hidden: Number(h), embedding: 64, layers: Number(values.layers), attention: values.attention };
  const { encoder, decoder } = buildModel(V, V, sizes);
  // <eos> (index 1) is never chosen: every decoding runs maxLength steps, so that alone and together do equal work.
  const bias = Object.fromEntries(decoder.namedParameters())['dense.bias'];
  const never = torch.tensor(Array.from({ length: V }, (_, k) => (k === 1 ? 1e4 : 0)));
  torch.noGrad(() => bias.copy_(bias.sub(never)));
  return { encoder: encoder.to(device).eval(), decoder: decoder.to(device).eval(), sizes };
});
const random = new Random(1);
const sources = Array.from({ length: Number(values.sentences) }, () => [
  1,
  ...Array.from({ length: 3 + random.int(15) }, () => 3 + random.int(V - 3)),
  0,
]);
const options = { sos: 0, eos: 1, maxLength: 30, device };
const beam = Number(values.beam);

async function seconds(fn) {
  await fn(); // warm-up: first calls allocate and pick kernels
  const times = [];
  for (let r = 0; r < Number(values.runs); r++) {
    const start = performance.now();
    await fn();
    times.push((performance.now() - start) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

const rows = [];
for (const [kind, alone, together] of [
  [
    'greedy',
    (m) => greedyDecodeBatch(m.encoder, m.decoder, sources, options),
    () => ensembleGreedyDecodeBatch(members, sources, options),
  ],
  [
    `beam ${beam}`,
    (m) => beamSearchBatch(m.encoder, m.decoder, sources, { ...options, beam }),
    () => ensembleBeamSearchBatch(members, sources, { ...options, beam }),
  ],
]) {
  const each = [];
  for (const m of members) each.push(await seconds(() => alone(m)));
  const ensemble = await seconds(together);
  const sum = each.reduce((a, b) => a + b, 0);
  rows.push({ kind, members: each, ensemble, ratio: ensemble / sum });
}

console.log(
  `${sources.length} sentences, vocabulary ${V}, members ${members.map((m) => `${m.sizes.hidden}x${m.sizes.layers}`).join(' + ')} (${values.attention}), ${device}`,
);
console.log(
  'decoding   | ' + members.map((_, i) => `member ${i + 1} (s)`).join(' | ') + ' | ensemble (s) | ensemble / sum',
);
for (const r of rows) {
  console.log(
    `${r.kind.padEnd(10)} | ${r.members.map((t) => t.toFixed(3).padStart(12)).join(' | ')} | ${r.ensemble.toFixed(3).padStart(12)} | ${r.ratio.toFixed(2)}`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify({ sentences: sources.length, vocab: V, rows }, null, 2));
