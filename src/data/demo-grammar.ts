/**
 * The demo corpus: English-German pairs generated from a small grammar, deterministic for a seed, in
 * manythings' `deu.txt` format. It covers what makes German hard for a translator — gender and case on
 * articles and adjectives, plural forms, conjugation, `kein` against `nicht`, verb-first questions and the
 * verb-second inversion after a fronted adverb — with a vocabulary small enough to learn in minutes.
 */
import { checkInteger, checkOptions } from '../util/check.js';
import { Random } from '../util/random.js';

type Gender = 'm' | 'f' | 'n';
type Kind = 'animal' | 'person' | 'food' | 'readable' | 'thing';
type Case = 'nom' | 'acc';

interface Noun {
  de: [singular: string, plural: string];
  en: [singular: string, plural: string];
  gender: Gender;
  kind: Kind;
  openable?: boolean;
}

const NOUNS: Noun[] = [
  { de: ['Hund', 'Hunde'], en: ['dog', 'dogs'], gender: 'm', kind: 'animal' },
  { de: ['Katze', 'Katzen'], en: ['cat', 'cats'], gender: 'f', kind: 'animal' },
  { de: ['Vogel', 'Vögel'], en: ['bird', 'birds'], gender: 'm', kind: 'animal' },
  { de: ['Pferd', 'Pferde'], en: ['horse', 'horses'], gender: 'n', kind: 'animal' },
  { de: ['Mann', 'Männer'], en: ['man', 'men'], gender: 'm', kind: 'person' },
  { de: ['Frau', 'Frauen'], en: ['woman', 'women'], gender: 'f', kind: 'person' },
  { de: ['Kind', 'Kinder'], en: ['child', 'children'], gender: 'n', kind: 'person' },
  { de: ['Lehrer', 'Lehrer'], en: ['teacher', 'teachers'], gender: 'm', kind: 'person' },
  { de: ['Mädchen', 'Mädchen'], en: ['girl', 'girls'], gender: 'n', kind: 'person' },
  { de: ['Ärztin', 'Ärztinnen'], en: ['doctor', 'doctors'], gender: 'f', kind: 'person' },
  { de: ['Apfel', 'Äpfel'], en: ['apple', 'apples'], gender: 'm', kind: 'food' },
  { de: ['Kuchen', 'Kuchen'], en: ['cake', 'cakes'], gender: 'm', kind: 'food' },
  { de: ['Banane', 'Bananen'], en: ['banana', 'bananas'], gender: 'f', kind: 'food' },
  { de: ['Ei', 'Eier'], en: ['egg', 'eggs'], gender: 'n', kind: 'food' },
  { de: ['Buch', 'Bücher'], en: ['book', 'books'], gender: 'n', kind: 'readable', openable: true },
  { de: ['Zeitung', 'Zeitungen'], en: ['newspaper', 'newspapers'], gender: 'f', kind: 'readable' },
  { de: ['Brief', 'Briefe'], en: ['letter', 'letters'], gender: 'm', kind: 'readable', openable: true },
  { de: ['Ball', 'Bälle'], en: ['ball', 'balls'], gender: 'm', kind: 'thing' },
  { de: ['Schlüssel', 'Schlüssel'], en: ['key', 'keys'], gender: 'm', kind: 'thing' },
  { de: ['Blume', 'Blumen'], en: ['flower', 'flowers'], gender: 'f', kind: 'thing' },
  { de: ['Tasche', 'Taschen'], en: ['bag', 'bags'], gender: 'f', kind: 'thing', openable: true },
  { de: ['Tür', 'Türen'], en: ['door', 'doors'], gender: 'f', kind: 'thing', openable: true },
  { de: ['Haus', 'Häuser'], en: ['house', 'houses'], gender: 'n', kind: 'thing' },
  { de: ['Auto', 'Autos'], en: ['car', 'cars'], gender: 'n', kind: 'thing' },
  { de: ['Fenster', 'Fenster'], en: ['window', 'windows'], gender: 'n', kind: 'thing', openable: true },
  { de: ['Bild', 'Bilder'], en: ['picture', 'pictures'], gender: 'n', kind: 'thing' },
];

const ADJECTIVES: [de: string, en: string][] = [
  ['groß', 'big'],
  ['klein', 'small'],
  ['alt', 'old'],
  ['neu', 'new'],
  ['jung', 'young'],
  ['rot', 'red'],
  ['schön', 'beautiful'],
  ['schwarz', 'black'],
];

