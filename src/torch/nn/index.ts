export { Module, type StateDict } from './module.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { LSTM, type LSTMOptions, type LSTMState } from './lstm.js';
export { Linear, type LinearOptions } from './linear.js';
export { LogSoftmax } from './activation.js';
export { NLLLoss, type NLLLossOptions, type Reduction } from './loss.js';
