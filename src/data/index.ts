/**
 * Corpora, tokens and vocabularies in plain TypeScript (`seq2seq-node/data`): importing this does not load
 * libtorch or change the process's environment.
 */
export {
  readCorpus,
  parseCorpus,
  formatReport,
  type Pair,
  type Corpus,
  type CorpusReport,
  type ReadCorpusOptions,
} from './corpus.js';
export { tokenize, toSentence, SOS, EOS } from './tokenize.js';
export { Vocab, UNK, type VocabOptions, type VocabLimits } from './vocab.js';
export { samplePairs, buildDataset, dropLongPairs, type Dataset } from './dataset.js';
export { generateDemoCorpus, type DemoCorpusOptions } from './demo-grammar.js';
export {
  parseMessageCatalog,
  readMessageCatalog,
  listMessageCatalogs,
  MessageCatalogError,
  type CatalogEntry,
  type MessageCatalog,
  type ReadMessageCatalogOptions,
} from './message-catalog.js';
export {
  catalogPairs,
  catalogCorpusText,
  formatCatalogReport,
  normalizeMessage,
  stripAccelerators,
  DEFAULT_MIN_WORDS,
  type CatalogPair,
  type CatalogReport,
  type CatalogCorpus,
  type CatalogPairsOptions,
} from './catalog-corpus.js';
