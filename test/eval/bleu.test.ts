import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeBleu, corpusBleu, SACREBLEU_VERSION, tokenize13a, type BleuOptions } from '../../src/eval/index.js';
import { splitWords } from '../../src/eval/tokenize-13a.js';

const PYTHON = process.env.SEQ2SEQ_PYTHON ?? '/usr/bin/python3';

/** Expects |actual - expected| < tolerance, naming both in the failure. */
function expectNear(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThan(tolerance);
}

// The hypotheses and two reference streams of sacreBLEU's README, also used by its test/test_bleu.py.
const HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];

describe('the 13a tokenizer', () => {
  // sacreBLEU has no tests of its own for 13a; these outputs are worked out by hand from
  // sacrebleu/tokenizers/tokenizer_13a.py and tokenizer_re.py.
  it.each([
    ['Hello, world!', 'Hello , world !'],
    ['It costs $3.14, or 1,000 dollars.', 'It costs $ 3.14 , or 1,000 dollars .'],
    ['A well-known 1990-2000 study, 3-2.', 'A well-known 1990 - 2000 study , 3 - 2 .'],
    ['&quot;Hi&quot; &amp; &lt;b&gt;', '" Hi " & < b >'],
    ['<skipped>foo-\nbar\nbaz', 'foobar baz'],
    ['snake_case {a}[b]`c~', 'snake _ case { a } [ b ] ` c ~'],
    ['U.S.A.', 'U . S . A .'],
    ['.5 and 5.', '. 5 and 5 .'],
    ['a,b 1,b a,1', 'a , b 1 , b a , 1'],
    ["It wasn't e-mail: a@b.com at 10:30 (5%)", "It wasn't e-mail : a @ b . com at 10 : 30 ( 5 % )"],
    // Python's whitespace, not JavaScript's: U+001C splits, U+FEFF does not.
    ['  tab\tand\u00a0nbsp\u001cgap a\ufeffb  ', 'tab and nbsp gap a\ufeffb'],
    ['Über-große Wörter, ça va.', 'Über-große Wörter , ça va .'],
    ['', ''],
  ])('tokenizes %j', (line, expected) => {
    expect(tokenize13a(line)).toBe(expected);
  });
});

