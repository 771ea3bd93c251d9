/**
 * `seq2seq train`: its flags, built from the run option table (src/train/run-options.ts), and what it prints
 * (progress bars on stderr, the run's lines on stdout). The run itself is the library's `train()`
 * (src/train/run.ts): a folder started here continues with the library, and the other way round.
 */
import { Option, type Command } from 'commander';
import { RUN_OPTIONS, RUN_OPTION_NAMES, type TrainOptions } from '../train/run-options.js';
import type { TrainResult } from '../train/run.js';
import { parserFor } from './arguments.js';
import { createProgress, type Progress } from './progress.js';

/** Adds the `train` command to `program`, one flag per row of the option table. */
export function addTrainCommand(program: Command): Command {
  const command = program
    .command('train')
    .description("train the notebook's model on a manythings corpus (deu.txt or deu-eng.zip), or resume a run");
  for (const name of RUN_OPTION_NAMES) {
    const spec = RUN_OPTIONS[name];
    const option = new Option(spec.flag, spec.help);
    if (spec.kind.type === 'choice') option.choices([...spec.kind.choices]);
    const parse = parserFor(spec.kind);
    if (parse) option.argParser(parse);
    // Shown by --help; only the flags given on the command line reach train(), which applies the same defaults.
    if (spec.default !== undefined && spec.kind.type !== 'flag') option.default(spec.default);
    command.addOption(option);
    if (spec.negation) command.addOption(new Option(spec.negation.flag, spec.negation.help));
  }
  return command.action(async (flags: Record<string, unknown>, self: Command) => {
    const given = Object.fromEntries(
      Object.entries(flags).filter(([name]) => self.getOptionValueSource(name) === 'cli'),
    ) as TrainOptions;
    if (!given.resume && !given.config && (!given.corpus || !given.out)) {
      throw new Error('train needs --corpus FILE and --out DIR (or --config FILE, or --resume DIR)');
    }
    // Ctrl-C: training stops after the current batch (or sentence); a second Ctrl-C quits at once.
    const controller = new AbortController();
    process.once('SIGINT', () => {
      console.error('seq2seq: stopping after the current batch (Ctrl-C again to quit at once)');
      controller.abort();
      process.once('SIGINT', () => process.exit(130));
    });
    const result = await runTrain(given, controller.signal);
    if (result.stopped) process.exitCode = 130;
  });
}

/** Runs `train()` with progress bars on stderr and its lines on stdout, as `seq2seq train` does. */
export async function runTrain(options: TrainOptions, signal?: AbortSignal): Promise<TrainResult> {
  // Imported here so that `--help` works even when the addon cannot load.
  const { train } = await import('../train/run.js');
  let progress: Progress | undefined;
  try {
    return await train(options, {
      ...(signal ? { signal } : {}),
      // Bars stop before a line is printed, so that lines never land inside them.
      log: (line) => {
        progress?.stop();
        console.log(line);
      },
      onProgress: (p) => {
        progress ??= createProgress(p.unit);
        progress.update(p);
      },
    });
  } finally {
    progress?.stop();
  }
}
