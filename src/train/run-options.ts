/**
 * Every option of a training run in one table: its default, its check, its help text, its command-line flag
 * and whether a resumed run may change it. The library's `train()` checks with it, the CLI builds its `train`
 * flags from it, and `resolveConfig` and `resolveBatchedOptions` take their defaults from it. Nothing here
 * loads libtorch (the CLI's `--help` works without the addon).
 */
import { ATTENTION_KINDS } from '../model/attention-kind.js';
import type { ModelSizes } from '../model/architecture.js';
import type { Device } from '../torch/index.js';
import type { VocabularyKind } from '../tokens/segmenter.js';
import { checkBoolean, checkInteger, checkNumber, checkOneOf, invalidParameterError } from '../util/check.js';
import type { Backend } from './distributed.js';
import { LR_SCHEDULES, type LrScheduleKind } from './lr-schedule.js';

/** How a run trains: `batched` mini-batches, the `notebook`'s loop op by op, or its `fused` per-sentence step. */
export type TrainMode = 'batched' | 'notebook' | 'fused';

/** The optimizers of the batched mode. */
export type OptimizerKind = 'adam' | 'sgd';

/** Which validation measure picks the best checkpoint and drives early stopping. */
export type BestMetric = 'loss' | 'bleu';

/** The dtype of the training forward's products: fp32, or bf16 with float32 weights and optimizer (autocast). */
export type Precision = 'fp32' | 'bf16';

/** What an option's value may be. */
export type OptionKind =
  /** `all`: the word `all` is a value too (`--instances all`). */
  | { type: 'integer'; min: number; max?: number; all?: boolean }
  /** `positive`: above `min` (0), not at it; `maxExclusive`: below `max`, not at it. */
  | { type: 'number'; min: number; max?: number; positive?: boolean; maxExclusive?: boolean }
  | { type: 'choice'; choices: readonly string[] }
  | { type: 'flag' }
  | { type: 'text' }
  | { type: 'device' };

/** One row of the option table. */
export interface RunOptionSpec {
  /** The command line's flag and its value's placeholder: `--batch-size <n>`. */
  flag: string;
  /** What the option does (the CLI's help; `batched:` marks options of the batched mode). */
  help: string;
  kind: OptionKind;
  /** The value when the option is not given; absent: none (a behaviour of its own, told in `help`). */
  default?: number | string | boolean;
  /** Whether `--resume` (or `train({ resume })`) may change it. */
  resumable: boolean;
  /** A flag's negation and its help: `--no-input-feed`. */
  negation?: { flag: string; help: string };
}

