// `npm run quality`: the same model trained for the same wall-clock time by the notebook's loop and by batched
// training, on the demo corpus with the same held-out pairs; prints each one's held-out loss per target token
// and the exact-match rate of its greedy translations. Speed must not be bought with worse models.
//   npm run quality -- [--seconds 120] [--instances 5000] [--hidden 128] [--layers 4] [--device cpu]
//   npm run quality -- --attention ...: attention decoders against the notebook's model (quality-attention.mjs)
//   npm run quality -- --subword ...: word against subword vocabularies on real text (quality-subword.mjs)
//   npm run quality -- --recipes ...: training recipes on real text (quality-recipes.mjs)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

// `--attention`: none vs Bahdanau vs Luong attention instead (scripts/quality-attention.mjs).
if (process.argv.includes('--attention')) {
  await import('./quality-attention.mjs');
  process.exit(0);
}
// `--subword`: word vs subword vocabularies on the message-catalog corpus (scripts/quality-subword.mjs).
if (process.argv.includes('--subword')) {
  await import('./quality-subword.mjs');
  process.exit(0);
}

// `--recipes`: defaults vs regularisation vs SGD, averaging and ensembles on real text (scripts/quality-recipes.mjs).
if (process.argv.includes('--recipes')) {
  await import('./quality-recipes.mjs');
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    instances: { type: 'string', default: '5000' },
    hidden: { type: 'string', default: '128' },
    layers: { type: 'string', default: '4' },
    device: { type: 'string', default: 'cpu' },
  },
});
const torch = await import('../dist/torch/index.js');
const { readCorpus } = await import('../dist/data/corpus.js');
const { buildDataset, samplePairs } = await import('../dist/data/dataset.js');
const { generateDemoCorpus } = await import('../dist/data/demo-grammar.js');
const { EOS, SOS } = await import('../dist/data/tokenize.js');
const { Encoder } = await import('../dist/model/encoder.js');
const { Decoder } = await import('../dist/model/decoder.js');
const { trainNotebook } = await import('../dist/train/notebook.js');
const { trainBatched, evaluateLoss } = await import('../dist/train/batched.js');
const { splitHeldOut } = await import('../dist/train/split.js');
const { greedyDecodeBatch } = await import('../dist/decode/batch-greedy.js');
const { displayWords } = await import('../dist/decode/translate.js');

const seconds = Number(values.seconds);
const device = values.device;
const hidden = Number(values.hidden);
const layers = Number(values.layers);
const corpusPath = join(mkdtempSync(join(tmpdir(), 'quality-')), 'deu-demo.txt');
writeFileSync(corpusPath, generateDemoCorpus({ pairs: 5000, seed: 5 }));
const data = buildDataset(samplePairs(readCorpus(corpusPath).pairs, Number(values.instances), 0));
const split = splitHeldOut(data, 0.05, 0);
const model = () => {
  torch.manualSeed(0);
  return [
    new Encoder(data.sourceVocab.size, hidden, 30, layers).to(device),
    new Decoder(data.targetVocab.size, hidden, 30, layers).to(device),
  ];
};

async function heldOut(encoder, decoder, scoreSos) {
  const loss = await evaluateLoss(encoder, decoder, data, split.valid, { device, scoreSos });
  const outputs = await greedyDecodeBatch(
    encoder,
    decoder,
    split.valid.map((j) => data.sources[j]),
    {
      sos: data.targetVocab.index(SOS),
      eos: data.targetVocab.index(EOS),
      maxLength: split.valid.map((j) => data.targets[j].length),
      device,
    },
  );
  const words = (ids) => displayWords(data.targetVocab.decode(ids)).join(' ');
  const hits = split.valid.filter((j, k) => words(outputs[k]) === words(data.targets[j])).length;
  return { loss, exact: hits / split.valid.length };
}

const rows = [];
{
  // The notebook's loop on the training pairs only, one thread (its fastest), until the time is up.
  torch.setNumThreads(1);
  const train = {
    ...data,
    sources: split.train.map((j) => data.sources[j]),
    targets: split.train.map((j) => data.targets[j]),
  };
  const [encoder, decoder] = model();
  let sentences = 0;
  try {
    await trainNotebook(encoder, decoder, train, {
      epochs: 1000,
      lr: 0.01,
      device,
      signal: AbortSignal.timeout(seconds * 1000),
      onProgress: () => sentences++,
    });
  } catch (err) {
    if (err.name !== 'TimeoutError') throw err;
  }
  // Its decoder learns to emit <sos> first (the notebook scores it): evaluated on its own terms, <sos> included.
  rows.push({ mode: 'notebook loop (1 thread)', sentences, ...(await heldOut(encoder, decoder, true)) });
}
{
  torch.setNumThreads(Number(process.env.SEQ2SEQ_NUM_THREADS ?? 0) || (await import('node:os')).availableParallelism());
  const [encoder, decoder] = model();
  let sentences = 0;
  await trainBatched(encoder, decoder, data, {
    epochs: 1000,
    lr: 0.003,
    device,
    seed: 0,
    batchSize: 32,
    signal: AbortSignal.timeout(seconds * 1000),
    onEpoch: (e) => (sentences += e.sentences),
  });
  rows.push({ mode: 'batched (batch 32, teacher forcing)', sentences, ...(await heldOut(encoder, decoder, false)) });
}

console.log(
  `\ndemo corpus, ${data.sources.length} sampled pairs, ${split.valid.length} distinct held-out pairs; hidden ${hidden}, ` +
    `${layers} layers; ${seconds} s of training each on ${device}\n`,
);
console.log('| mode | sentences trained | held-out loss per token | held-out exact match |');
console.log('|---|--:|--:|--:|');
for (const r of rows) {
  console.log(`| ${r.mode} | ${r.sentences} | ${r.loss.toFixed(3)} | ${(100 * r.exact).toFixed(1)}% |`);
}
