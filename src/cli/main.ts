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
      'notebook: the TypeScript mirror, op by op; fused: one addon call per sentence, same losses',
    )
      .choices(['notebook', 'fused'])
      .default('notebook'),
  )
  .option('--swap', 'translate from the second column to the first (German to English)')
  .option('--export-run <dir>', 'also write data.json, init.pt and losses.json for the PyTorch cross-check')
  .action(async (options: Parameters<typeof import('./train.js').runTrain>[0]) => {
    const { runTrain } = await import('./train.js');
    await runTrain(options);
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
    const { translate, UnknownWordsError } = await import('../decode/translate.js');
    const model = loadModel(options.model, options.device);
    for (const sentence of sentences) {
      try {
        console.log(translate(model, sentence, options.maxLength).join(' '));
      } catch (err) {
        if (!(err instanceof UnknownWordsError)) throw err;
        console.error(`seq2seq: cannot translate "${sentence}": ${err.message} (not in the training vocabulary)`);
        process.exitCode = 1;
      }
    }
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