interface Verb {
  /** ich, du, er/sie/es, wir, ihr, sie */
  de: [string, string, string, string, string, string];
  /** base form, third person singular */
  en: [string, string];
  objects: (noun: Noun) => boolean;
}

const VERBS: Verb[] = [
  { de: ['sehe', 'siehst', 'sieht', 'sehen', 'seht', 'sehen'], en: ['see', 'sees'], objects: () => true },
  { de: ['mag', 'magst', 'mag', 'mögen', 'mögt', 'mögen'], en: ['like', 'likes'], objects: () => true },
  { de: ['finde', 'findest', 'findet', 'finden', 'findet', 'finden'], en: ['find', 'finds'], objects: () => true },
  { de: ['habe', 'hast', 'hat', 'haben', 'habt', 'haben'], en: ['have', 'has'], objects: (n) => n.kind !== 'person' },
  {
    de: ['kaufe', 'kaufst', 'kauft', 'kaufen', 'kauft', 'kaufen'],
    en: ['buy', 'buys'],
    objects: (n) => n.kind !== 'person',
  },
  { de: ['esse', 'isst', 'isst', 'essen', 'esst', 'essen'], en: ['eat', 'eats'], objects: (n) => n.kind === 'food' },
  {
    de: ['lese', 'liest', 'liest', 'lesen', 'lest', 'lesen'],
    en: ['read', 'reads'],
    objects: (n) => n.kind === 'readable',
  },
  {
    de: ['öffne', 'öffnest', 'öffnet', 'öffnen', 'öffnet', 'öffnen'],
    en: ['open', 'opens'],
    objects: (n) => !!n.openable,
  },
  {
    de: ['besuche', 'besuchst', 'besucht', 'besuchen', 'besucht', 'besuchen'],
    en: ['visit', 'visits'],
    objects: (n) => n.kind === 'person',
  },
];

/** Subject pronouns with their conjugation slot (0..5) and English form. */
const PRONOUNS: [de: string, en: string, slot: number][] = [
  ['ich', 'I', 0],
  ['du', 'you', 1],
  ['er', 'he', 2],
  ['sie', 'she', 2],
  ['wir', 'we', 3],
  ['ihr', 'you', 4],
  ['sie', 'they', 5],
];

const ADVERBS: [de: string, en: string][] = [
  ['heute', 'today'],
  ['jetzt', 'now'],
  ['manchmal', 'sometimes'],
];

type Determiner = 'def' | 'indef' | 'kein';

const ARTICLES: Record<Determiner, Record<Case, Record<Gender | 'pl', string>>> = {
  def: { nom: { m: 'der', f: 'die', n: 'das', pl: 'die' }, acc: { m: 'den', f: 'die', n: 'das', pl: 'die' } },
  indef: { nom: { m: 'ein', f: 'eine', n: 'ein', pl: '' }, acc: { m: 'einen', f: 'eine', n: 'ein', pl: '' } },
  kein: {
    nom: { m: 'kein', f: 'keine', n: 'kein', pl: 'keine' },
    acc: { m: 'keinen', f: 'keine', n: 'kein', pl: 'keine' },
  },
};

/** The adjective ending: weak after der/die/das, mixed after ein/kein, strong with no article at all. */
function adjectiveEnding(det: Determiner, c: Case, g: Gender | 'pl'): string {
  if (g === 'pl') return det === 'indef' ? 'e' : 'en';
  if (c === 'acc' && g === 'm') return 'en';
  if (det === 'def') return 'e';
  return g === 'm' ? (c === 'nom' ? 'er' : 'en') : g === 'n' ? 'es' : 'e';
}

interface Phrase {
  de: string[];
  en: string[];
}