describe("corpusBleu against sacreBLEU's published figures", () => {
  it('matches the README example: 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 hyp_len = 17 ref_len = 18)', () => {
    const bleu = corpusBleu(HYPS, REFS);
    // test/test_bleu.py test_corpus_bleu_cases: 48.530827 within its EPSILON of 1e-8.
    expectNear(bleu.score, 48.530827, 1e-8);
    expect(bleu.precisions.map((p) => p.toFixed(1)).join('/')).toBe('82.4/50.0/45.5/37.5');
    expect(bleu.bp.toFixed(3)).toBe('0.943');
    expect([bleu.sysLen, bleu.refLen]).toEqual([17, 18]);
    expect(bleu.signature).toBe(`nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:${SACREBLEU_VERSION}`);
    expect(SACREBLEU_VERSION).toMatch(/^2\.\d+\.\d+$/);
  });

  it("matches the README's variable number of references: 29.44 (BP = 0.889 hyp_len = 17 ref_len = 19)", () => {
    const bleu = corpusBleu(HYPS, [[null, ...REFS[0]!.slice(1)], REFS[1]!]);
    expect(bleu.score.toFixed(2)).toBe('29.44');
    expect(bleu.precisions.map((p) => p.toFixed(1)).join('/')).toBe('82.4/42.9/27.3/12.5');
    expect(bleu.bp.toFixed(3)).toBe('0.889');
    expect([bleu.sysLen, bleu.refLen]).toEqual([17, 19]);
    expect(bleu.signature).toMatch(/^nrefs:var\|/);
  });

  // test/test_bleu.py test_corpus_bleu_cases (all but the 'intl' tokenizer), EPSILON 1e-8.
  it.each<[string, string[], BleuOptions, number]>([
    ['defaults', HYPS, {}, 48.530827],
    ['empty hypotheses', ['', '', ''], {}, 0.0],
    ["tokenize 'none'", HYPS, { tokenize: 'none' }, 49.1919566],
    ["tokenize '13a'", HYPS, { tokenize: '13a' }, 48.530827],
    ["smooth 'none'", HYPS, { smooth: 'none' }, 48.530827],
  ])('test_corpus_bleu: %s', (_name, hyps, options, expected) => {
    expectNear(corpusBleu(hyps, REFS, options).score, expected, 1e-8);
  });

  // test/test_bleu.py test_bleu_max_order, compared as two-decimal strings as there.
  it.each([
    [1, '77.65'],
    [2, '60.50'],
    [3, '53.93'],
    [4, '48.53'],
    [5, '46.14'],
    [6, '43.28'],
  ])('test_max_ngram_order: order %i gives %s', (order, expected) => {
    expect(corpusBleu(HYPS, REFS, { maxNgramOrder: order }).score.toFixed(2)).toBe(expected);
  });

  // sacrebleu.raw_corpus_bleu: no tokenization, floor smoothing, effective order.
  const raw = (smoothValue = 0.1): BleuOptions => ({
    tokenize: 'none',
    smooth: 'floor',
    smoothValue,
    effectiveOrder: true,
  });

  // test/test_bleu.py test_raw_bleu_cases and test_case_effective_order (smooth value 0.01), EPSILON 1e-8.
  it.each<[string[], string[], number]>([
    [['this is a test', 'another test'], ['ref1', 'ref2'], 0.0],
    [['this is a test'], ['this is a test'], 1.0],
    [['this is a fest'], ['this is a test'], 0.223606797749979],
    [['test'], ['a test'], 0.3678794411714425],
    [['a test'], ['a test'], 1.0],
    [['a little test'], ['a test'], 0.03218297948685433],
  ])('test_raw_bleu / test_effective_order: %j against %j', (hyps, refs, expected) => {
    expectNear(corpusBleu(hyps, [refs], raw(0.01)).score / 100, expected, 1e-8);
  });

  const AM = ['am I am a character sequence'];
  const SYMBOL = [['I am a symbol string sequence a a']];

  it('test_statistics: counts [4, 2, 1, 0] of totals [6, 5, 4, 3]', () => {
    const bleu = corpusBleu(AM, SYMBOL, raw(0.01));
    expect([bleu.counts, bleu.totals]).toEqual([
      [4, 2, 1, 0],
      [6, 5, 4, 3],
    ]);
  });

  it('test_offset: 0 with a floor of 0, 0.1555722182 with the default floor of 0.1', () => {
    expectNear(corpusBleu(AM, SYMBOL, raw(0)).score / 100, 0, 1e-8);
    expectNear(corpusBleu(AM, SYMBOL, raw()).score / 100, 0.1555722182, 1e-8);
    expectNear(
      corpusBleu(AM, SYMBOL, { tokenize: 'none', smooth: 'floor', effectiveOrder: true }).score / 100,
      0.1555722182,
      1e-8,
    );
  });

  it('test_scoring: statistics [9, 7, 5, 3] / [10, 8, 6, 4] at length 11 give 0.8375922397', () => {
    const bleu = computeBleu(
      { counts: [9, 7, 5, 3], totals: [10, 8, 6, 4], sysLen: 11, refLen: 11 },
      { smooth: 'none' },
    );
    expectNear(bleu.score / 100, 0.8375922397, 1e-8);
  });

  // test/test_bleu.py test_case_degenerate_stats: floor smoothing, exactly 0.
  it.each([
    [[0, 0, 0, 0], [4, 4, 2, 1], 0, 1, 0.0],
    [[0, 0, 0, 0], [10, 11, 12, 0], 14, 10, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.0],
    [[6, 5, 4, 0], [6, 5, 4, 3], 6, 6, 0.0],
    [[0, 0, 0, 0], [0, 0, 0, 0], 0, 0, 0.1],
    [[0, 0, 0, 0], [0, 0, 0, 0], 1, 5, 0.01],
  ])('test_degenerate_statistics: %j / %j (sys %i, ref %i, floor %d) is 0', (counts, totals, sysLen, refLen, value) => {
    expect(computeBleu({ counts, totals, sysLen, refLen }, { smooth: 'floor', smoothValue: value }).score).toBe(0);
  });

  // test/test_sentence_bleu.py (example from sacreBLEU issue #98): one segment, effective order, EPSILON 1e-3.
  const REF = 'producţia de zahăr brut se exprimă în zahăr alb;';
  const SYS = 'Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;';
  it.each<[BleuOptions, number]>([
    [{ smooth: 'exp' }, 8.493],
    [{ smooth: 'none' }, 0.0],
    [{ smooth: 'floor' }, 4.51688],
    [{ smooth: 'floor', smoothValue: 0.1 }, 4.51688],
    [{ smooth: 'floor', smoothValue: 0.5 }, 10.1],
    [{ smooth: 'add-k' }, 14.882],
    [{ smooth: 'add-k', smoothValue: 1 }, 14.882],
    [{ smooth: 'add-k', smoothValue: 2 }, 21.389],
    [{ smooth: 'exp', tokenize: 'none' }, 7.347],
  ])('test_api_sentence_bleu: %j gives %d', (options, expected) => {
    expectNear(corpusBleu([SYS], [[REF]], { ...options, effectiveOrder: true }).score, expected, 1e-3);
  });

  // test/test_sentence_bleu.py test_cases_zero_bleu (issue #141): no match at all is 0 whatever the smoothing.
  it.each<BleuOptions>([
    { smooth: 'exp' },
    { smooth: 'none' },
    { smooth: 'floor' },
    { smooth: 'floor', smoothValue: 0.1 },
    { smooth: 'add-k' },
    { smooth: 'add-k', smoothValue: 1 },
  ])('test_api_sentence_bleu_zero: %j gives 0', (options) => {
    expect(corpusBleu(['this is a cat'], [['okay thanks']], { ...options, effectiveOrder: true }).score).toBe(0);
  });

  it("writes sacreBLEU's signature fields for the options", () => {
    const sig = (options: BleuOptions) => corpusBleu(HYPS, [REFS[0]!], options).signature;
    const v = `version:${SACREBLEU_VERSION}`;
    expect(sig({})).toBe(`nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|${v}`);
    expect(sig({ smooth: 'floor' })).toBe(`nrefs:1|case:mixed|eff:no|tok:13a|smooth:floor[0.10]|${v}`);
    expect(sig({ smooth: 'add-k', smoothValue: 2, lowercase: true, tokenize: 'none', effectiveOrder: true })).toBe(
      `nrefs:1|case:lc|eff:yes|tok:none|smooth:add-k[2.00]|${v}`,
    );
  });
});

