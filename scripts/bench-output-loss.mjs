// `npm run bench -- --output-loss`: the training jobs' fused output layer and loss (native/kernels/output_loss.h)
// against the same computation as ATen's ops (Linear, LogSoftmax, NLLLoss with reduction sum, what the jobs ran
// before and still run under bf16 and on CUDA), forward and backward, side by side in one process: medians of 10
// after 2 warm-up runs, per size and thread count. A benchmark, not a test: run it on an otherwise idle machine.
//   npm run bench -- --output-loss [--rows 640] [--sizes 128x8000,512x8000,512x16000] [--threads 1,2]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'output-loss': { type: 'boolean' },
    rows: { type: 'string', default: '640' },
    sizes: { type: 'string', default: '128x8000,512x8000,512x16000' },
    threads: { type: 'string', default: '1,2' },
  },
});
/** A flag's value or one line and exit 2, as bench.mjs answers bad flags. */
function check(ok, message) {
  if (ok) return;
  console.error(`bench: ${message}`);
  process.exit(2);
}
const positive = (v) => /^[1-9]\d*$/.test(v);
check(positive(values.rows), `--rows: a positive integer, got ${values.rows}`);
check(
  values.sizes.split(',').every((s) => /^[1-9]\d*x[1-9]\d*$/.test(s)),
  `--sizes: FEATURESxVOCABULARY[,...], e.g. 512x8000, got ${values.sizes}`,
);
check(values.threads.split(',').every(positive), `--threads: positive integers, got ${values.threads}`);
const torch = await import('../dist/torch/index.js');
const { native } = await import('../dist/torch/addon.js');

const rows = Number(values.rows);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
/** Median milliseconds of forward + backward. */
function time(lossOf) {
  const ms = [];
  for (let r = 0; r < 12; r++) {
    const start = performance.now();
    torch.tidy(() => lossOf().backward());
    if (r >= 2) ms.push(performance.now() - start);
  }
  return median(ms);
}

console.log(
  `Output layer + loss, forward and backward, ${rows} rows (tokens); ${cpus()[0]?.model.trim()} x ${cpus().length}.\n`,
);
console.log('| features | vocabulary | threads | ATen ops ms | fused ms | fused vs ATen |');
console.log('| --: | --: | --: | --: | --: | --: |');
for (const threads of values.threads.split(',').map(Number)) {
  torch.setNumThreads(threads);
  for (const size of values.sizes.split(',')) {
    const [features, vocab] = size.split('x').map(Number);
    torch.manualSeed(1);
    const linear = new torch.nn.Linear(features, vocab);
    const logSoftmax = new torch.nn.LogSoftmax(1);
    const nll = new torch.nn.NLLLoss({ reduction: 'sum' });
    const x = torch.randn([rows, features]).requiresGrad_();
    const target = torch.tensor(
      Array.from({ length: rows }, (_, i) => (i * 7919) % vocab),
      { dtype: 'int64' },
    );
    const [weight, bias] = linear.parameters();
    const aten = time(() => nll.forward(logSoftmax.forward(linear.forward(x)), target));
    const fused = time(
      () => new torch.Tensor(native.testing.outputLayerLoss(x.handle, weight.handle, bias.handle, target.handle, 0)),
    );
    console.log(
      `| ${features} | ${vocab} | ${threads} | ${aten.toFixed(1)} | ${fused.toFixed(1)} | ${(aten / fused).toFixed(2)}x |`,
    );
  }
}
