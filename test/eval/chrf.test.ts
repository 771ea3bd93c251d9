import { describe, expect, it } from 'vitest';
import { corpusChrf, SACREBLEU_VERSION, type ChrfOptions } from '../../src/eval/index.js';

/** Expects |actual - expected| < tolerance, naming both in the failure. */
function expectNear(actual: number, expected: number, tolerance: number): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThan(tolerance);
}

describe("corpusChrf against sacreBLEU's published figures", () => {
  it('matches the README example: chrF2 = 59.73 with two reference streams', () => {
    // sacreBLEU's README.md, "Using SacreBLEU from Python": CHRF().corpus_score(sys, refs).
    const hyps = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
    const refs = [
      ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
      ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
    ];
    const chrf = corpusChrf(hyps, refs);
    expect(chrf.score.toFixed(2)).toBe('59.73');
    expect(chrf.name).toBe('chrF2');
    expect(chrf.signature).toBe(`nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:${SACREBLEU_VERSION}`);
  });

  // huggingface/datasets metrics/chrf/README.md: sacreBLEU's CHRF run through the `chrf` metric, printed in full.
  // The card lists references per prediction; here they are one stream.
  const CATS = [
    'The relationship between cats and dogs is not exactly friendly.',
    'a good bookshop is just a genteel black hole that knows how to read.',
  ];
  const DOGS = [
    'The relationship between dogs and cats is not exactly friendly.',
    'A good bookshop is just a genteel Black Hole that knows how to read.',
  ];
  it.each<[string, string[], string[], ChrfOptions, number]>([
    ['chrF', CATS, DOGS, {}, 84.64214891738334],
    ['chrF++', CATS, DOGS, { wordOrder: 2 }, 82.87263732906315],
    ['chrF++ lowercased', CATS, DOGS, { wordOrder: 2, lowercase: true }, 92.12853119829202],
    [
      'chrF of one pair',
      ['The relationship between Obama and Netanyahu is not exactly friendly.'],
      ['The ties between Obama and Netanyahu are not particularly friendly.'],
      {},
      61.576379378113785,
    ],
  ])("the Hugging Face metric card's %s", (_name, hyps, refs, options, expected) => {
    expectNear(corpusChrf(hyps, [refs], options).score, expected, 1e-9);
  });

  // test/test_chrf.py test_chrf: char order 6, word order 0, beta 3, eps smoothing; EPSILON 1e-4.
  it.each<[string[], string[], number]>([
    [['abcdefg'], ['hijklmnop'], 0.0],
    [['a'], ['b'], 0.0],
    [[''], ['b'], 0.0],
    [[''], ['ref'], 0.0],
    [[''], ['reference'], 0.0],
    [['aa'], ['ab'], 8.3333],
    [['a', 'b'], ['a', 'c'], 8.3333],
    [['a'], ['a'], 16.6667],
    [['a b c'], ['a b c'], 50.0],
    [['a b c'], ['abc'], 50.0],
    [
      [
        ' risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
      ],
      [
        'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
      ],
      63.36173,
    ],
    [
      [' Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. '],
      ['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.'],
      64.1302698,
    ],
    [['Niemand hat die Absicht, eine Mauer zu errichten'], ['Niemand hat die Absicht, eine Mauer zu errichten'], 100.0],
  ])('test_chrf: %j against %j', (hyps, refs, expected) => {
    expectNear(corpusChrf(hyps, [refs], { beta: 3, epsSmoothing: true }).score, expected, 1e-4);
  });

  // test/test_chrf.py test_chrf_eff_order (sacreBLEU < 2.0 mode, the default): beta 3; EPSILON 1e-4.
  it.each<[string[], string[], number]>([
    [['a'], ['a'], 100.0],
    [[''], ['reference'], 0.0],
    [['a b c'], ['a b c'], 100.0],
    [['a b c'], ['abc'], 100.0],
    [[''], ['c'], 0.0],
    [['a', 'b'], ['a', 'c'], 50.0],
    [['aa'], ['ab'], 25.0],
  ])('test_chrf_eff_order: %j against %j', (hyps, refs, expected) => {
    expectNear(corpusChrf(hyps, [refs], { beta: 3 }).score, expected, 1e-4);
  });

  // test/test_chrf.py test_chrf_keep_whitespace: beta 3, whitespace kept; EPSILON 1e-4.
  it.each<[string, string, number]>([
    [
      'Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.',
      'Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.',
      67.3481606,
    ],
    [
      'risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .',
      'risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .',
      65.2414427,
    ],
  ])('test_chrf_keep_whitespace: %j', (hyp, ref, expected) => {
    expectNear(corpusChrf([hyp], [[ref]], { beta: 3, whitespace: true }).score, expected, 1e-4);
  });

  // test/test_chrf.py test_chrf_sentence_level: default orders and beta, eps smoothing; EPSILON 1e-4.
  it.each<[string, string, number]>([
    [
      'Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.',
      'Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře.',
      39.14078509,
    ],
    [
      'Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.',
      'A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři.',
      31.22557079,
    ],
    [
      'Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.',
      'Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli.',
      57.15704367,
    ],
  ])('test_chrf_sentence_level: %j', (hyp, ref, expected) => {
    expectNear(corpusChrf([hyp], [[ref]], { epsSmoothing: true }).score, expected, 1e-4);
  });

  it("writes sacreBLEU's name and signature fields for the options", () => {
    const chrf = corpusChrf(['a b'], [['a b'], ['a c']], { wordOrder: 2, lowercase: true, epsSmoothing: true });
    expect(chrf.name).toBe('chrF2++');
    expect(chrf.signature).toBe(`nrefs:2|case:lc|eff:no|nc:6|nw:2|space:no|version:${SACREBLEU_VERSION}`);
    expect(corpusChrf(['a'], [['a']], { whitespace: true, charOrder: 4 }).signature).toBe(
      `nrefs:1|case:mixed|eff:yes|nc:4|nw:0|space:yes|version:${SACREBLEU_VERSION}`,
    );
  });
});