/** The options of {@link train}: where the run goes, the model's sizes, and how it trains. */
export interface TrainOptions extends Partial<ModelSizes> {
  /** The corpus: English<TAB>German<TAB>attribution per line (manythings' format), or the zip holding it. */
  corpus?: string;
  /** The training folder to create. */
  out?: string;
  /** A training folder to continue with its own options; `epochs`, `patience` and the options of where it runs may change. */
  resume?: string;
  /** NUM_INSTANCES: pairs drawn from the corpus, with replacement; `all`: every pair once per epoch (batched). */
  instances?: number | 'all';
  /** NUM_EPOCHS; resuming: the new total. */
  epochs?: number;
  /** The learning rate of both optimizers (the base rate of `lrSchedule`). */
  lr?: number;
  /** Batched: `adam` (the notebook's) or `sgd` (torch.optim.SGD). */
  optimizer?: OptimizerKind;
  /** Batched, SGD: the momentum factor. */
  momentum?: number;
  /** Batched: L2 penalty added to the gradients (both optimizers' `weight_decay`). */
  weightDecay?: number;
  /** Batched: how the learning rate changes over the run (src/train/lr-schedule.ts). */
  lrSchedule?: LrScheduleKind;
  /** Batched, plateau and step schedules: the factor of each decay. */
  lrDecay?: number;
  /** Batched, plateau schedule: epochs without improvement tolerated before a decay. */
  lrPatience?: number;
  /** Batched, decaying schedules: the rate never goes below this. */
  minLr?: number;
  /** Batched, warmup-rsqrt schedule: updates of linear warmup. */
  warmupSteps?: number;
  /** Batched, step schedule: epochs at the base rate before the rate decays every half epoch. */
  lrDecayStart?: number;
  /** Batched: batches whose gradients are summed into one update. */
  accumulate?: number;
  /** Batched: fill batches up to this many (padded) target tokens instead of `batchSize` sentences. */
  maxTokens?: number;
  /** Batched: updates per line of metrics.jsonl. */
  logEvery?: number;
  /** Seeds the sampling, the initial weights, the held-out split and the batches. */
  seed?: number;
  /** Where to train: cpu, cuda or cuda:N. */
  device?: Device;
  /** libtorch's intra-op threads; default: every core. */
  threads?: number;
  /** `batched` (mini-batches in C++ on a thread of its own), `notebook` (op by op) or `fused` (one call per sentence). */
  mode?: TrainMode;
  /** Batched: sentences per mini-batch. */
  batchSize?: number;
  /** Batched: probability of feeding the reference word at each decoder step (0: free-running). */
  teacherForcing?: number;
  /** Batched: largest gradient norm; 0: no clipping. */
  clip?: number;
  /** Batched: share of the distinct pairs held out for validation. */
  validFraction?: number;
  /** Batched: the loss is the mean NLL per target token, or the summed NLL per sentence. */
  normalize?: 'tokens' | 'sentences';
  /** Batched: dropout on the embeddings, between LSTM layers and before the output layer (training only). */
  dropout?: number;
  /** Batched: the training loss is the cross-entropy with this label smoothing (validation stays plain NLL). */
  labelSmoothing?: number;
  /** Batched: the decoder's embedding shares the output layer's weight (needs embedding = its input size). */
  tieEmbeddings?: boolean;
  /**
   * Batched: bf16 runs the forward's matrix products (LSTM, attention, output layer) in bf16, as torch.autocast
   * does, with float32 weights, gradients, optimizer state and loss; needs a CPU with AVX-512 BF16 or AMX, or CUDA.
   */
  precision?: Precision;
  /** Batched: stop after this many epochs without a better validation measure. */
  patience?: number;
  /** Batched: the validation measure that picks the best checkpoint and drives `patience`. */
  bestMetric?: BestMetric;
  /** Translate from the corpus's second column to its first. */
  swap?: boolean;
  /** Notebook modes: also write the run for the PyTorch cross-check into this folder. */
  exportRun?: string;
  /** Data-parallel training: workers in the job (default: WORLD_SIZE, else 1). */
  worldSize?: number;
  /** This worker's rank (default: RANK). */
  rank?: number;
  /** Host of rank 0 (default: MASTER_ADDR, else 127.0.0.1). */
  masterAddr?: string;
  /** Port on rank 0 (default: MASTER_PORT, else 29500). */
  masterPort?: number;
  /** Seconds to wait for the other workers and for each exchange. */
  timeout?: number;
  /** c10d backend; default NCCL on CUDA when built with it, else Gloo. */
  backend?: Backend;
  /** Sample translations logged (and returned) at the end. */
  samples?: number;
  /** Pairs with more tokens than this on either side are skipped (and counted in the corpus report). */
  maxLength?: number;
  /** Batched: the notebook's lowercased `word`s, or SentencePiece `subword` pieces of the raw text. */
  vocab?: VocabularyKind;
  /** Subword: pieces per SentencePiece model. */
  vocabSize?: number;
  /** Subword: SentencePiece's algorithm. */
  subword?: 'unigram' | 'bpe';
  /** Subword: one SentencePiece model for both languages, trained on both sides. */
  joint?: boolean;
  /** Subword: a SentencePiece model of the source language to use instead of training one (spm_train's `.model`). */
  sourceSpm?: string;
  /** Subword: the target language's SentencePiece model. */
  targetSpm?: string;
  /** Word, batched: keep the N most frequent words of each side's training pairs, the others become `<unk>`. */
  maxVocab?: number;
  /** Word, batched: keep the words seen at least K times in each side's training pairs, the others become `<unk>`. */
  minFreq?: number;
  /** Also keep the checkpoints of the N latest epochs (for `seq2seq average`); default: only `last` and `best`. */
  keepCheckpoints?: number;
  /**
   * A YAML or JSON file of options (keys: the options' names, as flags `batch-size` or as here `batchSize`); the
   * options given beside it win. A training folder's `config.yaml` repeats its run.
   */
  config?: string;
}

