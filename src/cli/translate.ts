/** `seq2seq translate`: sentences from the arguments or from stdin, one translation (or n-best list) each. */
import { translateBeam, translateWithAttention, UnknownWordsError } from '../decode/translate.js';
import type { TrainedModel } from '../io/model-files.js';
import { loadEnsemble } from '../decode/load-ensemble.js';
import { formatAttention, writeAttentionPng } from '../plot/attention-plot.js';
import type { Device } from '../torch/index.js';
import { lineBatches } from '../util/lines.js';
import { checkOutputFile } from '../util/output.js';

export interface TranslateCommand {
  /** One model folder, or several: an ensemble. */
  model: string[];
  device: Device;
  maxLength: number;
  beam: number;
  nBest: number;
  lengthPenalty: number;
  json?: boolean;
  /** Print each translation's attention weights (greedy decoding, attention models). */
  showAttention?: boolean;
  /** Draw each translation's attention as a heat map PNG there (`-N` before `.png` for the N-th sentence). */
  attentionPng?: string;
  /** Replace existing PNG files. */
  force?: boolean;
  /** Replace each produced `<unk>` by the most-attended source word (attention word models). */
  replaceUnk?: boolean;
}

/**
 * The most sentences of stdin translated together: enough for full batches, few enough to print as it goes. A
 * batch is cut short when no further line is waiting, so that typed lines are answered at once.
 */
const CHUNK = 256;
/** A sentence is a few hundred bytes; a line longer than this is a mistake (a binary file piped in). */
const MAX_LINE_BYTES = 1 << 20;

/** Translates and prints; returns the exit code (1 when some sentence could not be translated). */
export async function runTranslate(sentences: string[], options: TranslateCommand): Promise<number> {
  if (options.nBest > options.beam) throw new Error(`--n-best ${options.nBest} needs --beam ${options.nBest} or more`);
  const attention = options.showAttention === true || options.attentionPng !== undefined;
  if (attention && options.beam > 1)
    throw new Error('--show-attention and --attention-png show greedy decoding: leave out --beam');
  if (options.model.length > 1 && (attention || options.replaceUnk)) {
    throw new Error('--show-attention, --attention-png and --replace-unk follow one model: not with an ensemble');
  }
  const members = loadEnsemble(options.model, options.device);
  const model = members[0]!;
  if (attention && model.decoder.attentionKind === 'none') {
    throw new Error(`${options.model} has no attention (trained with --attention none): nothing to show`);
  }
  let status = 0;
  // Sentences translated before this batch: n-best lists and heat maps are numbered across batches.
  let count = 0;
  // Heat maps are numbered (FILE-N.png) unless a single sentence is given as an argument.
  const numbered = sentences.length !== 1;
  const translate = async (texts: string[]): Promise<void> => {
    const before = count;
    count += texts.length;
    if (attention) {
      status = Math.max(status, await translateAttended(model, texts, options, before, numbered));
      return;
    }
    const results = await translateBeam(members, texts, {
      beam: options.beam,
      nBest: options.nBest,
      lengthPenalty: options.lengthPenalty,
      maxLength: options.maxLength,
      replaceUnk: options.replaceUnk,
    });
    results.forEach((result, i) => {
      if (result instanceof UnknownWordsError) {
        console.error(`seq2seq: cannot translate "${texts[i]}": ${result.message} (not in the training vocabulary)`);
        if (options.json) console.log(JSON.stringify({ source: texts[i], error: result.message }));
        status = 1;
      } else if (options.json) {
        const translations = result.map((t) => ({
          text: t.text,
          tokens: t.tokens,
          score: t.score,
          log_prob: t.logProb,
        }));
        console.log(JSON.stringify({ source: texts[i], translations }));
      } else if (options.nBest > 1) {
        result.forEach((t, n) => console.log(`${before + i}\t${n}\t${t.score.toFixed(4)}\t${t.text}`));
      } else {
        console.log(result[0]?.text ?? '');
      }
    });
  };
  if (sentences.length > 0) {
    await translate(sentences);
    return status;
  }
  // One sentence per line from stdin: a piped file in batches of CHUNK, printed as they are done; a typed line (or
  // the last of what a pipe holds so far) as soon as nothing further is waiting.
  for await (const batch of lineBatches(process.stdin, MAX_LINE_BYTES, CHUNK)) await translate(batch);
  return status;
}

/** Greedy translations with their attention: a table after each, and the heat maps. */
async function translateAttended(
  model: TrainedModel,
  texts: string[],
  options: TranslateCommand,
  before: number,
  numbered: boolean,
): Promise<number> {
  let status = 0;
  const results = await translateWithAttention(model, texts, options.maxLength, { replaceUnk: options.replaceUnk });
  for (const [i, result] of results.entries()) {
    if (result instanceof UnknownWordsError) {
      console.error(`seq2seq: cannot translate "${texts[i]}": ${result.message} (not in the training vocabulary)`);
      if (options.json) console.log(JSON.stringify({ source: texts[i], error: result.message }));
      status = 1;
      continue;
    }
    if (options.json) {
      console.log(
        JSON.stringify({
          source: texts[i],
          translations: [{ text: result.text, tokens: result.tokens }],
          attention: result.attention,
        }),
      );
    } else {
      console.log(result.text);
      if (options.showAttention) console.log(`${formatAttention(result.attention)}\n`);
    }
    if (options.attentionPng) {
      const n = before + i + 1;
      const path = numbered ? options.attentionPng.replace(/(\.png)?$/i, `-${n}.png`) : options.attentionPng;
      checkOutputFile(path, '--attention-png', options.force);
      await writeAttentionPng(path, result.attention, texts[i]);
    }
  }
  return status;
}
