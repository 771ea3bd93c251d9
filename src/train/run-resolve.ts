/**
 * From the options of `train()` to the options a run keeps (trainer.json): a fresh run resolves the table's
 * defaults and refuses options that do not go together; a resumed run keeps its own options, and may change only
 * the resumable ones. Messages name the command line's flags, which are the options' names in the table.
 */
import { createHash } from 'node:crypto';
import { closeSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openRegularFile } from '../util/files.js';
import { checkOutputFolder } from '../util/output.js';
import { hasCheckpoint, readCheckpoint, type Checkpoint } from '../io/checkpoint.js';
import { freshOptimisationOptions } from './run-optimisation.js';
import { withRealTextRecipe } from './recipe-defaults.js';
import { fullSizes } from '../model/architecture.js';
import { isLuong } from '../model/attention-kind.js';
import { tieRefusal } from '../model/decoder.js';
import {
  RUN_OPTIONS,
  checkRunOption,
  checkTrainOptions,
  flagOf,
  runOptionDefault,
  type RunOptions,
  type TrainOptions,
} from './run-options.js';

const RUN_ENTRIES = ['checkpoints', 'last', 'best', 'loss.json', 'loss.png', 'config.yaml', 'metrics.jsonl'];
const TRAINING_FOLDER = {
  flag: '--out',
  own: RUN_ENTRIES,
  replaces: RUN_ENTRIES,
  occupied: (dir: string): string =>
    `${dir} already holds a training run${hasCheckpoint(dir) ? '' : ' (or what is left of one: its last checkpoint is missing)'}: ` +
    (hasCheckpoint(dir) ? `continue it with --resume ${dir}, or choose another --out` : 'choose another --out'),
};

/** A run to start or continue: its folder, its options, and the checkpoint it continues from. */
export interface ResolvedRun {
  out: string;
  options: RunOptions;
  checkpoint?: Checkpoint<RunOptions>;
}

/** Checks `given`, reads the checkpoint to resume, and resolves the run's options. */
export function resolveRun(given: TrainOptions): ResolvedRun {
  checkTrainOptions(given);
  const checkpoint = given.resume ? readCheckpoint<RunOptions>(given.resume) : undefined;
  const out = given.resume ?? given.out;
  if (!out) throw new Error('say where the run goes with --out DIR (or continue one with --resume DIR)');
  if (given.resume && given.out && resolve(given.out) !== resolve(given.resume)) {
    throw new Error('--resume continues in the folder it reads: leave out --out');
  }
  // A fresh run starts in a new or empty folder: never over what a user keeps there, nor over the remains of a
  // run (a `last` link that is missing or dangles means a damaged run, not an empty folder).
  if (!checkpoint) checkOutputFolder(out, TRAINING_FOLDER);
  if (checkpoint) checkSavedOptions(checkpoint.trainer.options, join(checkpoint.folder, 'trainer.json'));
  const options = checkpoint ? resumedOptions(checkpoint.trainer.options, given) : freshOptions(given);
  if (options.mode !== 'batched' && options.patience !== undefined) {
    throw new Error('--patience needs held-out pairs: use it with --mode batched');
  }
  if (given.exportRun && options.mode === 'batched') {
    throw new Error('--export-run replays the notebook loop in PyTorch: use it with --mode notebook or fused');
  }
  if (given.exportRun && checkpoint) throw new Error('--export-run records a whole run: it cannot be resumed');
  if (checkpoint && checkpoint.trainer.epoch >= options.epochs) {
    throw new Error(
      `${out} has trained ${checkpoint.trainer.epoch} of ${options.epochs} epochs: ask for more with --epochs N`,
    );
  }
  return { out, options, ...(checkpoint ? { checkpoint } : {}) };
}