/** The options a run keeps in its checkpoints' trainer.json, so that a resumed run continues with the same ones. */
/**
 * The vocabulary options a run keeps: absent in runs started before subword vocabularies (word); `sourceSpm` and
 * `targetSpm` are absolute paths (the files themselves are copied into every checkpoint).
 */
type RunVocabularyOptions = Pick<
  TrainOptions,
  'vocab' | 'vocabSize' | 'subword' | 'joint' | 'sourceSpm' | 'targetSpm' | 'maxVocab' | 'minFreq'
>;

/** The batched mode's optimisation a run keeps (absent: Adam, constant rate, no accumulation, batches of `batchSize`). */
type RunOptimisationOptions = Pick<
  TrainOptions,
  | 'optimizer'
  | 'momentum'
  | 'weightDecay'
  | 'lrSchedule'
  | 'lrDecay'
  | 'lrPatience'
  | 'minLr'
  | 'warmupSteps'
  | 'lrDecayStart'
  | 'accumulate'
  | 'maxTokens'
  | 'logEvery'
>;

export interface RunOptions extends ModelSizes, RunVocabularyOptions, RunOptimisationOptions {
  /** The corpus's absolute path. */
  corpus: string;
  /** Its SHA-256, so that a resumed run refuses a corpus that changed. */
  corpusSha256: string;
  swap: boolean;
  mode: TrainMode;
  instances: number | 'all';
  epochs: number;
  lr: number;
  seed: number;
  /** The batched mode's options (absent in the notebook modes). */
  batchSize?: number;
  teacherForcing?: number;
  clip?: number;
  validFraction?: number;
  normalize?: 'tokens' | 'sentences';
  /** Regularisation (batched), written only when on: absent in runs without it (and in older runs) means 0. */
  dropout?: number;
  labelSmoothing?: number;
  /** Mixed precision, written only when on (bf16): absent means fp32. */
  precision?: 'bf16';
  patience?: number;
  bestMetric: BestMetric;
  /** Absent in runs started before the limit existed: no pair was skipped for its length. */
  maxLength?: number;
  /** Checkpoints of the latest epochs kept beside `last` and `best`; absent: none. */
  keepCheckpoints?: number;
}

const MAX_SEED = Number.MAX_SAFE_INTEGER;

