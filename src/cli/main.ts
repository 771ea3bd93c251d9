#!/usr/bin/env node
/** The `seq2seq` command line. Every failure ends in one plain line on stderr and a non-zero exit. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Device } from '../torch/index.js';

const integer = (min: number) => (value: string) => {
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new InvalidArgumentError(`expected an integer of at least ${min}, got "${value}"`);
  }
  return Number(value);
};

const positiveNumber = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  }
  return n;
};

const nonNegativeNumber = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number of at least 0, got "${value}"`);
  }
  return n;
};

const between = (min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new InvalidArgumentError(`expected a number from ${min} to ${max}, got "${value}"`);
  }
  return n;
};
const ratio = between(0, 1);
const fraction = between(0, 0.5);

const device = (value: string): Device => {
  if (!/^(cpu|cuda(:\d+)?)$/.test(value))
    throw new InvalidArgumentError(`expected cpu, cuda or cuda:N, got "${value}"`);
  return value as Device;
};

const program = new Command()
  .name('seq2seq')
  .description('Sutskever-style sequence-to-sequence translators on libtorch')
  // One line per error: commander's "(Did you mean ...?)" hint joins the message instead of following it.
  .configureOutput({ outputError: (text, write) => write(`${text.trim().replace(/\n+/g, ' ')}\n`) })
  .exitOverride();

program
  .command('train')
  .description("train the notebook's model on a manythings corpus (deu.txt or deu-eng.zip)")
  .requiredOption('--corpus <file>', 'corpus: English<TAB>German<TAB>attribution per line, or the zip holding it')
  .requiredOption('--out <dir>', 'folder for the model, loss.json and loss.png')
  .option('--instances <n>', 'pairs drawn with replacement (NUM_INSTANCES)', integer(1), 50_000)
  .option('--epochs <n>', 'NUM_EPOCHS', integer(1), 10)
  .option('--hidden <n>', 'HIDDEN_SIZE', integer(1), 128)
  .option('--embedding <n>', 'EMBEDDING_DIM', integer(1), 30)
  .option('--layers <n>', 'NUM_LAYERS', integer(1), 4)
  .option('--lr <x>', "Adam's learning rate", positiveNumber, 0.01)
  .option('--seed <n>', 'seed of the sampling and of the initial weights', integer(0), 0)
  .option('--device <device>', 'cpu, cuda or cuda:N', device, 'cpu' as Device)
  .option(
    '--threads <n>',
    "libtorch's intra-op threads (default: every core; 1 is fastest for this loop's tiny steps)",
    integer(1),
  )
  .addOption(
    new Option(
      '--mode <mode>',
      'batched: mini-batches in C++ off the main thread; notebook: the TypeScript mirror, op by op; ' +
        'fused: the notebook in one addon call per sentence, same losses',
    )
      .choices(['batched', 'notebook', 'fused'])
      .default('batched'),
  )
  .option('--batch-size <n>', 'batched: sentences per mini-batch (grouped by length)', integer(1), 64)
  .option(
    '--teacher-forcing <ratio>',
    'batched: probability of feeding the reference word at each decoder step (0: free-running, as the notebook)',
    ratio,
    1,
  )
  .option('--clip <norm>', 'batched: largest gradient norm (0: no clipping)', nonNegativeNumber, 5)
  .option('--valid-fraction <x>', 'batched: share of the distinct pairs held out for validation', fraction, 0.05)
  .addOption(
    new Option('--normalize <what>', 'batched: average the loss over target tokens or sentences before backward')
      .choices(['tokens', 'sentences'])
      .default('tokens'),
  )
  .option('--swap', 'translate from the second column to the first (German to English)')
  .option('--export-run <dir>', 'also write data.json, init.pt and losses.json for the PyTorch cross-check')
  .action(async (options: Parameters<typeof import('./train.js').runTrain>[0]) => {
    const { runTrain } = await import('./train.js');
    // Ctrl-C: batched training stops after the current batch and saves; a second Ctrl-C quits at once.
    const controller = new AbortController();
    process.once('SIGINT', () => {
      console.error('seq2seq: stopping after the current batch (Ctrl-C again to quit at once)');
      controller.abort();
      process.once('SIGINT', () => process.exit(130));
    });
    const outcome = await runTrain({ ...options, signal: controller.signal });
    if (outcome.stopped) process.exitCode = 130;
  });

program
  .command('translate')
  .description('translate sentences with a trained model, one line each')
  .requiredOption('--model <dir>', 'a folder written by `seq2seq train`')
  .option('--device <device>', 'cpu, cuda or cuda:N', device, 'cpu' as Device)
  .option('--max-length <n>', 'most words in a translation', integer(1), 50)
  .argument('<sentences...>', 'sentences to translate')
  .action(async (sentences: string[], options: { model: string; device: Device; maxLength: number }) => {
    const { loadModel } = await import('../io/model-files.js');
    const { translateMany, UnknownWordsError } = await import('../decode/translate.js');
    const model = loadModel(options.model, options.device);
    const results = await translateMany(model, sentences, options.maxLength);
    results.forEach((result, i) => {
      if (result instanceof UnknownWordsError) {
        console.error(
          `seq2seq: cannot translate "${sentences[i]}": ${result.message} (not in the training vocabulary)`,
        );
        process.exitCode = 1;
      } else {
        console.log(result.join(' '));
      }
    });
  });

program
  .command('doctor')
  .description('print the libtorch, CUDA, C++ ABI, BLAS, threads and devices in use, and self-test each device')
  .option('--json', 'print the report as JSON')
  .action(async (options: { json?: boolean }) => {
    // Imported here so that `--help` works even when the addon cannot load.
    const { doctor, formatDoctor } = await import('./doctor.js');
    const report = doctor();
    console.log(options.json ? JSON.stringify(report, null, 2) : formatDoctor(report));
    if (report.selfTest.some((t) => !t.ok)) process.exitCode = 1;
  });

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    // The addon's load error spans several lines of advice: keep it whole; anything else is one line.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`seq2seq: ${message.startsWith('Could not load') ? message : message.split('\n')[0]}`);
    process.exitCode = 1;
  }
}
