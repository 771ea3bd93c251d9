/** The run option table: one place for every option's default, check, help text and flag. */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { addTrainCommand } from '../../src/cli/train.js';
import { NOTEBOOK_DEFAULTS, resolveConfig } from '../../src/model/config.js';
import { resolveBatchedOptions } from '../../src/train/batched.js';
import { train } from '../../src/train/run.js';
import {
  RUN_OPTIONS,
  RUN_OPTION_NAMES,
  checkRunOption,
  checkTrainOptions,
  runOptionDefault,
  type DefaultedOption,
  type TrainOptions,
} from '../../src/train/run-options.js';

/** The `train` command as the CLI builds it, throwing instead of exiting and printing nothing. */
function trainCommand(): Command {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return addTrainCommand(program).exitOverride();
}

/** The CLI's parse of `args`, or the message it refuses them with. */
function parse(args: string[]): Record<string, unknown> | string {
  const command = trainCommand();
  command.action(() => {});
  try {
    command.parse(args, { from: 'user' });
    return command.opts();
  } catch (err) {
    if (err instanceof CommanderError) return err.message;
    throw err;
  }
}

const batched = { epochs: 1, lr: 0.01, device: 'cpu' as const, seed: 0 };

describe('the run option table', () => {
  it('gives every option a flag, a help text, a check, and says whether a resumed run may change it', () => {
    expect(RUN_OPTION_NAMES).toHaveLength(59);
    for (const name of RUN_OPTION_NAMES) {
      const spec = RUN_OPTIONS[name];
      expect(spec.flag, name).toMatch(/^--[a-z-]+( <[a-z]+>)?$/);
      expect(spec.help.length, name).toBeGreaterThan(5);
      expect(typeof spec.resumable, name).toBe('boolean');
      // A default passes its own check.
      if (spec.default !== undefined) expect(checkRunOption(name, spec.default), name).toBe(spec.default);
      // Flags take no value; everything else does.
      expect(spec.flag.includes('<'), name).toBe(spec.kind.type !== 'flag');
    }
    expect(RUN_OPTION_NAMES.filter((n) => RUN_OPTIONS[n].resumable && !/^(out|resume)$/.test(n))).toEqual([
      'epochs',
      'device',
      'threads',
      'precision',
      'patience',
      'worldSize',
      'rank',
      'masterAddr',
      'masterPort',
      'timeout',
      'backend',
      'samples',
      'logEvery',
      'keepCheckpoints',
    ]);
  });

  it("is where the CLI's flags come from: each one listed by --help, named as the option, with its default", () => {
    const command = trainCommand();
    const help = command.helpInformation();
    const attributes = command.options.map((o) => o.attributeName());
    for (const name of RUN_OPTION_NAMES) {
      const spec = RUN_OPTIONS[name];
      expect(help, name).toContain(spec.flag);
      expect(attributes, name).toContain(name);
      if (spec.negation) expect(help).toContain(spec.negation.flag);
      if (spec.default !== undefined && spec.kind.type !== 'flag') {
        expect(help.replace(/\s+/g, ' '), name).toContain(`default: ${JSON.stringify(spec.default)}`);
      }
    }
    expect(attributes.filter((a) => !(a in RUN_OPTIONS))).toEqual([]);
  });

  it('is where the library takes its defaults from', () => {
    for (const name of ['instances', 'epochs', 'hidden', 'embedding', 'layers', 'lr', 'seed', 'device'] as const) {
      expect(NOTEBOOK_DEFAULTS[name], name).toBe(runOptionDefault(name));
    }
    const o = resolveBatchedOptions(batched);
    for (const name of ['batchSize', 'teacherForcing', 'clip', 'validFraction', 'normalize'] as const) {
      expect(o[name], name).toBe(runOptionDefault(name));
    }
  });

  it('refuses a bad value naming the option, in the library and on the command line', async () => {
    expect(() => checkTrainOptions({ epochs: 0 })).toThrow('Expected a positive integer for epochs but received 0');
    expect(() => checkTrainOptions({ teacherForcing: 2 })).toThrow(
      'Expected a number between 0 and 1 for teacherForcing but received 2 of type number',
    );
    expect(() => checkTrainOptions({ mode: 'fast' } as unknown as TrainOptions)).toThrow(
      'Expected one of batched, notebook, fused for mode',
    );
    expect(() => checkTrainOptions({ lr: 0 })).toThrow('Expected a positive number for lr but received 0');
    expect(() => checkTrainOptions({ batchsize: 8 } as unknown as TrainOptions)).toThrow(
      /^Unknown training option batchsize: expected one of corpus, out, resume, /,
    );
    const out = join(tmpdir(), `never-${process.pid}`);
    await expect(train({ corpus: 'deu.txt', out, teacherForcing: 2 })).rejects.toThrow(
      'Expected a number between 0 and 1 for teacherForcing',
    );
    expect(existsSync(out)).toBe(false); // refused before any work
    expect(parse(['--teacher-forcing', '2'])).toBe(
      `error: option '--teacher-forcing <ratio>' argument '2' is invalid. expected a number from 0 to 1, got "2"`,
    );
    expect(parse(['--epochs', '0'])).toMatch(/--epochs <n>.*expected an integer of at least 1, got "0"/);
    expect(parse(['--batch-size', '70000'])).toMatch(/--batch-size <n>.*expected an integer from 1 to 65536/);
    expect(parse(['--normalize', 'words'])).toMatch(/--normalize <what>' argument 'words' is invalid/);
    expect(parse(['--batch-size', '8', '--no-input-feed'])).toEqual({
      ...Object.fromEntries(
        RUN_OPTION_NAMES.filter((n) => RUN_OPTIONS[n].default !== undefined && RUN_OPTIONS[n].kind.type !== 'flag').map(
          (n) => [n, runOptionDefault(n as DefaultedOption)],
        ),
      ),
      batchSize: 8,
      inputFeed: false,
    });
  });

  it('states each range once: the library and the CLI both follow a change to the table', () => {
    const kind = RUN_OPTIONS.teacherForcing.kind;
    RUN_OPTIONS.teacherForcing.kind = { type: 'number', min: 0, max: 0.5 };
    try {
      expect(() => resolveBatchedOptions({ ...batched, teacherForcing: 0.7 })).toThrow(
        'Expected a number between 0 and 0.5 for teacherForcing',
      );
      expect(() => checkTrainOptions({ teacherForcing: 0.7 })).toThrow('for teacherForcing');
      expect(parse(['--teacher-forcing', '0.7'])).toMatch(/expected a number from 0 to 0.5, got "0.7"/);
    } finally {
      RUN_OPTIONS.teacherForcing.kind = kind;
    }
    const hidden = RUN_OPTIONS.hidden.kind;
    RUN_OPTIONS.hidden.kind = { type: 'integer', min: 8 };
    try {
      expect(() => resolveConfig({ hidden: 4 })).toThrow('Expected an integer of at least 8 for hidden');
    } finally {
      RUN_OPTIONS.hidden.kind = hidden;
    }
  });
});
