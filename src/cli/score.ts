/** `seq2seq score`: BLEU and chrF of a file of translations against files of references, as sacreBLEU scores. */
import { corpusBleu, type BleuScore } from '../eval/bleu.js';
import { corpusChrf, type ChrfScore } from '../eval/chrf.js';
import { readRegularFile } from '../util/files.js';

export interface ScoreCommand {
  hyp: string;
  ref: string[];
  metrics: ('bleu' | 'chrf')[];
  json?: boolean;
}

/** The lines of a text file, as sacreBLEU reads them (a final newline ends the last line). */
export function readLines(path: string, what = 'file'): string[] {
  // A string of more than about 512 MB cannot exist in V8: refuse by name before trying.
  const text = readRegularFile(path, what, 256 << 20).toString('utf8');
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** sacreBLEU's one-line report of a BLEU score. */
export function formatBleu(b: BleuScore): string {
  const precisions = b.precisions.map((p) => p.toFixed(1)).join('/');
  return (
    `BLEU = ${b.score.toFixed(2)} ${precisions} (BP = ${b.bp.toFixed(3)} ratio = ${(b.sysLen / Math.max(b.refLen, 1)).toFixed(3)} ` +
    `hyp_len = ${b.sysLen} ref_len = ${b.refLen})`
  );
}

/** Scores and prints; the JSON form is `{"bleu": ..., "chrf": ..., "signature": "..."}`. */
export function runScore(options: ScoreCommand): void {
  const hyps = readLines(options.hyp);
  const refs = options.ref.map((path) => {
    const lines = readLines(path);
    if (lines.length !== hyps.length) {
      throw new Error(`${path} has ${lines.length} lines, ${options.hyp} has ${hyps.length}: they must pair up`);
    }
    return lines;
  });
  const bleu: BleuScore | undefined = options.metrics.includes('bleu') ? corpusBleu(hyps, refs) : undefined;
  const chrf: ChrfScore | undefined = options.metrics.includes('chrf') ? corpusChrf(hyps, refs) : undefined;
  if (options.json) {
    const out: Record<string, unknown> = {};
    if (bleu) out.bleu = round(bleu.score);
    if (chrf) out.chrf = round(chrf.score);
    out.signature = (bleu ?? chrf)!.signature;
    if (bleu && chrf) out.signatures = { bleu: bleu.signature, chrf: chrf.signature };
    console.log(JSON.stringify(out));
    return;
  }
  if (bleu) console.log(`${formatBleu(bleu)}\n  ${bleu.signature}`);
  if (chrf) console.log(`${chrf.name} = ${chrf.score.toFixed(2)}\n  ${chrf.signature}`);
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;
