// `npm run demo`: generates the built-in English-German demo corpus, trains the notebook's model on it (sizes
// chosen to finish in under two minutes on two CPU cores), prints sample translations and writes the model
// and the loss plot to runs/demo.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const { generateDemoCorpus } = await import('../dist/data/demo-grammar.js');
const { runTrain } = await import('../dist/cli/train.js');
const { loadModel } = await import('../dist/io/model-files.js');
const { translate } = await import('../dist/decode/translate.js');
const { writeFileAtomic } = await import('../dist/util/atomic.js');

const out = 'runs/demo';
mkdirSync(out, { recursive: true });
const corpus = join(out, 'deu-demo.txt');
writeFileAtomic(corpus, generateDemoCorpus({ pairs: 5000, seed: 1 }));

const start = performance.now();
await runTrain({
  corpus,
  out,
  instances: 1500,
  epochs: 4,
  hidden: 64,
  embedding: 30,
  layers: 4,
  lr: 0.01,
  seed: 0,
  samples: 8,
  // One token at a time, the ops are too small to share: one thread is faster (measured in the README).
  threads: 1,
});
console.log(`trained in ${((performance.now() - start) / 1000).toFixed(0)} s`);

const model = loadModel(out);
for (const sentence of ['The dog sees the cat.', 'Do you read a book?', 'Today the man eats an apple.']) {
  try {
    console.log(`  ${sentence}  ->  ${translate(model, sentence).join(' ')}`);
  } catch (err) {
    console.log(`  ${sentence}  ->  (${err.message})`);
  }
}
console.log(`translate more: npx seq2seq translate --model ${out} "The child reads a book."`);
