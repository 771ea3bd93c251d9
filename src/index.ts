/** seq2seq-node: Sutskever-style sequence-to-sequence models on libtorch. */
export * as torch from './torch/index.js';
