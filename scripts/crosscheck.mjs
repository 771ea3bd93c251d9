// `npm run crosscheck`: trains with the notebook loop here (exporting the run), replays the same run with the
// notebook's PyTorch code (scripts/reference/notebook.py, Debian's python3-torch), and prints the largest
// relative difference in per-sentence losses and whether the greedy translations agree.
//   npm run crosscheck -- [--corpus FILE (default: the demo corpus)] [--instances 200] [--epochs 2] [--hidden 32] [--device cpu]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    corpus: { type: 'string' },
    instances: { type: 'string', default: '200' },
    epochs: { type: 'string', default: '2' },
    hidden: { type: 'string', default: '32' },
    device: { type: 'string', default: 'cpu' },
    python: { type: 'string', default: process.env.SEQ2SEQ_PYTHON ?? '/usr/bin/python3' },
  },
});
const run = mkdtempSync(join(tmpdir(), 'crosscheck-'));
if (!values.corpus) {
  // Without --corpus: the demo grammar's corpus, varied enough to exercise the whole vocabulary path.
  const { generateDemoCorpus } = await import('../dist/data/demo-grammar.js');
  values.corpus = join(run, 'deu-demo.txt');
  writeFileSync(values.corpus, generateDemoCorpus({ pairs: 2000, seed: 5 }));
}
const out = join(run, 'model');
// The export gets a folder of its own: the tool writes only into new or empty folders (or its own).
const exported = join(run, 'export');
const sh = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 28 });
  if (r.status !== 0) {
    console.error(`crosscheck: ${cmd} ${args.join(' ')} failed`);
    process.exit(1);
  }
  return r.stdout;
};

const t0 = performance.now();
sh(process.execPath, [
  'dist/cli/main.js',
  'train',
  '--corpus',
  values.corpus,
  '--out',
  out,
  '--mode',
  'notebook',
  '--export-run',
  exported,
  '--instances',
  values.instances,
  '--epochs',
  values.epochs,
  '--hidden',
  values.hidden,
  '--device',
  values.device,
]);
const t1 = performance.now();
const ref = JSON.parse(sh(values.python, ['scripts/reference/notebook.py', exported, '--device', values.device]));
const t2 = performance.now();

const ours = JSON.parse(readFileSync(join(exported, 'losses.json'), 'utf8'));
let maxRel = 0;
let n = 0;
ref.per_sentence.forEach((epoch, i) =>
  epoch.forEach((theirs, j) => {
    maxRel = Math.max(maxRel, Math.abs(ours.per_sentence[i][j] - theirs) / Math.max(Math.abs(theirs), 1e-12));
    n++;
  }),
);

const { loadModel } = await import('../dist/io/model-files.js');
const { greedyDecode } = await import('../dist/decode/greedy.js');
const model = loadModel(out, values.device);
const data = JSON.parse(readFileSync(join(exported, 'data.json'), 'utf8'));
const sos = data.tgt_vocab.indexOf('<sos>');
const eos = data.tgt_vocab.indexOf('<eos>');
const same = ref.translations.every(
  (words, j) =>
    JSON.stringify(
      greedyDecode(model.encoder, model.decoder, data.sources[j], {
        sos,
        eos,
        maxLength: data.targets[j].length,
        device: values.device,
      }),
    ) === JSON.stringify(words),
);
console.log(`per-sentence losses compared: ${n}; max relative difference: ${maxRel.toExponential(2)} (limit 1e-5)`);
console.log(`greedy translations of the first ${ref.translations.length} sources: ${same ? 'identical' : 'DIFFERENT'}`);
console.log(
  `time: seq2seq-node ${((t1 - t0) / 1000).toFixed(1)} s, PyTorch ${((t2 - t1) / 1000).toFixed(1)} s (including start-up)`,
);
process.exit(maxRel <= 1e-5 && same ? 0 : 1);