describe('corpusChrf on awkward and bad input', () => {
  it('counts characters as code points, as Python does', () => {
    // Two emoji share their UTF-16 high surrogate; as code points nothing matches.
    expect(corpusChrf(['\u{1f600}'], [['\u{1f601}']]).score).toBe(0);
    expect(corpusChrf(['\u{1f600}x'], [['\u{1f600}x']]).score).toBeCloseTo(100, 10);
  });

  // Worked by hand from chrf.py's _compute_f_score (defaults: beta 2, effective order). 'ab' against 'abc':
  // orders 1 and 2 have precisions 1 and 1 and recalls 2/3 and 1/2; order 3 has no hypothesis n-gram and is
  // left out, so F = 5 * 1 * 7/12 / (4 * 1 + 7/12) = 7/11. 'abc' against 'ab': the hypothesis trigram has
  // no reference trigram to meet and is not counted, so precisions 2/3 and 1/2, recalls 1 and F = 7/8.
  it.each([
    ['ab', 'abc', 700 / 11],
    ['abc', 'ab', 87.5],
  ])('averages only the orders both sides have n-grams of: %s against %s', (hyp, ref, expected) => {
    expectNear(corpusChrf([hyp], [[ref]]).score, expected, 1e-9);
  });

  it('picks the best reference per segment', () => {
    const best = corpusChrf(['the cat sat'], [['a dog ran'], ['the cat sat']]);
    expect(best.score).toBeCloseTo(100, 10);
    expect(best.signature).toMatch(/^nrefs:2\|/);
  });

  it('throws a clear error for an empty corpus or mismatched streams', () => {
    expect(() => corpusChrf([], [[]])).toThrow(/empty corpus/);
    expect(() => corpusChrf(['a', 'b'], [['a']])).toThrow(/stream 0 has 1 lines but there are 2 hypotheses/);
    expect(() => corpusChrf(['a'], [['a']], { charOrder: 0 })).toThrow(/cannot both be 0/);
  });

  it('gives 0 when every hypothesis is empty', () => {
    expect(corpusChrf(['', ' '], [['abc', 'def']]).score).toBe(0);
    expect(corpusChrf(['', ' '], [['abc', 'def']], { epsSmoothing: true }).score).toBeLessThan(1e-12);
  });
});