/** The option table, in the order the CLI's help lists it. */
export const RUN_OPTIONS: { readonly [K in keyof Required<TrainOptions>]: RunOptionSpec } = {
  corpus: {
    flag: '--corpus <file>',
    help: 'corpus: English<TAB>German<TAB>attribution per line, or the zip holding it',
    kind: { type: 'text' },
    resumable: false,
  },
  out: {
    flag: '--out <dir>',
    help: 'training folder to create: checkpoints/, last, best, loss.json, loss.png',
    kind: { type: 'text' },
    resumable: true,
  },
  resume: {
    flag: '--resume <dir>',
    help: 'continue the run in this training folder with its own options (--epochs may grow)',
    kind: { type: 'text' },
    resumable: true,
  },
  instances: {
    flag: '--instances <n>',
    help: 'pairs drawn with replacement (NUM_INSTANCES), or all: every pair once per epoch, shuffled (batched)',
    kind: { type: 'integer', min: 1, all: true },
    default: 50_000,
    resumable: false,
  },
  epochs: {
    flag: '--epochs <n>',
    help: 'NUM_EPOCHS (with --resume: the new total)',
    kind: { type: 'integer', min: 1 },
    default: 10,
    resumable: true,
  },
  hidden: {
    flag: '--hidden <n>',
    help: 'HIDDEN_SIZE',
    kind: { type: 'integer', min: 1 },
    default: 128,
    resumable: false,
  },
  embedding: {
    flag: '--embedding <n>',
    help: 'EMBEDDING_DIM',
    kind: { type: 'integer', min: 1 },
    default: 30,
    resumable: false,
  },
  layers: { flag: '--layers <n>', help: 'NUM_LAYERS', kind: { type: 'integer', min: 1 }, default: 4, resumable: false },
  attention: {
    flag: '--attention <kind>',
    help:
      "batched: attention over the encoder's outputs: none (the notebook's model), bahdanau (additive), " +
      'luong-dot, luong-general, luong-concat',
    kind: { type: 'choice', choices: ATTENTION_KINDS },
    default: 'none',
    resumable: false,
  },
  bidirectional: {
    flag: '--bidirectional',
    help: 'batched: bidirectional encoder, hidden/2 per direction, states concatenated per layer',
    kind: { type: 'flag' },
    resumable: false,
  },
  inputFeed: {
    flag: '--input-feed',
    help: 'batched, Luong attention: feed the attentional state to the next step (the default)',
    kind: { type: 'flag' },
    resumable: false,
    negation: { flag: '--no-input-feed', help: 'batched, Luong attention: no input feeding' },
  },
  lr: {
    flag: '--lr <x>',
    help: "the optimizer's learning rate (the base rate of --lr-schedule); subword runs with Adam: 0.002",
    kind: { type: 'number', min: 0, positive: true },
    default: 0.01,
    resumable: false,
  },
  optimizer: {
    flag: '--optimizer <name>',
    help: "batched: adam (the notebook's) or sgd (torch.optim.SGD; Sutskever et al.: --lr 0.7)",
    kind: { type: 'choice', choices: ['adam', 'sgd'] },
    default: 'adam',
    resumable: false,
  },
  momentum: {
    flag: '--momentum <m>',
    help: "batched, sgd: momentum factor (torch.optim.SGD's, no dampening)",
    kind: { type: 'number', min: 0, max: 0.999 },
    default: 0,
    resumable: false,
  },
  weightDecay: {
    flag: '--weight-decay <x>',
    help: "batched: L2 penalty added to the gradient (both optimizers' weight_decay, not AdamW's)",
    kind: { type: 'number', min: 0, max: 1 },
    default: 0,
    resumable: false,
  },
  lrSchedule: {
    flag: '--lr-schedule <name>',
    help:
      'batched: constant; plateau (ReduceLROnPlateau on the --best-metric measure); step (Sutskever: after ' +
      '--lr-decay-start epochs, times --lr-decay every half epoch); warmup-rsqrt (linear warmup over ' +
      '--warmup-steps updates, then lr * sqrt(warmup / update)); subword runs with held-out pairs: plateau',
    kind: { type: 'choice', choices: LR_SCHEDULES },
    default: 'constant',
    resumable: false,
  },
  lrDecay: {
    flag: '--lr-decay <factor>',
    help: 'batched, plateau and step schedules: the factor of each decay',
    kind: { type: 'number', min: 0, max: 1, positive: true },
    default: 0.5,
    resumable: false,
  },
  lrPatience: {
    flag: '--lr-patience <n>',
    help: 'batched, plateau schedule: epochs without improvement tolerated before a decay (subword runs: 0)',
    kind: { type: 'integer', min: 0, max: 1_000_000 },
    default: 1,
    resumable: false,
  },
  minLr: {
    flag: '--min-lr <x>',
    help: 'batched, decaying schedules: the learning rate never decays below this',
    kind: { type: 'number', min: 0 },
    default: 0,
    resumable: false,
  },
  warmupSteps: {
    flag: '--warmup-steps <n>',
    help: 'batched, warmup-rsqrt schedule: updates of linear warmup to --lr',
    kind: { type: 'integer', min: 1, max: 1_000_000_000 },
    default: 4000,
    resumable: false,
  },
  lrDecayStart: {
    flag: '--lr-decay-start <epoch>',
    help: 'batched, step schedule: epochs at --lr before the rate decays every half epoch',
    kind: { type: 'integer', min: 0, max: 1_000_000 },
    default: 5,
    resumable: false,
  },
  seed: {
    flag: '--seed <n>',
    help: 'seed of the sampling, the initial weights, the split and the batches',
    kind: { type: 'integer', min: 0, max: MAX_SEED },
    default: 0,
    resumable: false,
  },
  device: {
    flag: '--device <device>',
    help: 'cpu, cuda or cuda:N',
    kind: { type: 'device' },
    default: 'cpu',
    resumable: true,
  },
  threads: {
    flag: '--threads <n>',
    help: "libtorch's intra-op threads (default: every core; 1 is fastest for this loop's tiny steps)",
    kind: { type: 'integer', min: 1, max: 1024 },
    resumable: true,
  },
  mode: {
    flag: '--mode <mode>',
    help:
      'batched: mini-batches in C++ off the main thread; notebook: the TypeScript mirror, op by op; ' +
      'fused: the notebook in one addon call per sentence, same losses',
    kind: { type: 'choice', choices: ['batched', 'notebook', 'fused'] },
    default: 'batched',
    resumable: false,
  },
  batchSize: {
    flag: '--batch-size <n>',
    help: 'batched: sentences per mini-batch (grouped by length)',
    kind: { type: 'integer', min: 1, max: 65_536 },
    default: 64,
    resumable: false,
  },
  maxTokens: {
    flag: '--max-tokens <n>',
    help:
      'batched: fill each training batch up to n target tokens (sentences x longest target, padding counted) ' +
      'instead of --batch-size sentences (which then sizes the validation batches); a longer sentence is alone',
    kind: { type: 'integer', min: 1, max: 100_000_000 },
    resumable: false,
  },
  accumulate: {
    flag: '--accumulate <n>',
    help: 'batched: sum the gradients of n consecutive batches into one update (one batch n times larger)',
    kind: { type: 'integer', min: 1, max: 1_000_000 },
    default: 1,
    resumable: false,
  },
  teacherForcing: {
    flag: '--teacher-forcing <ratio>',
    help: 'batched: probability of feeding the reference word at each decoder step (0: free-running, as the notebook)',
    kind: { type: 'number', min: 0, max: 1 },
    default: 1,
    resumable: false,
  },
  clip: {
    flag: '--clip <norm>',
    help: 'batched: largest gradient norm (0: no clipping)',
    kind: { type: 'number', min: 0 },
    default: 5,
    resumable: false,
  },
  validFraction: {
    flag: '--valid-fraction <x>',
    help: 'batched: share of the distinct pairs held out for validation',
    kind: { type: 'number', min: 0, max: 0.5 },
    default: 0.05,
    resumable: false,
  },
  normalize: {
    flag: '--normalize <what>',
    help: 'batched: average the loss over target tokens or sentences before backward',
    kind: { type: 'choice', choices: ['tokens', 'sentences'] },
    default: 'tokens',
    resumable: false,
  },
  dropout: {
    flag: '--dropout <p>',
    help:
      'batched: dropout probability on the embeddings, between LSTM layers and on the decoder output before the ' +
      'output layer (training only); subword runs: 0.3',
    kind: { type: 'number', min: 0, max: 1, maxExclusive: true },
    default: 0,
    resumable: false,
  },
  labelSmoothing: {
    flag: '--label-smoothing <e>',
    help: 'batched: label smoothing of the training loss (the held-out loss stays the plain NLL); subword runs: 0.1',
    kind: { type: 'number', min: 0, max: 1, maxExclusive: true },
    default: 0,
    resumable: false,
  },
  precision: {
    flag: '--precision <p>',
    help:
      "batched: fp32, or bf16: the forward's matrix products in bf16 with float32 weights, optimizer and loss " +
      '(torch.autocast; CPUs with AVX-512 BF16 or AMX, see `doctor`, or CUDA)',
    kind: { type: 'choice', choices: ['fp32', 'bf16'] },
    default: 'fp32',
    resumable: true,
  },
  tieEmbeddings: {
    flag: '--tie-embeddings',
    help:
      "batched: the decoder's embedding shares the output layer's weight (--embedding must equal --hidden; " +
      'twice --hidden with bahdanau attention)',
    kind: { type: 'flag' },
    resumable: false,
  },
  patience: {
    flag: '--patience <n>',
    help: 'batched: stop after this many epochs without a better validation measure',
    kind: { type: 'integer', min: 1 },
    resumable: true,
  },
  bestMetric: {
    flag: '--best-metric <metric>',
    help: 'batched: validation measure that picks the best checkpoint',
    kind: { type: 'choice', choices: ['loss', 'bleu'] },
    default: 'loss',
    resumable: false,
  },
  swap: {
    flag: '--swap',
    help: 'translate from the second column to the first (German to English)',
    kind: { type: 'flag' },
    default: false,
    resumable: false,
  },
  exportRun: {
    flag: '--export-run <dir>',
    help: 'also write data.json, init.pt and losses.json for the PyTorch cross-check',
    kind: { type: 'text' },
    resumable: false,
  },
  worldSize: {
    flag: '--world-size <n>',
    help: 'batched: workers in the data-parallel job (default: WORLD_SIZE, else 1)',
    kind: { type: 'integer', min: 1 },
    resumable: true,
  },
  rank: {
    flag: '--rank <r>',
    help: "batched: this worker's rank, 0 to world size - 1 (default: RANK)",
    kind: { type: 'integer', min: 0 },
    resumable: true,
  },
  masterAddr: {
    flag: '--master-addr <host>',
    help: 'host of rank 0, where the workers meet (default: MASTER_ADDR, else 127.0.0.1)',
    kind: { type: 'text' },
    resumable: true,
  },
  masterPort: {
    flag: '--master-port <port>',
    help: 'port on rank 0 (default: MASTER_PORT, else 29500)',
    kind: { type: 'integer', min: 1 },
    resumable: true,
  },
  timeout: {
    flag: '--timeout <s>',
    help: 'seconds to wait for the other workers and for each exchange',
    // A week at most: c10d keeps timeouts in milliseconds as 64-bit integers, and larger values overflow.
    kind: { type: 'number', min: 0, max: 604_800, positive: true },
    default: 300,
    resumable: true,
  },
  backend: {
    flag: '--backend <name>',
    help: 'c10d backend (default: nccl with --device cuda when built with it, else gloo)',
    kind: { type: 'choice', choices: ['gloo', 'nccl'] },
    resumable: true,
  },
  samples: {
    flag: '--samples <n>',
    help: 'sample translations printed at the end',
    kind: { type: 'integer', min: 0 },
    default: 5,
    resumable: true,
  },
  logEvery: {
    flag: '--log-every <n>',
    help: 'batched: updates per line of metrics.jsonl (besides one line per epoch)',
    kind: { type: 'integer', min: 1 },
    default: 100,
    resumable: true,
  },
  maxLength: {
    flag: '--max-length <n>',
    help: 'skip pairs with more tokens than this on either side (counted in the corpus report)',
    kind: { type: 'integer', min: 1, max: 100_000 },
    default: 100,
    resumable: false,
  },
  vocab: {
    flag: '--vocab <kind>',
    help:
      "batched: word (the notebook's lowercased words) or subword (SentencePiece pieces of the raw text: case, " +
      'punctuation and any word kept)',
    kind: { type: 'choice', choices: ['word', 'subword'] },
    default: 'word',
    resumable: false,
  },
  vocabSize: {
    flag: '--vocab-size <n>',
    help: 'subword: pieces per SentencePiece model (trained on the training pairs, never the held-out ones)',
    kind: { type: 'integer', min: 8, max: 1_000_000 },
    default: 8000,
    resumable: false,
  },
  subword: {
    flag: '--subword <algorithm>',
    help: "subword: SentencePiece's unigram language model or BPE",
    kind: { type: 'choice', choices: ['unigram', 'bpe'] },
    default: 'unigram',
    resumable: false,
  },
  joint: {
    flag: '--joint',
    help: 'subword: one SentencePiece model for both languages, trained on both sides',
    kind: { type: 'flag' },
    resumable: false,
  },
  sourceSpm: {
    flag: '--source-spm <file>',
    help: "subword: the source language's SentencePiece model (e.g. from spm_train) instead of training one",
    kind: { type: 'text' },
    resumable: false,
  },
  targetSpm: {
    flag: '--target-spm <file>',
    help: "subword: the target language's SentencePiece model (the same file as --source-spm for a joint one)",
    kind: { type: 'text' },
    resumable: false,
  },
  maxVocab: {
    flag: '--max-vocab <n>',
    help: 'word, batched: keep the n most frequent words of each side; the others become <unk>',
    kind: { type: 'integer', min: 1, max: 10_000_000 },
    resumable: false,
  },
  minFreq: {
    flag: '--min-freq <k>',
    help: 'word, batched: keep the words seen at least k times on each side; the others become <unk>',
    kind: { type: 'integer', min: 1 },
    resumable: false,
  },
  keepCheckpoints: {
    flag: '--keep-checkpoints <n>',
    help: 'also keep the checkpoints of the n latest epochs (for seq2seq average); default: only last and best',
    kind: { type: 'integer', min: 1, max: 100_000 },
    resumable: true,
  },
  config: {
    flag: '--config <file>',
    help:
      "read options from a YAML or JSON file, keyed by the options' names (batch-size or batchSize); flags given " +
      "win; a training folder's config.yaml repeats its run",
    kind: { type: 'text' },
    resumable: false,
  },
};

