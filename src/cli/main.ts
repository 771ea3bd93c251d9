#!/usr/bin/env node
/** The `seq2seq` command line. Every failure ends in one plain line on stderr and a non-zero exit. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ATTENTION_KINDS } from '../model/attention-kind.js';
import type { Device } from '../torch/index.js';
import type { EvalCommand } from './eval.js';
import type { ScoreCommand } from './score.js';
import type { TrainCommand } from './train.js';
import type { TranslateCommand } from './translate.js';

interface ImportCommand {
  encoder: string;
  decoder: string;
  srcVocab: string;
  tgtVocab: string;
  out: string;
  force?: boolean;
}

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
const finite = between(-10, 10);

const metrics = (value: string): ('bleu' | 'chrf')[] => {
  const list = value.split(',').map((m) => m.trim().toLowerCase());
  const bad = list.find((m) => m !== 'bleu' && m !== 'chrf');
  if (bad !== undefined || list.length === 0)
    throw new InvalidArgumentError(`expected bleu, chrf or bleu,chrf, got "${value}"`);
  return [...new Set(list)] as ('bleu' | 'chrf')[];
};
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
  .exitOverride()
  .addHelpText(
    'after',
    '\nExit codes: 0 done; 1 failed (a bad file, an unusable device, a sentence with unknown words); ' +
      '2 usage error (unknown option, bad value); 130 stopped by Ctrl-C (training keeps its last checkpoint).',
  );

program
  .command('train')
  .description("train the notebook's model on a manythings corpus (deu.txt or deu-eng.zip), or resume a run")
  .option('--corpus <file>', 'corpus: English<TAB>German<TAB>attribution per line, or the zip holding it')
  .option('--out <dir>', 'training folder to create: checkpoints/, last, best, loss.json, loss.png')
  .option('--resume <dir>', 'continue the run in this training folder with its own options (--epochs may grow)')
  .option('--instances <n>', 'pairs drawn with replacement (NUM_INSTANCES)', integer(1), 50_000)
  .option('--epochs <n>', 'NUM_EPOCHS (with --resume: the new total)', integer(1), 10)
  .option('--hidden <n>', 'HIDDEN_SIZE', integer(1), 128)
  .option('--embedding <n>', 'EMBEDDING_DIM', integer(1), 30)
  .option('--layers <n>', 'NUM_LAYERS', integer(1), 4)
  .addOption(
    new Option(
      '--attention <kind>',
      "batched: attention over the encoder's outputs: none (the notebook's model), bahdanau (additive), " +
        'luong-dot, luong-general, luong-concat',
    )
      .choices([...ATTENTION_KINDS])
      .default('none'),
  )
  .option('--bidirectional', 'batched: bidirectional encoder, hidden/2 per direction, states concatenated per layer')
  .option('--input-feed', 'batched, Luong attention: feed the attentional state to the next step (the default)')
  .option('--no-input-feed', 'batched, Luong attention: no input feeding')
  .option('--lr <x>', "Adam's learning rate", positiveNumber, 0.01)
  .option('--seed <n>', 'seed of the sampling, the initial weights, the split and the batches', integer(0), 0)
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
  .option('--patience <n>', 'batched: stop after this many epochs without a better validation measure', integer(1))
  .addOption(
    new Option('--best-metric <metric>', 'batched: validation measure that picks the best checkpoint')
      .choices(['loss', 'bleu'])
      .default('loss'),
  )
  .option('--swap', 'translate from the second column to the first (German to English)')
  .option('--export-run <dir>', 'also write data.json, init.pt and losses.json for the PyTorch cross-check')
  .option('--world-size <n>', 'batched: workers in the data-parallel job (default: WORLD_SIZE, else 1)', integer(1))
  .option('--rank <r>', "batched: this worker's rank, 0 to world size - 1 (default: RANK)", integer(0))
  .option('--master-addr <host>', 'host of rank 0, where the workers meet (default: MASTER_ADDR, else 127.0.0.1)')
  .option('--master-port <port>', 'port on rank 0 (default: MASTER_PORT, else 29500)', integer(1))
  .option('--timeout <s>', 'seconds to wait for the other workers and for each exchange', positiveNumber, 300)
  .addOption(
    new Option(
      '--backend <name>',
      'c10d backend (default: nccl with --device cuda when built with it, else gloo)',
    ).choices(['gloo', 'nccl']),
  )
  .action(async (options: TrainCommand, command: Command) => {
    const { runTrain } = await import('./train.js');
    if (!options.resume && (!options.corpus || !options.out)) {
      throw new Error('train needs --corpus FILE and --out DIR (or --resume DIR)');
    }
    const given = new Set(Object.keys(options).filter((k) => command.getOptionValueSource(k) === 'cli'));
    // Ctrl-C: training stops after the current batch (or sentence); a second Ctrl-C quits at once.
    const controller = new AbortController();
    process.once('SIGINT', () => {
      console.error('seq2seq: stopping after the current batch (Ctrl-C again to quit at once)');
      controller.abort();
      process.once('SIGINT', () => process.exit(130));
    });
    const outcome = await runTrain({ ...options, given, signal: controller.signal });
    if (outcome.stopped) process.exitCode = 130;
  });

program
  .command('launch')
  .description('start N local workers of a data-parallel job, as torchrun does: seq2seq launch --nproc 2 -- train ...')
  .option('--nproc <n>', 'workers to start on this machine', integer(1), 2)
  .option('--master-port <port>', 'port where they meet', integer(1), 29500)
  .argument('<command...>', 'the seq2seq command each worker runs (after --)')
  .action(async (args: string[], options: { nproc: number; masterPort: number }) => {
    const { runLaunch } = await import('./launch.js');
    process.exitCode = await runLaunch(args, options);
  });

program
  .command('translate')
  .description('translate sentences (arguments, or one per line from stdin) with a trained model')
  .requiredOption('--model <dir>', 'a model folder, or a training folder (its best checkpoint)')
  .option('--device <device>', 'cpu, cuda or cuda:N', device, 'cpu' as Device)
  .option('--max-length <n>', 'most tokens in a translation', integer(1), 50)
  .option('--beam <k>', 'beam width (1: greedy decoding)', integer(1), 1)
  .option('--n-best <n>', 'translations printed per sentence, best first (at most --beam)', integer(1), 1)
  .option('--length-penalty <alpha>', 'scores are log-probabilities divided by length^alpha', finite, 1)
  .option('--json', 'print one JSON object per sentence: source, translations with tokens and scores')
  .option('--show-attention', 'print the attention weights behind each word (greedy; models with --attention)')
  .option('--attention-png <file>', 'draw the attention as a heat map PNG (several sentences: FILE-N.png)')
  .argument('[sentences...]', 'sentences to translate (default: read lines from stdin)')
  .action(async (sentences: string[], options: TranslateCommand) => {
    const { runTranslate } = await import('./translate.js');
    process.exitCode = await runTranslate(sentences, options);
  });

program
  .command('eval')
  .description('score a model on pairs of a corpus: BLEU and chrF (as sacreBLEU), exact match, loss per token')
  .requiredOption('--model <dir>', 'a model folder, or a training folder (its best checkpoint)')
  .requiredOption('--corpus <file>', 'corpus: English<TAB>German<TAB>attribution per line, or the zip holding it')
  .option('--instances <n>', 'distinct pairs drawn at random with --seed (default: every pair)', integer(1))
  .option('--seed <n>', 'seed of the drawing', integer(0), 0)
  .option('--swap', 'translate from the second column to the first')
  .option('--device <device>', 'cpu, cuda or cuda:N', device, 'cpu' as Device)
  .option('--max-length <n>', 'most tokens in a translation', integer(1), 50)
  .option('--beam <k>', 'beam width (1: greedy decoding)', integer(1), 1)
  .option('--length-penalty <alpha>', 'scores are log-probabilities divided by length^alpha', finite, 1)
  .option('--hyps-out <file>', 'write the scored translations there, one per line')
  .option('--refs-out <file>', 'write the references they were scored against, one per line')
  .option('--json', 'print the scores as JSON')
  .action(async (options: EvalCommand) => {
    const { runEval } = await import('./eval.js');
    await runEval(options);
  });

program
  .command('score')
  .description("score translations against references, line by line, as sacreBLEU's command line does")
  .requiredOption('--hyp <file>', 'translations, one per line')
  .requiredOption('--ref <files...>', 'references, one per line (several files: several references per line)')
  .option('--metrics <list>', 'bleu, chrf or both, comma-separated', metrics, ['bleu', 'chrf'])
  .option('--json', 'print {"bleu": ..., "chrf": ..., "signature": ...} (scores on the 0-100 scale)')
  .action(async (options: ScoreCommand) => {
    const { runScore } = await import('./score.js');
    runScore(options);
  });

program
  .command('import')
  .description("turn the notebook's PyTorch files (state dicts and vocabularies) into a model folder")
  .requiredOption('--encoder <file>', 'what torch.save(encoder.state_dict(), ...) wrote')
  .requiredOption('--decoder <file>', 'what torch.save(decoder.state_dict(), ...) wrote')
  .requiredOption('--src-vocab <file>', 'JSON array of the source words in index order (eng_words)')
  .requiredOption('--tgt-vocab <file>', 'JSON array of the target words in index order (deu_words)')
  .requiredOption('--out <dir>', 'model folder to write')
  .option('--force', 'replace a model already in --out')
  .action(async (options: ImportCommand) => {
    const { importModel } = await import('../io/interop.js');
    const sizes = importModel(
      { encoder: options.encoder, decoder: options.decoder, srcVocab: options.srcVocab, tgtVocab: options.tgtVocab },
      options.out,
      { force: options.force },
    );
    const { describeModel } = await import('../model/architecture.js');
    console.log(`imported: ${describeModel(sizes)} -> ${options.out}`);
  });

program
  .command('export')
  .description("write a model as the notebook's PyTorch files: encoder.pt, decoder.pt, src_vocab.json, tgt_vocab.json")
  .requiredOption('--model <dir>', 'a model folder, or a training folder (its best checkpoint)')
  .requiredOption('--out <dir>', 'folder for the four files')
  .option('--force', 'replace files already in --out')
  .action(async (options: { model: string; out: string; force?: boolean }) => {
    const { exportModel } = await import('../io/interop.js');
    const sizes = exportModel(options.model, options.out, { force: options.force });
    const { describeModel } = await import('../model/architecture.js');
    console.log(`exported: ${describeModel(sizes)} -> ${options.out}`);
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
    // Help and version exit 0; a usage error (unknown option, bad value, missing argument) exits 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    // The addon's load error spans several lines of advice: keep it whole; anything else is one line.
    const message = err instanceof Error ? err.message : String(err);
    console.error(`seq2seq: ${message.startsWith('Could not load') ? message : message.split('\n')[0]}`);
    process.exitCode = 1;
  }
}