function freshOptions(options: TrainOptions): RunOptions {
  if (!options.corpus) throw new Error('say which corpus to train on with --corpus FILE');
  // Subword runs take the real-text recipe where their options are silent (recipe-defaults.ts).
  const given = withRealTextRecipe(options);
  const value = <K extends Parameters<typeof runOptionDefault>[0]>(name: K) => given[name] ?? runOptionDefault(name);
  const mode = value('mode');
  const batched = mode === 'batched';
  const attention = value('attention');
  if (!batched && (attention !== 'none' || given.bidirectional || given.inputFeed !== undefined)) {
    throw new Error(
      `--mode ${mode} trains the notebook's model: --attention, --bidirectional and --input-feed need --mode batched`,
    );
  }
  if (!batched && given.precision === 'bf16') {
    throw new Error(`--mode ${mode} replays the notebook's float32 training: --precision bf16 needs --mode batched`);
  }
  const regularisation = (['dropout', 'labelSmoothing', 'tieEmbeddings'] as const).filter(
    (name) => given[name] !== undefined && given[name] !== false && given[name] !== 0,
  );
  if (!batched && regularisation.length > 0) {
    throw new Error(
      `--mode ${mode} replays the notebook's training, which has no regularisation: ` +
        `${regularisation.map(flagOf).join(', ')} ${regularisation.length > 1 ? 'need' : 'needs'} --mode batched`,
    );
  }
  if (given.inputFeed !== undefined && !isLuong(attention)) {
    throw new Error(
      '--input-feed belongs to Luong attention: use it with --attention luong-dot|luong-general|luong-concat',
    );
  }
  const vocabulary = checkVocabularyOptions(given, batched);
  const hidden = value('hidden');
  if (given.bidirectional && hidden % 2 !== 0) {
    throw new Error(`--bidirectional gives each direction half of --hidden: make it even (not ${hidden})`);
  }
  const model = fullSizes({
    hidden,
    embedding: value('embedding'),
    layers: value('layers'),
    attention,
    bidirectional: given.bidirectional,
    inputFeed: given.inputFeed,
    tieEmbeddings: given.tieEmbeddings,
  });
  const tie = model.tieEmbeddings ? tieRefusal(model.hidden, model.embedding, model.attention) : undefined;
  if (tie) {
    const features = model.attention === 'bahdanau' ? 2 * model.hidden : model.hidden;
    throw new Error(`--tie-embeddings: ${tie}; use --embedding ${features}`);
  }
  const dropout = value('dropout');
  const labelSmoothing = value('labelSmoothing');
  // Field order is trainer.json's; defaults are written out, so that a resumed run keeps them if defaults change.
  return {
    corpus: resolve(options.corpus),
    corpusSha256: '',
    swap: value('swap'),
    mode,
    instances: value('instances'),
    epochs: value('epochs'),
    hidden: model.hidden,
    embedding: model.embedding,
    layers: model.layers,
    ...(batched ? { attention: model.attention, bidirectional: model.bidirectional, inputFeed: model.inputFeed } : {}),
    ...(model.tieEmbeddings ? { tieEmbeddings: true } : {}),
    lr: value('lr'),
    seed: value('seed'),
    ...(batched
      ? {
          batchSize: value('batchSize'),
          teacherForcing: value('teacherForcing'),
          clip: value('clip'),
          validFraction: value('validFraction'),
          normalize: value('normalize'),
          ...(dropout > 0 ? { dropout } : {}),
          ...(labelSmoothing > 0 ? { labelSmoothing } : {}),
          ...(value('precision') === 'bf16' ? { precision: 'bf16' as const } : {}),
        }
      : {}),
    patience: given.patience,
    bestMetric: value('bestMetric'),
    maxLength: value('maxLength'),
    ...vocabulary,
    ...(given.keepCheckpoints !== undefined ? { keepCheckpoints: given.keepCheckpoints } : {}),
    ...freshOptimisationOptions(given, batched, value('validFraction')),
  };
}

/**
 * The vocabulary options of a fresh run, checked for what goes together: the notebook modes keep the notebook's
 * vocabularies (and draws), subword options need subword vocabularies, word caps need word ones. Given
 * SentencePiece files make the vocabulary subword.
 */
