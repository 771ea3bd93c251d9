// `npm run quality -- --attention`: the notebook's model (`none`) against Bahdanau and Luong (general) attention,
// same sizes, same data, same wall-clock budget of batched training each; prints the held-out loss per target
// token, corpus BLEU (sacreBLEU's), exact match, and BLEU on the held-out sentences longer than the median.
//   npm run quality -- --attention [--seconds 120] [--corpus deu.txt] [--instances 10000] [--hidden 128]
//                                 [--layers 2] [--kinds none,bahdanau,luong-general] [--bidirectional] [--json FILE]
//                                 [--clauses 3]: demo lines of 1 to 3 sentences joined by and / und
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    attention: { type: 'boolean' },
    seconds: { type: 'string', default: '120' },
    corpus: { type: 'string' },
    instances: { type: 'string', default: '10000' },
    hidden: { type: 'string', default: '128' },
    layers: { type: 'string', default: '2' },
    kinds: { type: 'string', default: 'none,bahdanau,luong-general' },
    clauses: { type: 'string', default: '1' },
    bidirectional: { type: 'boolean', default: false },
    device: { type: 'string', default: 'cpu' },
    json: { type: 'string' },
  },
});
const torch = await import('../dist/torch/index.js');
const { readCorpus } = await import('../dist/data/corpus.js');
const { buildDataset, samplePairs } = await import('../dist/data/dataset.js');
const { generateDemoCorpus } = await import('../dist/data/demo-grammar.js');
const { EOS, SOS } = await import('../dist/data/tokenize.js');
const { buildModel, describeModel } = await import('../dist/model/architecture.js');
const { trainBatched, evaluateLoss } = await import('../dist/train/batched.js');
const { splitHeldOut } = await import('../dist/train/split.js');
const { greedyDecodeBatch } = await import('../dist/decode/batch-greedy.js');
const { displayWords } = await import('../dist/decode/translate.js');
const { corpusBleu } = await import('../dist/eval/bleu.js');

const seconds = Number(values.seconds);
const device = values.device;
let corpusPath = values.corpus;
if (!corpusPath) {
  corpusPath = join(mkdtempSync(join(tmpdir(), 'quality-attention-')), 'deu-demo.txt');
  writeFileSync(corpusPath, generateDemoCorpus({ pairs: 20_000, seed: 5, clauses: Number(values.clauses) }));
}
const data = buildDataset(samplePairs(readCorpus(corpusPath).pairs, Number(values.instances), 0));
const split = splitHeldOut(data, 0.05, 0);
const lengths = split.valid.map((j) => data.sources[j].length).sort((a, b) => a - b);
const median = lengths[Math.floor((lengths.length - 1) / 2)];
const long = split.valid.filter((j) => data.sources[j].length > median);

async function heldOut(encoder, decoder) {
  const loss = await evaluateLoss(encoder, decoder, data, split.valid, { device });
  const outputs = await greedyDecodeBatch(
    encoder,
    decoder,
    split.valid.map((j) => data.sources[j]),
    { sos: data.targetVocab.index(SOS), eos: data.targetVocab.index(EOS), maxLength: 2 * data.maxSentLen, device },
  );
  const words = (ids) => displayWords(data.targetVocab.decode(ids)).join(' ');
  const hyps = new Map(split.valid.map((j, k) => [j, words(outputs[k])]));
  const bleu = (pairs) =>
    corpusBleu(
      pairs.map((j) => hyps.get(j)),
      [pairs.map((j) => words(data.targets[j]))],
    ).score;
  const exact = split.valid.filter((j) => hyps.get(j) === words(data.targets[j])).length / split.valid.length;
  return { loss, bleu: bleu(split.valid), longBleu: bleu(long), exact };
}

const rows = [];
for (const attention of values.kinds.split(',')) {
  const sizes = {
    hidden: Number(values.hidden),
    embedding: 30,
    layers: Number(values.layers),
    attention,
    bidirectional: values.bidirectional,
  };
  torch.manualSeed(0);
  const { encoder, decoder } = buildModel(data.sourceVocab.size, data.targetVocab.size, sizes);
  encoder.to(device);
  decoder.to(device);
  let sentences = 0;
  let epochs = 0;
  const started = performance.now();
  await trainBatched(encoder, decoder, data, {
    epochs: 10_000,
    lr: 0.003,
    device,
    seed: 0,
    batchSize: 32,
    validFraction: 0.05,
    signal: AbortSignal.timeout(seconds * 1000),
    onEpoch: (e) => {
      sentences += e.sentences;
      epochs++;
    },
  });
  const trained = (performance.now() - started) / 1000;
  const row = {
    attention,
    model: describeModel(sizes),
    sentences,
    epochs,
    seconds: trained,
    ...(await heldOut(encoder, decoder)),
  };
  console.error(JSON.stringify(row));
  rows.push(row);
}

console.log(
  `\n${values.corpus ?? `demo corpus (1 to ${values.clauses} clauses a line)`}: ${data.sources.length} sampled pairs, ${split.valid.length} distinct held-out ` +
    `pairs (${long.length} with sources longer than the median of ${median} tokens); hidden ${values.hidden}, ` +
    `${values.layers} layers, batch 32; ${seconds} s of training each on ${device} (${cpus()[0].model.trim()} x ${cpus().length})\n`,
);
console.log('| attention | epochs | held-out loss per token | BLEU | BLEU, longer than median | exact match |');
console.log('|---|--:|--:|--:|--:|--:|');
for (const r of rows) {
  console.log(
    `| ${r.attention} | ${r.epochs} | ${r.loss.toFixed(3)} | ${r.bleu.toFixed(2)} | ${r.longBleu.toFixed(2)} | ${(100 * r.exact).toFixed(1)}% |`,
  );
}
if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
