/** Translation metrics that reproduce sacreBLEU's corpus BLEU and chrF, in plain TypeScript. */
export {
  corpusBleu,
  computeBleu,
  SACREBLEU_VERSION,
  type BleuOptions,
  type BleuScoringOptions,
  type BleuScore,
  type BleuStatistics,
  type BleuSmoothing,
  type BleuTokenizer,
} from './bleu.js';
export { corpusChrf, type ChrfOptions, type ChrfScore } from './chrf.js';
export { tokenize13a } from './tokenize-13a.js';