function checkVocabularyOptions(given: TrainOptions, batched: boolean): Partial<RunOptions> {
  const spmGiven = given.sourceSpm !== undefined || given.targetSpm !== undefined;
  const vocab = given.vocab ?? (spmGiven ? 'subword' : runOptionDefault('vocab'));
  const subwordOnly = (['vocabSize', 'subword', 'joint', 'sourceSpm', 'targetSpm'] as const).filter(
    (name) => given[name] !== undefined && given[name] !== false,
  );
  const wordOnly = (['maxVocab', 'minFreq'] as const).filter((name) => given[name] !== undefined);
  if (!batched) {
    const batchedOnly = [
      ...(vocab !== 'word' ? ['vocab'] : []),
      ...subwordOnly,
      ...wordOnly,
      ...(given.instances === 'all' ? ['instances'] : []),
    ] as (keyof TrainOptions)[];
    if (batchedOnly.length > 0) {
      throw new Error(
        `the notebook modes keep the notebook's vocabularies and draws: ${batchedOnly.map((n) => (n === 'instances' ? '--instances all' : flagOf(n))).join(', ')} need --mode batched`,
      );
    }
    return {};
  }
  if (vocab === 'word' && subwordOnly.length > 0) {
    throw new Error(`${subwordOnly.map(flagOf).join(', ')} belong to subword vocabularies: add --vocab subword`);
  }
  if (vocab === 'subword' && wordOnly.length > 0) {
    throw new Error(
      `${wordOnly.map(flagOf).join(', ')} cap word vocabularies: a subword vocabulary's size is --vocab-size`,
    );
  }
  if (vocab === 'word') {
    return {
      vocab,
      ...(given.maxVocab !== undefined ? { maxVocab: given.maxVocab } : {}),
      ...(given.minFreq !== undefined ? { minFreq: given.minFreq } : {}),
    };
  }
  if (spmGiven) {
    if (given.sourceSpm === undefined || given.targetSpm === undefined) {
      throw new Error('give both --source-spm and --target-spm (the same file twice for a joint model)');
    }
    const taken = (['vocabSize', 'subword', 'joint'] as const).filter((n) => given[n] !== undefined);
    if (taken.length > 0) {
      throw new Error(
        `${taken.map(flagOf).join(', ')} train a SentencePiece model: the given --source-spm and --target-spm are used as they are`,
      );
    }
    return { vocab, sourceSpm: resolve(given.sourceSpm), targetSpm: resolve(given.targetSpm) };
  }
  return {
    vocab,
    vocabSize: given.vocabSize ?? runOptionDefault('vocabSize'),
    subword: given.subword ?? runOptionDefault('subword'),
    joint: given.joint ?? false,
  };
}

/** The fields every trainer.json has; the others are optional (absent in runs of older versions or other modes). */
const REQUIRED: readonly (keyof RunOptions)[] = [
  'corpus',
  'swap',
  'mode',
  'instances',
  'epochs',
  'hidden',
  'embedding',
  'layers',
  'lr',
  'seed',
  'bestMetric',
];

/**
 * A trainer.json's options checked against the table before anything uses them: a field outside its domain (a
 * crafted or corrupt file) is named with the file, instead of steering a resumed run somewhere unforeseen.
 */
function checkSavedOptions(saved: RunOptions, path: string): void {
  const fields = saved as unknown as Record<string, unknown>;
  for (const name of REQUIRED) {
    if (fields[name] === undefined) throw new Error(`${path}: options.${name} is missing`);
  }
  if (typeof saved.corpusSha256 !== 'string' || !/^([0-9a-f]{64})?$/.test(saved.corpusSha256)) {
    throw new Error(`${path}: options.corpusSha256 is not a SHA-256`);
  }
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'corpusSha256' || value === undefined) continue;
    if (!(name in RUN_OPTIONS)) throw new Error(`${path}: options.${name} is not an option of a run`);
    try {
      checkRunOption(name as keyof TrainOptions, value);
    } catch (err) {
      throw new Error(`${path}: options.${name}: ${(err as Error).message}`);
    }
  }
}

function resumedOptions(saved: RunOptions, given: TrainOptions): RunOptions {
  const names = Object.keys(given) as (keyof TrainOptions)[];
  const changed = names.filter((name) => given[name] !== undefined && !RUN_OPTIONS[name].resumable);
  if (changed.length > 0) {
    throw new Error(
      `--resume continues with the run's own options; ${changed.map(flagOf).join(', ')} cannot change (only --epochs, --patience, --precision)`,
    );
  }
  const resumed: RunOptions = {
    ...saved,
    epochs: given.epochs ?? saved.epochs,
    patience: given.patience ?? saved.patience,
    ...(given.keepCheckpoints !== undefined ? { keepCheckpoints: given.keepCheckpoints } : {}),
    ...(given.logEvery !== undefined ? { logEvery: given.logEvery } : {}),
  };
  // The weights and optimizer state are float32 either way: a run may continue in another precision.
  if (given.precision === 'bf16') resumed.precision = 'bf16';
  if (given.precision === 'fp32') delete resumed.precision;
  return resumed;
}

/** The file's SHA-256, so that a resumed run can tell that its corpus changed; read in chunks (corpora may be GBs). */
export function sha256(path: string): string {
  const { fd } = openRegularFile(path, 'corpus');
  try {
    const hash = createHash('sha256');
    const buffer = new Uint8Array(1 << 20);
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0;) hash.update(buffer.subarray(0, n));
    return hash.digest('hex');
  } finally {
    closeSync(fd);
  }
}
