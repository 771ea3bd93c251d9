#!/usr/bin/env node
/** The `seq2seq` command line. Every failure ends in one plain line on stderr and a non-zero exit. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MAX_BEAM, MAX_DECODE_LENGTH } from '../decode/limits.js';
import type { Device } from '../torch/index.js';
import {
  checkLanguageCode,
  MAX_BATCH,
  MAX_TIMEOUT_S,
  MAX_WAIT_MS,
  resolveServerOptions,
  SERVER_DEFAULTS,
} from '../server/limits.js';
import { device, epochList, integer, metrics, number, positiveUpTo } from './arguments.js';
import type { AverageCommand } from './average.js';
import type { EvalCommand } from './eval.js';
import type { ScoreCommand } from './score.js';
import type { ServeCommand } from './serve.js';
import { addTrainCommand } from './train.js';
import type { TranslateCommand } from './translate.js';

interface ImportCommand {
  encoder: string;
  decoder: string;
  srcVocab: string;
  tgtVocab: string;
  out: string;
  sourceSpm?: string;
  targetSpm?: string;
  force?: boolean;
}

const finite = number(-10, 10);

/** `--model` given several times: every folder, in order (an ensemble). */
const models = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];
const MODELS_HELP = 'a model folder, or a training folder (its best checkpoint); several: an ensemble';

/** A language code: en, de, pt-BR. */
const languageCode = (value: string): string => {
  try {
    return checkLanguageCode('', value);
  } catch {
    throw new InvalidArgumentError(`expected a language code such as en or pt-BR, got "${value}"`);
  }
};

const program = new Command()
  .name('seq2seq')
  .description('Sutskever-style sequence-to-sequence translators on libtorch')
  // Usage errors look like every other error: one `seq2seq: ` line (commander's "(Did you mean ...?)" hint joins it).
  .configureOutput({
    outputError: (text, write) =>
      write(
        `seq2seq: ${text
          .trim()
          .replace(/^error: /, '')
          .replace(/\n+/g, ' ')}\n`,
      ),
  })
  .exitOverride()
  .addHelpText(
    'after',
    '\nExit codes: 0 done; 1 failed (a bad file, an unusable device, a sentence with unknown words); ' +
      '2 usage error (unknown option, bad value); 130 stopped by Ctrl-C (training keeps its last checkpoint).',
  );

addTrainCommand(program);

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
  .requiredOption('--model <dir>', MODELS_HELP, models)
  .option('--device <device>', 'cpu, cuda or cuda:N', device, 'cpu' as Device)
  .option('--max-length <n>', 'most tokens in a translation', integer(1, MAX_DECODE_LENGTH), 50)
  .option('--beam <k>', 'beam width (1: greedy decoding)', integer(1, MAX_BEAM), 1)
  .option('--n-best <n>', 'translations printed per sentence, best first (at most --beam)', integer(1, MAX_BEAM), 1)
  .option('--length-penalty <alpha>', 'scores are log-probabilities divided by length^alpha', finite, 1)
  .option('--json', 'print one JSON object per sentence: source, translations with text, tokens and scores')
  .option('--replace-unk', 'replace each produced <unk> by the most-attended source word (attention word models)')
  .option('--show-attention', 'print the attention weights behind each word (greedy; models with --attention)')
  .option('--attention-png <file>', 'draw the attention as a heat map PNG (several sentences, or stdin: FILE-N.png)')
  .option('--force', 'replace existing --attention-png files')
  .argument('[sentences...]', 'sentences to translate (default: read lines from stdin)')
  .action(async (sentences: string[], options: TranslateCommand) => {
    const { runTranslate } = await import('./translate.js');
    process.exitCode = await runTranslate(sentences, options);
  });

program
  .command('serve')
  .description(
    'serve translations over HTTP: LibreTranslate-compatible /translate and /languages, /v1/translate with beams, ' +
      'n-best and attention, /health and /metrics; concurrent requests are decoded in shared batches',
  )
  .requiredOption('--model <dir>', 'a model folder, or a training folder (its best checkpoint)')
  .option('--host <host>', 'address to listen on (loopback; 0.0.0.0 for every interface)', '127.0.0.1')
  .option('--port <n>', 'port to listen on (0: any free port)', integer(0, 65535), 5000)
  .option('--device <device>', 'cpu, cuda or cuda:N', device, 'cpu' as Device)
  .option('--source <code>', "the model's source language, as clients name it", languageCode, SERVER_DEFAULTS.source)
  .option('--target <code>', "the model's target language", languageCode, SERVER_DEFAULTS.target)
  .option('--max-batch <n>', 'most sentences decoded together', integer(1, MAX_BATCH), SERVER_DEFAULTS.maxBatch)
  .option(
    '--max-wait <ms>',
    'milliseconds a batch waits for more sentences after its first',
    number(0, MAX_WAIT_MS),
    SERVER_DEFAULTS.maxWait,
  )
  .option('--max-queue <n>', 'most sentences waiting; beyond, requests get 429', integer(1), SERVER_DEFAULTS.maxQueue)
  .option('--max-chars <n>', 'most characters in a sentence (413 beyond)', integer(1), SERVER_DEFAULTS.maxChars)
  .option('--max-sentences <n>', 'most sentences in a request (413 beyond)', integer(1), SERVER_DEFAULTS.maxSentences)
  .option(
    '--timeout <s>',
    'seconds a request may take, queue included (503 beyond)',
    positiveUpTo(MAX_TIMEOUT_S),
    SERVER_DEFAULTS.timeout,
  )
  .option('--beam <k>', 'beam width of requests that do not ask for one (1: greedy)', integer(1, MAX_BEAM), 1)
  .option('--beam-max <k>', 'widest beam a request may ask for', integer(1, MAX_BEAM), SERVER_DEFAULTS.beamMax)
  .option(
    '--max-length <n>',
    'most tokens a request may ask a translation to have',
    integer(1, MAX_DECODE_LENGTH),
    SERVER_DEFAULTS.maxLength,
  )
  .option('--api-keys <file>', 'require one of these keys (one a line) on translation requests; 403 otherwise')
  .option('--cors', 'answer cross-origin requests from any web page (Access-Control-Allow-Origin: *)')
  .addOption(
    new Option('--log-level <level>', 'request log on stdout, one JSON line per request')
      .choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
      .default('info'),
  )
  .action(async (options: ServeCommand, command: Command) => {
    if (options.beam > options.beamMax)
      command.error(`--beam ${options.beam} is wider than --beam-max ${options.beamMax}`);
    if (options.source.toLowerCase() === options.target.toLowerCase()) {
      command.error(`--source and --target must be different languages, not both ${options.source}`);
    }
    const { runServe, serverOptionsOf } = await import('./serve.js');
    try {
      resolveServerOptions(serverOptionsOf(options));
    } catch (err) {
      command.error((err as Error).message);
    }
    process.exit(await runServe(options));
  });