/** The name of every run option, in the table's order. */
export const RUN_OPTION_NAMES = Object.keys(RUN_OPTIONS) as (keyof TrainOptions)[];

/** The options that have a default. */
export type DefaultedOption =
  | 'instances'
  | 'epochs'
  | 'hidden'
  | 'embedding'
  | 'layers'
  | 'attention'
  | 'lr'
  | 'optimizer'
  | 'momentum'
  | 'weightDecay'
  | 'lrSchedule'
  | 'lrDecay'
  | 'lrPatience'
  | 'minLr'
  | 'warmupSteps'
  | 'lrDecayStart'
  | 'accumulate'
  | 'logEvery'
  | 'seed'
  | 'device'
  | 'mode'
  | 'batchSize'
  | 'teacherForcing'
  | 'clip'
  | 'validFraction'
  | 'normalize'
  | 'dropout'
  | 'labelSmoothing'
  | 'precision'
  | 'bestMetric'
  | 'swap'
  | 'timeout'
  | 'samples'
  | 'maxLength'
  | 'vocab'
  | 'vocabSize'
  | 'subword';

/** The table's default of `name`. */
export function runOptionDefault<K extends DefaultedOption>(name: K): NonNullable<TrainOptions[K]> {
  const value = RUN_OPTIONS[name].default;
  if (value === undefined) throw new Error(`the run option ${name} has no default`);
  return value as NonNullable<TrainOptions[K]>;
}

