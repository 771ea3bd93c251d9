/** seq2seq-node: Sutskever-style sequence-to-sequence models on libtorch. */
export * as torch from './torch/index.js';

// corpus -> tokens -> vocabularies -> index sentences (sources reversed)
export { readCorpus, parseCorpus, formatReport, type Pair, type Corpus } from './data/corpus.js';
export { toSentence, SOS, EOS } from './data/tokenize.js';
export { Vocab, UNK, type VocabOptions, type VocabLimits } from './data/vocab.js';
export {
  SentencePieceModel,
  trainSentencePiece,
  sentencePieceVersion,
  type TrainSentencePieceOptions,
} from './tokens/sentencepiece.js';
export {
  WORDS,
  WORD_SEGMENTERS,
  SubwordSegmenter,
  type Segmenter,
  type Segmenters,
  type VocabularyKind,
} from './tokens/segmenter.js';
export { samplePairs, buildDataset, dropLongPairs, type Dataset } from './data/dataset.js';
export { generateDemoCorpus } from './data/demo-grammar.js';

// model
export { Encoder, type EncoderOptions } from './model/encoder.js';
export { Decoder, type DecoderOptions } from './model/decoder.js';
export { Attention, ATTENTION_KINDS, isLuong, type AttentionKind } from './model/attention.js';
export { buildModel, describeModel, fullSizes, isNotebookModel } from './model/architecture.js';
export { NOTEBOOK_DEFAULTS, resolveConfig, type ModelConfig } from './model/config.js';

// training
export { trainNotebook, type NotebookLosses, type NotebookOptions, type NotebookProgress } from './train/notebook.js';
export { trainFused } from './train/fused.js';
export {
  trainBatched,
  evaluateLoss,
  type BatchedOptions,
  type BatchedProgress,
  type BatchedResult,
  type EpochReport,
} from './train/batched.js';
export { splitHeldOut, splitByKeys, type Split } from './train/split.js';
export { prepareRunData, type RunData, type SavedVocabularies } from './train/run-data.js';
export { train, type TrainResult } from './train/run.js';
export type { TrainHooks, TrainProgress } from './train/run-context.js';
export {
  RUN_OPTIONS,
  RUN_OPTION_NAMES,
  runOptionDefault,
  checkRunOption,
  checkTrainOptions,
  type TrainOptions,
  type RunOptions,
  type RunOptionSpec,
  type OptionKind,
  type TrainMode,
  type BestMetric,
  type DefaultedOption,
} from './train/run-options.js';
export { updateBest, patienceExhausted } from './train/early-stopping.js';
export { readConfigFile, withConfigFile, writeRunConfig, runConfig, RUN_CONFIG_FILE } from './train/config-file.js';
export {
  validationBleu,
  exactMatch,
  sampleTranslations,
  inEvalMode,
  type SampleTranslation,
  type ValidationModel,
} from './train/validation.js';
export {
  initProcessGroup,
  distributedFromEnv,
  defaultBackend,
  workerDevice,
  processGroupBackends,
  ProcessGroup,
  type DistributedOptions,
  type Backend,
} from './train/distributed.js';

// model folders, checkpoints and PyTorch's files
export {
  saveModel,
  loadModel,
  resolveModelDir,
  readVocabularies,
  segmentersOf,
  type TrainedModel,
  type ModelSizes,
} from './io/model-files.js';
export {
  writeCheckpoint,
  readCheckpoint,
  restoreCheckpoint,
  hasCheckpoint,
  listCheckpoints,
  type TrainerState,
  type EpochRecord,
} from './io/checkpoint.js';
export {
  averageCheckpoints,
  averageStateDicts,
  chooseCheckpoints,
  type AverageOptions,
  type AverageResult,
} from './io/average.js';
export { quantizeModel, type QuantizeOptions, type QuantizeResult } from './io/quantize.js';
export { importModel, exportModel, readNotebookModel, type NotebookFiles } from './io/interop.js';

// translations
export { greedyDecode, type GreedyOptions } from './decode/greedy.js';
export {
  greedyDecodeBatch,
  greedyDecodeWithAttention,
  type AttendedWords,
  type BatchGreedyOptions,
} from './decode/batch-greedy.js';
export { beamSearchBatch, type BeamOptions, type Hypothesis } from './decode/beam.js';
export { ensembleMembers, ensembleGreedyDecodeBatch, ensembleBeamSearchBatch, type Models } from './decode/ensemble.js';
export { loadEnsemble } from './decode/load-ensemble.js';
export {
  translate,
  translateMany,
  translateBeam,
  translateWithAttention,
  displayWords,
  replaceUnk,
  UnknownWordsError,
  type Translation,
  type TranslateOptions,
  type AttendedTranslation,
} from './decode/translate.js';
export { attentionHeatmapSvg, writeAttentionPng, formatAttention, type AttentionMap } from './plot/attention-plot.js';

// evaluation
export { corpusBleu, corpusChrf, tokenize13a, type BleuScore, type ChrfScore } from './eval/index.js';
export { evaluateModel, pickPairs, type Evaluation } from './eval/evaluate.js';

// serving
export { createServer, seq2seqRoutes, type CreateServerOptions, type Seq2seqRoutesOptions } from './server/server.js';
export { SERVER_DEFAULTS, resolveServerOptions, type ServerOptions } from './server/limits.js';
export { readApiKeys } from './server/api-keys.js';
export {
  Batcher,
  QueueFullError,
  BatcherClosedError,
  type BatcherOptions,
  type BatchEvent,
  type BatchDone,
} from './server/batcher.js';
export type { DecodeKind } from './server/decoding.js';
export type { LibreTranslateAnswer } from './server/libretranslate.js';
export type { TranslationAnswer, HypothesisAnswer, ModelAnswer } from './server/native-api.js';
