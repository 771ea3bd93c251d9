/**
 * Options of a run in a file: `train --config FILE` reads a YAML (or JSON, which is YAML too) mapping keyed by the
 * options' names, spelled as flags (`batch-size`) or as the library names them (`batchSize`); options given beside
 * it win. Every run writes its resolved options as `config.yaml` in its training folder, so that
 * `train --config DIR/config.yaml --out NEW` repeats it from the folder alone.
 */
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { isLuong } from '../model/attention-kind.js';
import { writeFileAtomic } from '../util/atomic.js';
import { readRegularFile } from '../util/files.js';
import { RUN_OPTIONS, RUN_OPTION_NAMES, checkRunOption, type RunOptions, type TrainOptions } from './run-options.js';

/** The name of the resolved configuration in a training folder. */
export const RUN_CONFIG_FILE = 'config.yaml';

/** A configuration is a few hundred bytes; beyond this, a mistake (a corpus named by accident). */
const MAX_CONFIG_BYTES = 1 << 20;

/**
 * The option a key names: its own name (`batchSize`), or its flag's spelling (`batch-size`), or a negation's
 * (`no-input-feed`, whose value is then turned around); undefined: none.
 */
function optionNamed(key: string): { name: keyof TrainOptions; negated: boolean } | undefined {
  if (key in RUN_OPTIONS) return { name: key as keyof TrainOptions, negated: false };
  const flag = `--${key}`;
  const name = RUN_OPTION_NAMES.find((n) => RUN_OPTIONS[n].flag.split(' ')[0] === flag);
  if (name !== undefined) return { name, negated: false };
  const negation = RUN_OPTION_NAMES.find((n) => RUN_OPTIONS[n].negation?.flag === flag);
  return negation === undefined ? undefined : { name: negation, negated: true };
}

/** The options of a config file, each checked as the table says; errors name the file and the key. */
export function readConfigFile(path: string): TrainOptions {
  const text = readRegularFile(path, 'config file', MAX_CONFIG_BYTES).toString('utf8');
  let value: unknown;
  try {
    value = parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid YAML or JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${path}: expected a mapping of option names to values`);
  }
  const options: Record<string, unknown> = {};
  const keyOf: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const named = optionNamed(key);
    if (named === undefined) {
      throw new Error(
        `${path}: unknown option ${JSON.stringify(key)} (the options are train's flags, e.g. batch-size)`,
      );
    }
    const { name, negated } = named;
    if (name === 'config' || name === 'resume') {
      throw new Error(`${path}: ${key} cannot be given in a config file`);
    }
    if (keyOf[name] !== undefined) throw new Error(`${path}: ${key} repeats ${keyOf[name]}`);
    keyOf[name] = key;
    if (v === null) continue; // `key:` with no value: the default, as if absent
    try {
      if (negated && typeof v !== 'boolean') throw new TypeError(`expected true or false, got ${JSON.stringify(v)}`);
      options[name] = checkRunOption(name, negated ? !v : v);
    } catch (err) {
      throw new Error(`${path}: ${key}: ${(err as Error).message}`);
    }
  }
  return options as TrainOptions;
}

/** `given` with the options of its config file beneath it (those given win); `given` itself without one. */
export function withConfigFile(given: TrainOptions): TrainOptions {
  if (given.config === undefined) return given;
  if (given.resume !== undefined) {
    throw new Error(`--config starts a run; --resume continues one with its own options (its ${RUN_CONFIG_FILE})`);
  }
  const { config, ...rest } = given;
  const fromFile = readConfigFile(checkRunOption('config', config));
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { ...fromFile, ...defined };
}

/** The run's options as a config file takes them: every resolved option, none that would be refused. */
export function runConfig(options: RunOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    if (name === 'corpusSha256' || value === undefined) continue;
    // Recorded as false for every batched run; as an option, it belongs to Luong attention alone.
    if (name === 'inputFeed' && !isLuong(options.attention ?? 'none')) continue;
    config[name] = value;
  }
  return config;
}

/** Writes `config.yaml` into the training folder `dir`, atomically. */
export function writeRunConfig(dir: string, options: RunOptions): void {
  const header =
    '# The resolved options of this run (seq2seq-node). Repeat it with:\n' +
    '#   seq2seq train --config config.yaml --out NEW_FOLDER\n';
  writeFileAtomic(join(dir, RUN_CONFIG_FILE), header + stringify(runConfig(options)));
}
