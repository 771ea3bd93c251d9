/** `seq2seq eval`: a model's BLEU, chrF, exact match and loss per token on pairs of a corpus. */
import { readCorpus } from '../data/corpus.js';
import { evaluateModel, pickPairs } from '../eval/evaluate.js';
import { loadEnsemble } from '../decode/load-ensemble.js';
import type { Device } from '../torch/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { checkOutputFile } from '../util/output.js';
import { formatBleu } from './score.js';

export interface EvalCommand {
  /** One model folder, or several: an ensemble. */
  model: string[];
  corpus: string;
  instances?: number;
  seed: number;
  swap?: boolean;
  device: Device;
  maxLength: number;
  beam: number;
  lengthPenalty: number;
  replaceUnk?: boolean;
  hypsOut?: string;
  refsOut?: string;
  json?: boolean;
  /** Replace existing --hyps-out and --refs-out files. */
  force?: boolean;
}

export async function runEval(options: EvalCommand): Promise<void> {
  // Checked before any work: a refusal after minutes of decoding would waste them.
  if (options.hypsOut) checkOutputFile(options.hypsOut, '--hyps-out', options.force);
  if (options.refsOut) checkOutputFile(options.refsOut, '--refs-out', options.force);
  if (options.model.length > 1 && options.replaceUnk) {
    throw new Error("--replace-unk follows one model's attention: not with an ensemble");
  }
  const model = loadEnsemble(options.model, options.device);
  const corpus = readCorpus(options.corpus, { swap: options.swap });
  if (corpus.pairs.length === 0) throw new Error(`${options.corpus}: no usable pairs`);
  const pairs = pickPairs(corpus.pairs, options.instances, options.seed);
  const e = await evaluateModel(model, pairs, {
    beam: options.beam,
    lengthPenalty: options.lengthPenalty,
    maxLength: options.maxLength,
    replaceUnk: options.replaceUnk,
  });
  const lines = (texts: string[]): string => texts.map((t) => `${t}\n`).join('');
  if (options.hypsOut) writeFileAtomic(options.hypsOut, lines(e.hypotheses));
  if (options.refsOut) writeFileAtomic(options.refsOut, lines(e.references));
  if (options.json) {
    console.log(
      JSON.stringify({
        bleu: e.bleu.score,
        chrf: e.chrf.score,
        exact_match: e.exactMatch,
        loss: e.loss ?? null,
        pairs: e.pairs,
        skipped: e.skipped,
        scored_on: e.scoredOn,
        signature: e.bleu.signature,
        signatures: { bleu: e.bleu.signature, chrf: e.chrf.signature },
      }),
    );
    return;
  }
  const skipped = e.skipped > 0 ? ` (${e.skipped} skipped: words outside the source vocabulary)` : '';
  const ensemble = options.model.length > 1 ? `, an ensemble of ${options.model.length} models` : '';
  console.log(`${e.pairs} pairs scored${skipped}, ${options.beam > 1 ? `beam ${options.beam}` : 'greedy'}${ensemble}`);
  console.log(
    e.scoredOn === 'text'
      ? "scored on detokenized text against the corpus's lines (sacreBLEU's defaults)"
      : "scored on the model's lowercased words (a word model: references tokenized as in training)",
  );
  console.log(`${formatBleu(e.bleu)}\n  ${e.bleu.signature}`);
  console.log(`${e.chrf.name} = ${e.chrf.score.toFixed(2)}\n  ${e.chrf.signature}`);
  console.log(`exact match = ${(100 * e.exactMatch).toFixed(1)}%`);
  if (e.loss !== undefined) console.log(`loss per target token = ${e.loss.toFixed(4)} (teacher-forced)`);
}