interface NltkFigures {
  plain: number;
  unfloored: number;
  numerators: number[];
  denominators: number[];
  short: number[];
  hypLen: number;
  refLen: number;
}

// NLTK's corpus_bleu on the token lists, plus its sufficient statistics. NLTK floors each sentence's n-gram
// count at 1 (modified_precision's max(1, ...)), which sacreBLEU does not: `unfloored` is corpus_bleu with the
// floor taken back out through its smoothing_function hook, everything else (clipping over several references,
// closest reference length, brevity penalty, geometric mean) being NLTK's own.
const NLTK_SCRIPT = `
import json, sys
from fractions import Fraction
from nltk.translate.bleu_score import corpus_bleu, modified_precision, closest_ref_length
out = []
for case in json.load(sys.stdin):
    hyps, refs = case['hyps'], case['refs']
    short = [sum(1 for h in hyps if len(h) < n) for n in range(1, 5)]
    def unfloored(p_n, *args, **kwargs):
        return [Fraction(p.numerator, p.denominator - s, _normalize=False) for p, s in zip(p_n, short)]
    precisions = [[modified_precision(r, h, n) for r, h in zip(refs, hyps)] for n in range(1, 5)]
    out.append({
        'plain': 100 * corpus_bleu(refs, hyps),
        'unfloored': 100 * corpus_bleu(refs, hyps, smoothing_function=unfloored),
        'numerators': [sum(p.numerator for p in ps) for ps in precisions],
        'denominators': [sum(p.denominator for p in ps) for ps in precisions],
        'short': short,
        'hypLen': sum(len(h) for h in hyps),
        'refLen': sum(closest_ref_length(r, len(h)) for r, h in zip(refs, hyps)),
    })
json.dump(out, sys.stdout)
`;

interface NltkCase {
  hyps: string[][];
  refs: string[][][];
}

function nltk(cases: NltkCase[]): NltkFigures[] {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install Debian's python3-nltk for the cross-check`);
  const result = spawnSync(PYTHON, ['-c', NLTK_SCRIPT], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: '' },
  });
  if (result.status !== 0) throw new Error(`NLTK reference failed (apt-get install python3-nltk?):\n${result.stderr}`);
  return JSON.parse(result.stdout) as NltkFigures[];
}