/** A noun phrase in German case `c`; `kein` renders in English as the indefinite phrase it negates. */
function nounPhrase(noun: Noun, plural: boolean, det: Determiner, c: Case, adjective?: [string, string]): Phrase {
  const g = plural ? 'pl' : noun.gender;
  const de = [ARTICLES[det][c][g]].filter(Boolean);
  const en: string[] = [];
  if (det === 'def') en.push('the');
  if (adjective) {
    de.push(adjective[0] + adjectiveEnding(det, c, g));
    en.push(adjective[1]);
  }
  de.push(noun.de[plural ? 1 : 0]);
  en.push(noun.en[plural ? 1 : 0]);
  if (det !== 'def' && !plural) en.unshift(/^[aeiou]/.test(en[0]!) ? 'an' : 'a');
  return { de, en };
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const sentence = (words: string[], end: string): string => capitalize(words.join(' ')) + end;

/** One English-German pair. */
function generatePair(r: Random): [string, string] {
  const maybeAdjective = (): [string, string] | undefined => (r.next() < 0.3 ? r.pick(ADJECTIVES) : undefined);
  // Subject: a pronoun or a noun phrase of an animal or a person.
  let subject: Phrase;
  let slot: number;
  if (r.next() < 0.45) {
    const [de, en, s] = r.pick(PRONOUNS);
    subject = { de: [de], en: [en] };
    slot = s;
  } else {
    const plural = r.next() < 0.3;
    const noun = r.pick(NOUNS.filter((n) => n.kind === 'animal' || n.kind === 'person'));
    subject = nounPhrase(noun, plural, r.next() < 0.7 ? 'def' : 'indef', 'nom', maybeAdjective());
    slot = plural ? 5 : 2;
  }
  const verb = r.pick(VERBS);
  const object = r.pick(NOUNS.filter(verb.objects));
  const objectPlural = r.next() < 0.25;
  const definite = r.next() < 0.6;
  const adjective = maybeAdjective();
  const thirdSingular = slot === 2;
  const deVerb = verb.de[slot]!;

  const form = r.next();
  if (form < 0.2) {
    // Negation: nicht after a definite object, kein before an indefinite one.
    const obj = nounPhrase(object, objectPlural, definite ? 'def' : 'kein', 'acc', adjective);
    const de = definite ? [...subject.de, deVerb, ...obj.de, 'nicht'] : [...subject.de, deVerb, ...obj.de];
    const en = [...subject.en, thirdSingular ? 'does' : 'do', 'not', verb.en[0], ...obj.en];
    return [sentence(en, '.'), sentence(de, '.')];
  }
  const obj = nounPhrase(object, objectPlural, definite ? 'def' : 'indef', 'acc', adjective);
  if (form < 0.4) {
    // A yes/no question puts the German verb first; English needs do-support.
    const de = [deVerb, ...subject.de, ...obj.de];
    const en = [thirdSingular ? 'does' : 'do', ...subject.en, verb.en[0], ...obj.en];
    return [sentence(en, '?'), sentence(de, '?')];
  }
  const en = [...subject.en, verb.en[thirdSingular ? 1 : 0], ...obj.en];
  if (form < 0.6) {
    // A fronted adverb keeps the German verb second, so the subject moves after it.
    const [deAdverb, enAdverb] = r.pick(ADVERBS);
    return [sentence([enAdverb, ...en], '.'), sentence([deAdverb, deVerb, ...subject.de, ...obj.de], '.')];
  }
  return [sentence(en, '.'), sentence([...subject.de, deVerb, ...obj.de], '.')];
}

/** Options of `generateDemoCorpus`. */
export interface DemoCorpusOptions {
  /** Number of lines; default 5000. */
  pairs?: number;
  /** Seed of the choices; default 1. */
  seed?: number;
  /**
   * Most clauses per line: each line joins 1 to `clauses` generated sentences with "and" / "und" (German
   * keeps each clause's word order after "und"), for sentences long enough to tell attention from the
   * notebook's fixed-size state. Default 1: the lines are those of earlier versions, draw for draw.
   */
  clauses?: number;
}

const ATTRIBUTION = 'CC-BY 2.0 (France) Attribution: seq2seq-node demo grammar';

/** The corpus text, `English<TAB>German<TAB>attribution` per line, the same for the same options. */
export function generateDemoCorpus(options?: DemoCorpusOptions): string {
  const opts = checkOptions('options', options);
  const pairs = checkInteger('pairs', opts.pairs ?? 5000, 1, 1_000_000);
  const random = new Random(checkInteger('seed', opts.seed ?? 1, 0, Number.MAX_SAFE_INTEGER));
  const clauses = checkInteger('clauses', opts.clauses ?? 1, 1, 10);
  const lines: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const pair = clauses === 1 ? generatePair(random) : joinClauses(random, 1 + random.int(clauses));
    lines.push(`${pair.join('\t')}\t${ATTRIBUTION}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `count` generated sentences as one: "The dog sees the cat and today we eat an apple." */
function joinClauses(random: Random, count: number): [string, string] {
  const parts = Array.from({ length: count }, () => generatePair(random));
  const join = (side: 0 | 1, word: string): string =>
    parts
      .map((p, i) => {
        const text = i === parts.length - 1 ? p[side] : p[side].slice(0, -1); // the last keeps its . or ?
        return i === 0 ? text : text[0]!.toLowerCase() + text.slice(1);
      })
      .join(` ${word} `);
  return [join(0, 'and'), join(1, 'und')];
}
