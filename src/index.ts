/** seq2seq-node: Sutskever-style sequence-to-sequence models on libtorch. */
export * as torch from './torch/index.js';

// corpus -> tokens -> vocabularies -> index sentences (sources reversed)
export { readCorpus, parseCorpus, formatReport, type Pair, type Corpus } from './data/corpus.js';
export { toSentence, SOS, EOS } from './data/tokenize.js';
export { Vocab } from './data/vocab.js';
export { samplePairs, buildDataset, type Dataset } from './data/dataset.js';
export { generateDemoCorpus } from './data/demo-grammar.js';

// model
export { Encoder } from './model/encoder.js';
export { Decoder } from './model/decoder.js';
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
export { splitHeldOut, type Split } from './train/split.js';

// checkpoints and translations
export { saveModel, loadModel, type TrainedModel } from './io/model-files.js';
export { greedyDecode, type GreedyOptions } from './decode/greedy.js';
export { greedyDecodeBatch, type BatchGreedyOptions } from './decode/batch-greedy.js';
export { translate, translateMany, displayWords, UnknownWordsError } from './decode/translate.js';