describe('corpusBleu against NLTK 3.8 (no smoothing)', () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/eval/nltk-corpus.json', import.meta.url), 'utf8')) as {
    hypotheses: string[];
    references: string[][];
  };
  const tokens = (line: string) => splitWords(tokenize13a(line));
  const asCase = (hyps: string[], streams: string[][]): NltkCase => ({
    hyps: hyps.map(tokens),
    refs: hyps.map((_, i) => streams.map((stream) => tokens(stream[i]!))),
  });
  const { hypotheses, references } = fixture;
  // Hypotheses of at least 4 tokens, which NLTK's per-sentence floor never touches.
  const long = hypotheses.flatMap((h, i) => (tokens(h).length >= 4 ? [i] : []));
  const pick = (lines: string[]) => long.map((i) => lines[i]!);
  const corpora: Array<[string, string[], string[][]]> = [
    ['two references', hypotheses, references],
    ['one reference', hypotheses, [references[0]!]],
    ['two references, hypotheses of 4+ tokens', pick(hypotheses), references.map(pick)],
  ];
  let figures: NltkFigures[] = [];
  beforeAll(() => {
    figures = nltk(corpora.map(([, hyps, streams]) => asCase(hyps, streams)));
  });

  it('uses a fixture with empty and one-word lines and matches at every order', () => {
    expect(hypotheses.length).toBeGreaterThanOrEqual(20);
    expect(hypotheses.filter((h) => h === '').length).toBeGreaterThan(0);
    expect(hypotheses.filter((h) => tokens(h).length === 1).length).toBeGreaterThan(0);
    expect(long.length).toBeLessThan(hypotheses.length);
    // NLTK without smoothing returns 0 if some order has no match: the comparison needs matches at all orders.
    for (const f of figures) expect(Math.min(...f.numerators)).toBeGreaterThan(0);
  });

  it.each(corpora.map((c, k): [string, number] => [c[0], k]))('%s: same statistics and score', (_name, k) => {
    const [, hyps, streams] = corpora[k]!;
    const nltkFigures = figures[k]!;
    const ours = corpusBleu(hyps, streams, { smooth: 'none' });
    expect(ours.counts).toEqual(nltkFigures.numerators);
    expect(ours.totals).toEqual(nltkFigures.denominators.map((d, n) => d - nltkFigures.short[n]!));
    expect([ours.sysLen, ours.refLen]).toEqual([nltkFigures.hypLen, nltkFigures.refLen]);
    expectNear(ours.score, nltkFigures.unfloored, 0.01);
    // With no hypothesis shorter than 4 tokens NLTK's floor never applies: plain corpus_bleu must agree.
    if (nltkFigures.short.every((s) => s === 0)) expectNear(ours.score, nltkFigures.plain, 0.01);
    else expect(nltkFigures.plain).toBeLessThan(ours.score);
  });
});

describe('corpusBleu on bad or degenerate input', () => {
  it('throws a clear error for an empty corpus or missing references', () => {
    expect(() => corpusBleu([], [[]])).toThrow(/empty corpus/);
    expect(() => corpusBleu(['a'], [])).toThrow(/no references/);
  });

  it('throws when a reference stream does not line up with the hypotheses', () => {
    expect(() => corpusBleu(['a', 'b'], [['a']])).toThrow(/stream 0 has 1 lines but there are 2 hypotheses/);
    expect(() => corpusBleu(['a'], [['a'], ['b', 'c']])).toThrow(/stream 1 has 2 lines/);
    expect(() => corpusBleu(['a'], [[null]])).toThrow(/hypothesis 0 has no reference/);
  });

  it('rejects unknown options', () => {
    expect(() => corpusBleu(['a'], [['a']], { smooth: 'bogus' as 'exp' })).toThrow(/options\.smooth/);
    expect(() => corpusBleu(['a'], [['a']], { maxNgramOrder: 0 })).toThrow(/options\.maxNgramOrder/);
  });

  it('gives 0 when every hypothesis is empty, whatever the smoothing', () => {
    for (const smooth of ['exp', 'none', 'floor', 'add-k'] as const) {
      const bleu = corpusBleu(['', '  '], [['a b c d', 'e f g h']], { smooth });
      expect(bleu.score).toBe(0);
      expect([bleu.sysLen, bleu.refLen, bleu.bp]).toEqual([0, 8, 0]);
    }
  });

  // sacreBLEU's _get_closest_ref_len and _extract_reference_info, worked by hand.
  it('takes the shorter reference length on a tie, and clips by the largest count in one reference', () => {
    const tie = corpusBleu(['a b c d e'], [['a b c d'], ['a b c d e f']]);
    expect([tie.refLen, tie.bp]).toEqual([4, 1]);
    const clipped = corpusBleu(['the the the the'], [['the cat'], ['the the dog']], { smooth: 'none' });
    expect([clipped.counts, clipped.totals]).toEqual([
      [2, 1, 0, 0],
      [4, 3, 2, 1],
    ]);
  });

  it('right-strips lines before tokenizing, so a final "-\\n" stays a hyphen', () => {
    // bleu.py's _preprocess_segment calls the tokenizer on sent.rstrip(); 13a alone would join "well-\n" to "well".
    expect(tokenize13a('well-\n')).toBe('well');
    expect(corpusBleu(['well-\n'], [['well-']], { maxNgramOrder: 1 }).score).toBeCloseTo(100, 10);
  });

  it('scores 100 for a perfect corpus, and does not remove empty lines', () => {
    expect(corpusBleu(['the cat sat on the mat'], [['the cat sat on the mat']]).score).toBeCloseTo(100, 10);
    const withEmpty = corpusBleu(['the cat sat on the mat', ''], [['the cat sat on the mat', 'a b']]);
    expect(withEmpty.refLen).toBe(8);
    expect(withEmpty.score).toBeLessThan(100);
  });
});