/** The option's flag without its placeholder: `--batch-size`. */
export function flagOf(name: keyof TrainOptions): string {
  return RUN_OPTIONS[name].flag.split(' ')[0]!;
}

/** Checks one option's value against the table, naming the option when it is wrong. */
export function checkRunOption<K extends keyof TrainOptions>(name: K, value: unknown): NonNullable<TrainOptions[K]> {
  const kind = RUN_OPTIONS[name].kind;
  const checked = ((): unknown => {
    switch (kind.type) {
      case 'integer':
        if (kind.all && value === 'all') return value;
        return checkInteger(name, value, kind.min, kind.max ?? Infinity);
      case 'number':
        if (kind.maxExclusive && kind.max !== undefined) {
          if (typeof value !== 'number' || !(value >= kind.min) || !(value < kind.max)) {
            throw invalidParameterError(name, `a number from ${kind.min} to below ${kind.max}`, value);
          }
          return value;
        }
        if (kind.positive) {
          if (typeof value !== 'number' || !(value > kind.min) || !(value <= (kind.max ?? Number.MAX_VALUE))) {
            const expected = kind.max === undefined ? 'a positive number' : `a positive number of at most ${kind.max}`;
            throw invalidParameterError(name, expected, value);
          }
          return value;
        }
        return checkNumber(name, value, kind.min, kind.max ?? Infinity);
      case 'choice':
        return checkOneOf(name, value, kind.choices);
      case 'flag':
        return checkBoolean(name, value);
      case 'text':
        if (typeof value !== 'string' || value === '') throw invalidParameterError(name, 'a non-empty string', value);
        return value;
      case 'device':
        if (typeof value !== 'string' || !/^(cpu|cuda(:\d+)?)$/.test(value)) {
          throw invalidParameterError(name, 'cpu, cuda or cuda:N', value);
        }
        return value;
    }
  })();
  return checked as NonNullable<TrainOptions[K]>;
}

/** Checks every option given (undefined ones are absent), and refuses names the table does not have. */
export function checkTrainOptions(options: TrainOptions): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidParameterError('options', 'an options object', options);
  }
  for (const [name, value] of Object.entries(options)) {
    if (!(name in RUN_OPTIONS)) {
      throw new TypeError(`Unknown training option ${name}: expected one of ${RUN_OPTION_NAMES.join(', ')}`);
    }
    if (value !== undefined) checkRunOption(name as keyof TrainOptions, value);
  }
}