program
  .command('eval')
  .description('score a model on pairs of a corpus: BLEU and chrF (as sacreBLEU), exact match, loss per token')
  .requiredOption('--model <dir>', MODELS_HELP, models)
  .requiredOption('--corpus <file>', 'corpus: English<TAB>German<TAB>attribution per line, or the zip holding it')
  .option('--instances <n>', 'distinct pairs drawn at random with --seed (default: every pair)', integer(1))
  .option('--seed <n>', 'seed of the drawing', integer(0), 0)
  .option('--swap', 'translate from the second column to the first')
  .option('--device <device>', 'cpu, cuda or cuda:N', device, 'cpu' as Device)
  .option('--max-length <n>', 'most tokens in a translation', integer(1, MAX_DECODE_LENGTH), 50)
  .option('--beam <k>', 'beam width (1: greedy decoding)', integer(1, MAX_BEAM), 1)
  .option('--length-penalty <alpha>', 'scores are log-probabilities divided by length^alpha', finite, 1)
  .option('--replace-unk', 'replace each produced <unk> by the most-attended source word (attention word models)')
  .option('--hyps-out <file>', 'write the scored translations there, one per line')
  .option('--refs-out <file>', 'write the references they were scored against, one per line')
  .option('--force', 'replace existing --hyps-out and --refs-out files')
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
  .option('--source-spm <file>', "subword models: the source language's SentencePiece model (source.model)")
  .option('--target-spm <file>', "subword models: the target language's SentencePiece model (target.model)")
  .option('--force', 'replace a model already in --out')
  .action(async (options: ImportCommand) => {
    const { importModel } = await import('../io/interop.js');
    const sizes = importModel(
      {
        encoder: options.encoder,
        decoder: options.decoder,
        srcVocab: options.srcVocab,
        tgtVocab: options.tgtVocab,
        ...(options.sourceSpm !== undefined ? { sourceSpm: options.sourceSpm } : {}),
        ...(options.targetSpm !== undefined ? { targetSpm: options.targetSpm } : {}),
      },
      options.out,
      { force: options.force },
    );
    const { describeModel } = await import('../model/architecture.js');
    console.log(`imported: ${describeModel(sizes)} -> ${options.out}`);
  });

program
  .command('export')
  .description(
    "write a model as the notebook's PyTorch files: encoder.pt, decoder.pt, src_vocab.json, tgt_vocab.json " +
      "(and a subword model's SentencePiece files)",
  )
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
  .command('average')
  .description(
    "average checkpoints of a training folder into a model folder (fairseq's average_checkpoints): weights are " +
      'the mean of the chosen epochs, vocabularies and config the newest one',
  )
  // Collected, not overwritten: a second --model would otherwise be taken silently in place of the first.
  .requiredOption('--model <dir>', 'the training folder (trained with --keep-checkpoints N to keep N epochs)', models)
  .requiredOption('--out <dir>', 'model folder to write (new, or a model folder with --force)')
  .option('--last <n>', 'average the n latest checkpoints', integer(1))
  .option('--epochs <list>', 'average these epochs: a comma-separated list', epochList)
  .option('--force', 'replace a model already in --out')
  .action(async (options: Omit<AverageCommand, 'model'> & { model: string[] }, command: Command) => {
    if (options.model.length > 1)
      command.error('average takes one --model: the training folder whose checkpoints it averages');
    if ((options.last === undefined) === (options.epochs === undefined)) {
      command.error('average needs --last N or --epochs a,b,c (one of them)');
    }
    const { runAverage } = await import('./average.js');
    runAverage({ ...options, model: options.model[0]! });
  });

program
  .command('quantize')
  .description(
    'write an int8 copy of a model: LSTM and output-layer weights int8 per row, activations quantized per tensor ' +
      "as decoding runs (PyTorch's dynamic quantization); translate, eval and serve load it",
  )
  // Collected, not overwritten: a second --model would otherwise be taken silently in place of the first.
  .requiredOption('--model <dir>', 'a model folder, or a training folder (its best checkpoint)', models)
  .requiredOption('--out <dir>', 'model folder to write (new, or a model folder with --force)')
  .option('--force', 'replace a model already in --out')
  .action(async (options: { model: string[]; out: string; force?: boolean }, command: Command) => {
    if (options.model.length > 1) {
      command.error('quantize takes one --model (ensembles decode float members only: quantize a single model)');
    }
    const { runQuantize } = await import('./quantize.js');
    runQuantize({ ...options, model: options.model[0]! });
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
