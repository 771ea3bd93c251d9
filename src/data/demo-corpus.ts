/**
 * A small English-German parallel corpus generated from a hand-written grammar, for the demo: deterministic for
 * a seed, with a vocabulary small enough to learn on two CPU cores in a couple of minutes, yet covering what
 * makes German hard for a translator — gender and case on articles and adjectives, plural forms, conjugation
 * with strong stems, `nicht` against `kein`, verb-first questions and verb-second inversion after a fronted
 * adverb. The text has the format of manythings.org's `deu.txt`, so the demo reads it like the real corpus.
 */
import { checkInteger, checkOptions } from '../util/check.js';
import { Random } from '../util/random.js';

// ---------------------------------------------------------------------------------------------------------------
// Lexicon
// ---------------------------------------------------------------------------------------------------------------

type Gender = 'm' | 'f' | 'n';
/** What German articles and adjective endings agree with: a gender in the singular, one form in the plural. */
type Slot = Gender | 'pl';
/** Only nominative (subjects) and accusative (direct objects): the grammar has no dative or genitive. */
type Case = 'nom' | 'acc';
/** What a noun denotes, so that verbs and adjectives only meet nouns they make sense with. */
type Kind = 'animal' | 'person' | 'food' | 'drink' | 'readable' | 'thing';
/** Finer properties some verbs select their object by, so that nobody carries a house or opens a cat. */
type Tag = 'openable' | 'closable' | 'portable' | 'writable' | 'washable' | 'catchable';

interface Noun {
  /** Singular and plural; a `null` plural marks a mass noun, which takes no indefinite article ("Milch"). */
  readonly de: readonly [singular: string, plural: string | null];
  readonly en: readonly [singular: string, plural: string | null];
  readonly gender: Gender;
  readonly kind: Kind;
  /** The accusative singular of a weak masculine noun, which adds -n outside the nominative: "den Jungen". */
  readonly deAccusative?: string;
  readonly tags?: readonly Tag[];
}

const NOUNS: readonly Noun[] = [
  { de: ['Hund', 'Hunde'], en: ['dog', 'dogs'], gender: 'm', kind: 'animal', tags: ['washable'] },
  { de: ['Katze', 'Katzen'], en: ['cat', 'cats'], gender: 'f', kind: 'animal' },
  { de: ['Vogel', 'Vögel'], en: ['bird', 'birds'], gender: 'm', kind: 'animal', tags: ['catchable'] },
  { de: ['Pferd', 'Pferde'], en: ['horse', 'horses'], gender: 'n', kind: 'animal', tags: ['washable'] },
  { de: ['Maus', 'Mäuse'], en: ['mouse', 'mice'], gender: 'f', kind: 'animal', tags: ['catchable'] },
  { de: ['Fisch', 'Fische'], en: ['fish', 'fish'], gender: 'm', kind: 'animal', tags: ['catchable'] },

  { de: ['Mann', 'Männer'], en: ['man', 'men'], gender: 'm', kind: 'person' },
  { de: ['Frau', 'Frauen'], en: ['woman', 'women'], gender: 'f', kind: 'person' },
  { de: ['Kind', 'Kinder'], en: ['child', 'children'], gender: 'n', kind: 'person' },
  { de: ['Junge', 'Jungen'], en: ['boy', 'boys'], gender: 'm', kind: 'person', deAccusative: 'Jungen' },
  { de: ['Mädchen', 'Mädchen'], en: ['girl', 'girls'], gender: 'n', kind: 'person' },
  { de: ['Lehrer', 'Lehrer'], en: ['teacher', 'teachers'], gender: 'm', kind: 'person' },
  { de: ['Arzt', 'Ärzte'], en: ['doctor', 'doctors'], gender: 'm', kind: 'person' },
  { de: ['Freund', 'Freunde'], en: ['friend', 'friends'], gender: 'm', kind: 'person' },
  { de: ['Schwester', 'Schwestern'], en: ['sister', 'sisters'], gender: 'f', kind: 'person' },

  { de: ['Apfel', 'Äpfel'], en: ['apple', 'apples'], gender: 'm', kind: 'food', tags: ['portable'] },
  { de: ['Kuchen', 'Kuchen'], en: ['cake', 'cakes'], gender: 'm', kind: 'food' },
  { de: ['Banane', 'Bananen'], en: ['banana', 'bananas'], gender: 'f', kind: 'food', tags: ['portable'] },
  { de: ['Ei', 'Eier'], en: ['egg', 'eggs'], gender: 'n', kind: 'food' },
  { de: ['Orange', 'Orangen'], en: ['orange', 'oranges'], gender: 'f', kind: 'food', tags: ['portable'] },
  { de: ['Käse', null], en: ['cheese', null], gender: 'm', kind: 'food' },

  { de: ['Milch', null], en: ['milk', null], gender: 'f', kind: 'drink' },
  { de: ['Wasser', null], en: ['water', null], gender: 'n', kind: 'drink' },
  { de: ['Tee', null], en: ['tea', null], gender: 'm', kind: 'drink' },
  { de: ['Kaffee', null], en: ['coffee', null], gender: 'm', kind: 'drink' },
  { de: ['Saft', null], en: ['juice', null], gender: 'm', kind: 'drink' },

  {
    de: ['Buch', 'Bücher'],
    en: ['book', 'books'],
    gender: 'n',
    kind: 'readable',
    tags: ['openable', 'closable', 'portable', 'writable'],
  },
  { de: ['Zeitung', 'Zeitungen'], en: ['newspaper', 'newspapers'], gender: 'f', kind: 'readable', tags: ['portable'] },
  {
    de: ['Brief', 'Briefe'],
    en: ['letter', 'letters'],
    gender: 'm',
    kind: 'readable',
    tags: ['openable', 'portable', 'writable'],
  },

  { de: ['Ball', 'Bälle'], en: ['ball', 'balls'], gender: 'm', kind: 'thing', tags: ['portable', 'catchable'] },
  { de: ['Schlüssel', 'Schlüssel'], en: ['key', 'keys'], gender: 'm', kind: 'thing', tags: ['portable'] },
  {
    de: ['Tasche', 'Taschen'],
    en: ['bag', 'bags'],
    gender: 'f',
    kind: 'thing',
    tags: ['openable', 'closable', 'portable'],
  },
  { de: ['Tür', 'Türen'], en: ['door', 'doors'], gender: 'f', kind: 'thing', tags: ['openable', 'closable'] },
  {
    de: ['Fenster', 'Fenster'],
    en: ['window', 'windows'],
    gender: 'n',
    kind: 'thing',
    tags: ['openable', 'closable', 'washable'],
  },
  {
    de: ['Flasche', 'Flaschen'],
    en: ['bottle', 'bottles'],
    gender: 'f',
    kind: 'thing',
    tags: ['openable', 'closable', 'portable'],
  },
  { de: ['Haus', 'Häuser'], en: ['house', 'houses'], gender: 'n', kind: 'thing' },
  { de: ['Auto', 'Autos'], en: ['car', 'cars'], gender: 'n', kind: 'thing', tags: ['washable'] },
  { de: ['Fahrrad', 'Fahrräder'], en: ['bike', 'bikes'], gender: 'n', kind: 'thing', tags: ['washable'] },
  { de: ['Bild', 'Bilder'], en: ['picture', 'pictures'], gender: 'n', kind: 'thing', tags: ['portable'] },
  { de: ['Stuhl', 'Stühle'], en: ['chair', 'chairs'], gender: 'm', kind: 'thing', tags: ['portable'] },
  { de: ['Jacke', 'Jacken'], en: ['jacket', 'jackets'], gender: 'f', kind: 'thing', tags: ['portable', 'washable'] },
  { de: ['Blume', 'Blumen'], en: ['flower', 'flowers'], gender: 'f', kind: 'thing', tags: ['portable'] },
];

interface Adjective {
  /** The predicative form, as after "ist". */
  readonly de: string;
  /** The stem endings attach to, where it is not the predicative form: teuer → teure, müde → müde (not müdee). */
  readonly stem?: string;
  readonly en: string;
  /** English for people where it differs: "der große Mann" is a tall man, not a big one. */
  readonly enPerson?: string;
  readonly kinds: readonly Kind[];
}

const ADJECTIVES: readonly Adjective[] = [
  { de: 'groß', en: 'big', enPerson: 'tall', kinds: ['animal', 'person', 'food', 'readable', 'thing'] },
  { de: 'klein', en: 'small', kinds: ['animal', 'person', 'food', 'readable', 'thing'] },
  { de: 'alt', en: 'old', kinds: ['animal', 'person', 'readable', 'thing'] },
  { de: 'jung', en: 'young', kinds: ['animal', 'person'] },
  { de: 'neu', en: 'new', kinds: ['readable', 'thing'] },
  { de: 'gut', en: 'good', kinds: ['person', 'food', 'drink', 'readable'] },
  { de: 'schwarz', en: 'black', kinds: ['animal', 'thing'] },
  { de: 'weiß', en: 'white', kinds: ['animal', 'thing'] },
  { de: 'müde', stem: 'müd', en: 'tired', kinds: ['animal', 'person'] },
  { de: 'hungrig', en: 'hungry', kinds: ['animal', 'person'] },
  { de: 'teuer', stem: 'teur', en: 'expensive', kinds: ['readable', 'thing'] },
  { de: 'kalt', en: 'cold', kinds: ['drink'] },
  { de: 'heiß', en: 'hot', kinds: ['drink'] },
];

/** Present tense for ich, du, er/sie, wir, ihr, sie (plural), in that order. */
type Conjugation = readonly [string, string, string, string, string, string];
/** An index into a `Conjugation`: the person and number of the subject. */
type Person = 0 | 1 | 2 | 3 | 4 | 5;
const THIRD_SINGULAR: Person = 2;
const THIRD_PLURAL: Person = 5;

interface Verb {
  readonly de: Conjugation;
  /** Base form and third person singular: all English needs in the present tense with do-support. */
  readonly en: readonly [base: string, third: string];
  /** Whether animals can do it too, or only people. */
  readonly subject: 'animate' | 'person';
}

interface TransitiveVerb extends Verb {
  /** Which nouns make a sensible direct object. */
  readonly object: (noun: Noun) => boolean;
}

const is =
  (...kinds: Kind[]) =>
  (noun: Noun): boolean =>
    kinds.includes(noun.kind);
const not =
  (...kinds: Kind[]) =>
  (noun: Noun): boolean =>
    !kinds.includes(noun.kind);
const tagged =
  (tag: Tag) =>
  (noun: Noun): boolean =>
    noun.tags?.includes(tag) ?? false;

// Strong verbs change their stem vowel in the du and er forms (sehen: siehst, sieht; tragen: trägst, trägt),
// and stems ending in -s, -ß or -t fuse or insert an -e- (isst, liest, schließt; arbeitest), so every form is
// written out rather than derived.
const TRANSITIVE_VERBS: readonly TransitiveVerb[] = [
  {
    de: ['sehe', 'siehst', 'sieht', 'sehen', 'seht', 'sehen'],
    en: ['see', 'sees'],
    subject: 'animate',
    object: not('drink'),
  },
  {
    de: ['mag', 'magst', 'mag', 'mögen', 'mögt', 'mögen'],
    en: ['like', 'likes'],
    subject: 'animate',
    object: () => true,
  },
  {
    de: ['habe', 'hast', 'hat', 'haben', 'habt', 'haben'],
    en: ['have', 'has'],
    subject: 'person',
    object: not('person'),
  },
  {
    de: ['esse', 'isst', 'isst', 'essen', 'esst', 'essen'],
    en: ['eat', 'eats'],
    subject: 'animate',
    object: is('food'),
  },
  {
    de: ['trinke', 'trinkst', 'trinkt', 'trinken', 'trinkt', 'trinken'],
    en: ['drink', 'drinks'],
    subject: 'animate',
    object: is('drink'),
  },
  {
    de: ['lese', 'liest', 'liest', 'lesen', 'lest', 'lesen'],
    en: ['read', 'reads'],
    subject: 'person',
    object: is('readable'),
  },
  {
    de: ['schreibe', 'schreibst', 'schreibt', 'schreiben', 'schreibt', 'schreiben'],
    en: ['write', 'writes'],
    subject: 'person',
    object: tagged('writable'),
  },
  {
    de: ['kaufe', 'kaufst', 'kauft', 'kaufen', 'kauft', 'kaufen'],
    en: ['buy', 'buys'],
    subject: 'person',
    object: not('animal', 'person'),
  },
  {
    de: ['suche', 'suchst', 'sucht', 'suchen', 'sucht', 'suchen'],
    en: ['look for', 'looks for'],
    subject: 'animate',
    object: not('drink'),
  },
  {
    de: ['finde', 'findest', 'findet', 'finden', 'findet', 'finden'],
    en: ['find', 'finds'],
    subject: 'animate',
    object: not('drink'),
  },
  {
    de: ['nehme', 'nimmst', 'nimmt', 'nehmen', 'nehmt', 'nehmen'],
    en: ['take', 'takes'],
    subject: 'person',
    object: (n) => tagged('portable')(n) || is('food', 'drink')(n),
  },
  {
    de: ['trage', 'trägst', 'trägt', 'tragen', 'tragt', 'tragen'],
    en: ['carry', 'carries'],
    subject: 'person',
    object: tagged('portable'),
  },
  {
    de: ['öffne', 'öffnest', 'öffnet', 'öffnen', 'öffnet', 'öffnen'],
    en: ['open', 'opens'],
    subject: 'person',
    object: tagged('openable'),
  },
  {
    de: ['schließe', 'schließt', 'schließt', 'schließen', 'schließt', 'schließen'],
    en: ['close', 'closes'],
    subject: 'person',
    object: tagged('closable'),
  },
  {
    de: ['kenne', 'kennst', 'kennt', 'kennen', 'kennt', 'kennen'],
    en: ['know', 'knows'],
    subject: 'person',
    object: is('person', 'animal'),
  },
  {
    de: ['besuche', 'besuchst', 'besucht', 'besuchen', 'besucht', 'besuchen'],
    en: ['visit', 'visits'],
    subject: 'person',
    object: is('person'),
  },
  {
    de: ['wasche', 'wäschst', 'wäscht', 'waschen', 'wascht', 'waschen'],
    en: ['wash', 'washes'],
    subject: 'person',
    object: tagged('washable'),
  },
  {
    de: ['fange', 'fängst', 'fängt', 'fangen', 'fangt', 'fangen'],
    en: ['catch', 'catches'],
    subject: 'animate',
    object: tagged('catchable'),
  },
];

const INTRANSITIVE_VERBS: readonly Verb[] = [
  {
    de: ['schlafe', 'schläfst', 'schläft', 'schlafen', 'schlaft', 'schlafen'],
    en: ['sleep', 'sleeps'],
    subject: 'animate',
  },
  { de: ['laufe', 'läufst', 'läuft', 'laufen', 'lauft', 'laufen'], en: ['run', 'runs'], subject: 'animate' },
  { de: ['spiele', 'spielst', 'spielt', 'spielen', 'spielt', 'spielen'], en: ['play', 'plays'], subject: 'animate' },
  {
    de: ['schwimme', 'schwimmst', 'schwimmt', 'schwimmen', 'schwimmt', 'schwimmen'],
    en: ['swim', 'swims'],
    subject: 'animate',
  },
  { de: ['singe', 'singst', 'singt', 'singen', 'singt', 'singen'], en: ['sing', 'sings'], subject: 'person' },
  {
    de: ['arbeite', 'arbeitest', 'arbeitet', 'arbeiten', 'arbeitet', 'arbeiten'],
    en: ['work', 'works'],
    subject: 'person',
  },
];

/** sein / be: the copula, which English negates and inverts without do-support. */
const SEIN: Conjugation = ['bin', 'bist', 'ist', 'sind', 'seid', 'sind'];
const BE: Conjugation = ['am', 'are', 'is', 'are', 'are', 'are'];

interface Pronoun {
  readonly de: string;
  readonly en: string;
  readonly person: Person;
}

// "you" stands for both du and ihr, as in real English; German "sie" for both she and they is told apart by
// the verb (sie sieht, sie sehen).
const PRONOUNS: readonly Pronoun[] = [
  { de: 'ich', en: 'I', person: 0 },
  { de: 'du', en: 'you', person: 1 },
  { de: 'er', en: 'he', person: 2 },
  { de: 'sie', en: 'she', person: 2 },
  { de: 'wir', en: 'we', person: 3 },
  { de: 'ihr', en: 'you', person: 4 },
  { de: 'sie', en: 'they', person: 5 },
];

interface Adverb {
  readonly de: string;
  readonly en: string;
  /**
   * Whether English may also put it last ("... a book today"). Frequency adverbs go before the verb in English
   * ("often reads"), a place German has no counterpart for, so those are only ever fronted.
   */
  readonly trailing: boolean;
}

const ADVERBS: readonly Adverb[] = [
  { de: 'heute', en: 'today', trailing: true },
  { de: 'jetzt', en: 'now', trailing: true },
  { de: 'manchmal', en: 'sometimes', trailing: false },
  { de: 'oft', en: 'often', trailing: false },
];
const TRAILING_ADVERBS = ADVERBS.filter((a) => a.trailing);

// ---------------------------------------------------------------------------------------------------------------
// Noun phrases: article, adjective ending and noun form all agree in gender, number and case
// ---------------------------------------------------------------------------------------------------------------

/** `indef` is ein/a, or no article at all in the plural and with mass nouns ("Hunde", "Milch"). */
type Determiner = 'def' | 'indef' | 'kein' | 'mein' | 'unser';

/** The definite article twice as often as any other, as in ordinary text. */
const DETERMINERS: readonly Determiner[] = ['def', 'def', 'indef', 'mein', 'unser'];

const DEFINITE_ARTICLE: Record<Case, Record<Slot, string>> = {
  nom: { m: 'der', f: 'die', n: 'das', pl: 'die' },
  acc: { m: 'den', f: 'die', n: 'das', pl: 'die' },
};

/** ein, kein and the possessives share one set of endings (mein Hund, meinen Hund, meine Katze). */
const EIN_WORDS: Record<Exclude<Determiner, 'def'>, string> = {
  indef: 'ein',
  kein: 'kein',
  mein: 'mein',
  unser: 'unser',
};
const EIN_WORD_ENDINGS: Record<Case, Record<Slot, string>> = {
  nom: { m: '', f: 'e', n: '', pl: 'e' },
  acc: { m: 'en', f: 'e', n: '', pl: 'e' },
};

const ENGLISH_POSSESSIVE: Record<'mein' | 'unser', string> = { mein: 'my', unser: 'our' };

/**
 * German adjective endings carry the gender and case the article leaves unmarked: weak after der/die/das, which
 * show it already; mixed after ein-words, whose bare "ein" cannot tell masculine nominative from neuter; strong
 * with no article at all.
 */
type Declension = 'weak' | 'mixed' | 'strong';
const ADJECTIVE_ENDINGS: Record<Declension, Record<Case, Record<Slot, string>>> = {
  weak: { nom: { m: 'e', f: 'e', n: 'e', pl: 'en' }, acc: { m: 'en', f: 'e', n: 'e', pl: 'en' } },
  mixed: { nom: { m: 'er', f: 'e', n: 'es', pl: 'en' }, acc: { m: 'en', f: 'e', n: 'es', pl: 'en' } },
  strong: { nom: { m: 'er', f: 'e', n: 'es', pl: 'e' }, acc: { m: 'en', f: 'e', n: 'es', pl: 'e' } },
};

/** Words of one phrase in each language. */
interface Phrase {
  readonly de: readonly string[];
  readonly en: readonly string[];
}

interface NounPhrase {
  readonly noun: Noun;
  readonly plural: boolean;
  readonly determiner: Determiner;
  readonly adjective?: Adjective;
}

const isMass = (noun: Noun): boolean => noun.de[1] === null;

/** The singular or plural of a pair, which must have a plural when it is asked for. */
function numberForm(forms: readonly [string, string | null], plural: boolean): string {
  if (!plural) return forms[0];
  if (forms[1] === null) throw new Error(`"${forms[0]}" is a mass noun and has no plural`);
  return forms[1];
}

function englishAdjective(adjective: Adjective, kind: Kind): string {
  return kind === 'person' ? (adjective.enPerson ?? adjective.en) : adjective.en;
}

/** A German noun phrase in case `c` with its English translation. */
function nounPhrase({ noun, plural, determiner, adjective }: NounPhrase, c: Case): Phrase {
  const slot: Slot = plural ? 'pl' : noun.gender;
  const bare = determiner === 'indef' && (plural || isMass(noun));
  const de: string[] = [];
  let declension: Declension;
  if (determiner === 'def') {
    de.push(DEFINITE_ARTICLE[c][slot]);
    declension = 'weak';
  } else if (bare) {
    declension = 'strong';
  } else {
    de.push(EIN_WORDS[determiner] + EIN_WORD_ENDINGS[c][slot]);
    declension = 'mixed';
  }
  if (adjective) de.push((adjective.stem ?? adjective.de) + ADJECTIVE_ENDINGS[declension][c][slot]);
  de.push(!plural && c === 'acc' && noun.deAccusative ? noun.deAccusative : numberForm(noun.de, plural));

  const en: string[] = [];
  if (adjective) en.push(englishAdjective(adjective, noun.kind));
  en.push(numberForm(noun.en, plural));
  if (determiner === 'def') en.unshift('the');
  else if (determiner === 'mein' || determiner === 'unser') en.unshift(ENGLISH_POSSESSIVE[determiner]);
  // English negates the verb rather than the noun: "keinen Hund sehen" is "not see a dog", "keine Hunde" is
  // "not ... any dogs", and mass nouns take no article either way ("keine Milch trinken", "not drink milk").
  else if (plural) {
    if (determiner === 'kein') en.unshift('any');
  } else if (!isMass(noun)) en.unshift(/^[aeiou]/.test(en[0] ?? '') ? 'an' : 'a');
  return { de, en };
}

// ---------------------------------------------------------------------------------------------------------------
// Clauses and word order
// ---------------------------------------------------------------------------------------------------------------

interface Subject extends Phrase {
  readonly person: Person;
  readonly kind: Kind;
  /** The head noun, so the object can differ from it; none for a pronoun. */
  readonly noun?: Noun;
  /** Whether it has an adjective, which then leaves the object without one. */
  readonly described: boolean;
}

/** A clause before word order: each language's subject, verb and what follows the verb. */
interface Clause {
  readonly subject: Subject;
  readonly negated: boolean;
  /** The German finite verb, agreeing with the subject. */
  readonly finite: string;
  /** The German middle field after the subject: object or predicate, with `nicht` where negation puts it. */
  readonly middle: readonly string[];
  /** The English verb: `be` negates and inverts by itself, every other verb needs `do` for both. */
  readonly verb: { readonly be: string } | { readonly base: string; readonly third: string };
  /** English words after the verb: object or predicate. */
  readonly complement: readonly string[];
}

/** Declarative or yes/no question, and where a time or frequency adverb goes, if any. */
type Shape =
  | { readonly mood: 'statement'; readonly adverb?: Adverb; readonly fronted: boolean }
  | { readonly mood: 'question'; readonly adverb?: Adverb };

function pickDeterminer(r: Random): Determiner {
  return r.pick(DETERMINERS);
}

/**
 * A subject of one of `kinds`: a pronoun (for people), or a noun phrase in the nominative with an adjective
 * at rate `described`.
 */
function pickSubject(r: Random, kinds: readonly Kind[], question: boolean, copula: boolean, described = 0): Subject {
  if (kinds.includes('person') && r.next() < 0.4) {
    // "Sehe ich den Hund?" is grammatical but not a question anyone asks.
    const pronoun = r.pick(question ? PRONOUNS.filter((p) => p.person !== 0) : PRONOUNS);
    return { de: [pronoun.de], en: [pronoun.en], person: pronoun.person, kind: 'person', described: false };
  }
  const noun = r.pick(NOUNS.filter((n) => kinds.includes(n.kind)));
  const plural = !isMass(noun) && r.next() < 0.3;
  let determiner = pickDeterminer(r);
  // "Ein Hund ist müde." reads as a riddle; a description wants a known subject or a generic plural.
  if (copula && determiner === 'indef' && !plural && !isMass(noun)) determiner = 'def';
  const adjective = r.next() < described ? pickAdjective(r, noun.kind) : undefined;
  const phrase = nounPhrase({ noun, plural, determiner, adjective }, 'nom');
  const person = plural ? THIRD_PLURAL : THIRD_SINGULAR;
  return { ...phrase, person, kind: noun.kind, noun, described: adjective !== undefined };
}

function pickAdjective(r: Random, kind: Kind): Adjective {
  return r.pick(ADJECTIVES.filter((a) => a.kinds.includes(kind)));
}

const subjectKinds = (verb: Verb): readonly Kind[] => (verb.subject === 'animate' ? ['person', 'animal'] : ['person']);

/** "Der Mann liest das Buch." — with `nicht` after a definite object, `kein` instead of an indefinite one. */
function transitiveClause(r: Random, question: boolean, negated: boolean): Clause {
  const verb = r.pick(TRANSITIVE_VERBS);
  const subject = pickSubject(r, subjectKinds(verb), question, false, 0.15);
  const noun = r.pick(NOUNS.filter((n) => verb.object(n) && n !== subject.noun));
  const plural = !isMass(noun) && r.next() < 0.3;
  let determiner = pickDeterminer(r);
  if (negated && determiner === 'indef') determiner = 'kein';
  // One adjective per sentence at most keeps sentences within nine words.
  const adjective = !subject.described && r.next() < 0.3 ? pickAdjective(r, noun.kind) : undefined;
  const object = nounPhrase({ noun, plural, determiner, adjective }, 'acc');
  return {
    subject,
    negated,
    finite: verb.de[subject.person],
    middle: negated && determiner !== 'kein' ? [...object.de, 'nicht'] : object.de,
    verb: { base: verb.en[0], third: verb.en[1] },
    complement: object.en,
  };
}

/** "Das Kind schläft." — negated with a final `nicht`. */
function intransitiveClause(r: Random, question: boolean, negated: boolean): Clause {
  const verb = r.pick(INTRANSITIVE_VERBS);
  const subject = pickSubject(r, subjectKinds(verb), question, false, 0.35);
  return {
    subject,
    negated,
    finite: verb.de[subject.person],
    middle: negated ? ['nicht'] : [],
    verb: { base: verb.en[0], third: verb.en[1] },
    complement: [],
  };
}

/** "Der Tee ist heiß." — a predicative adjective takes no ending, and `nicht` goes before it. */
function copulaClause(r: Random, question: boolean, negated: boolean): Clause {
  const kinds: readonly Kind[] = ['animal', 'person', 'food', 'drink', 'readable', 'thing'];
  const subject = pickSubject(r, kinds, question, true);
  const adjective = pickAdjective(r, subject.kind);
  return {
    subject,
    negated,
    finite: SEIN[subject.person],
    middle: negated ? ['nicht', adjective.de] : [adjective.de],
    verb: { be: BE[subject.person] },
    complement: [englishAdjective(adjective, subject.kind)],
  };
}

/**
 * Applies word order. German keeps the finite verb second in a statement — so a fronted adverb pushes the subject
 * behind the verb ("Heute liest der Mann ein Buch.") — and first in a yes/no question; English keeps
 * subject-verb order after a fronted adverb and asks with do-support ("Does the man read a book?").
 */
function render(clause: Clause, shape: Shape): [english: string, german: string] {
  const { subject, finite, middle, verb, complement, negated } = clause;
  const front = shape.mood === 'statement' && shape.fronted && shape.adverb ? shape.adverb : undefined;
  const trailing = shape.adverb && !front ? shape.adverb : undefined;
  const deTrailing = trailing ? [trailing.de] : [];
  const enTrailing = trailing ? [trailing.en] : [];

  let de: string[];
  if (shape.mood === 'question') de = [finite, ...subject.de, ...deTrailing, ...middle];
  else if (front) de = [front.de, finite, ...subject.de, ...middle];
  else de = [...subject.de, finite, ...deTrailing, ...middle];

  const negation = negated ? ['not'] : [];
  let en: string[];
  if ('be' in verb) {
    if (shape.mood === 'question') en = [verb.be, ...subject.en, ...complement, ...enTrailing];
    else en = [...subject.en, verb.be, ...negation, ...complement, ...enTrailing];
  } else {
    const thirdSingular = subject.person === THIRD_SINGULAR;
    const auxiliary = thirdSingular ? 'does' : 'do';
    if (shape.mood === 'question') en = [auxiliary, ...subject.en, verb.base, ...complement, ...enTrailing];
    else if (negated) en = [...subject.en, auxiliary, 'not', verb.base, ...complement, ...enTrailing];
    else en = [...subject.en, thirdSingular ? verb.third : verb.base, ...complement, ...enTrailing];
  }
  if (front) en.unshift(front.en);

  const end = shape.mood === 'question' ? '?' : '.';
  return [sentence(en, end), sentence(de, end)];
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const sentence = (words: readonly string[], end: string): string => capitalize(words.join(' ')) + end;
const wordCount = (s: string): number => s.split(' ').length;

const MIN_WORDS = 3;
const MAX_WORDS = 9;

/** One pair of any construction, not yet checked for length. */
function candidatePair(r: Random): [english: string, german: string] {
  const question = r.next() < 0.2;
  // Negated questions ("Siehst du den Hund nicht?") carry an expectation the English would have to mirror.
  const negated = !question && r.next() < 0.25;
  const construction = r.next();
  const clause =
    construction < 0.55
      ? transitiveClause(r, question, negated)
      : construction < 0.75
        ? intransitiveClause(r, question, negated)
        : copulaClause(r, question, negated);
  const placement = r.next();
  const shape: Shape =
    !question && placement < 0.2
      ? { mood: 'statement', adverb: r.pick(ADVERBS), fronted: true }
      : placement < 0.3
        ? question
          ? { mood: 'question', adverb: r.pick(TRAILING_ADVERBS) }
          : { mood: 'statement', adverb: r.pick(TRAILING_ADVERBS), fronted: false }
        : question
          ? { mood: 'question' }
          : { mood: 'statement', fronted: false };
  return render(clause, shape);
}

/** One pair within the length limits; redrawing is simpler than steering every construction to fit. */
function generatePair(r: Random): [english: string, german: string] {
  for (;;) {
    const pair = candidatePair(r);
    if (pair.every((s) => wordCount(s) >= MIN_WORDS && wordCount(s) <= MAX_WORDS)) return pair;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Public interface
// ---------------------------------------------------------------------------------------------------------------

/** Options of `generateDemoCorpus`. */
export interface DemoCorpusOptions {
  /** Number of sentence pairs (lines), an integer from 1 to 1,000,000; default 5000. */
  pairs?: number;
  /** Seed of the generator, a non-negative safe integer; default 1. The same seed gives the same corpus. */
  seed?: number;
}

const ATTRIBUTION = 'CC-BY 2.0 (France) Attribution: seq2seq-node demo grammar';

/**
 * Generates the demo corpus: `English<TAB>German<TAB>attribution` per line, lines joined and ended with "\n",
 * as in manythings.org's `deu.txt`. The output depends only on the options, and a corpus with fewer pairs is
 * a prefix of one with more for the same seed. Throws a TypeError naming the option when an option is invalid.
 */
export function generateDemoCorpus(options?: DemoCorpusOptions): string {
  const opts = checkOptions('options', options);
  const pairs = checkInteger('pairs', opts.pairs ?? 5000, 1, 1_000_000);
  const seed = checkInteger('seed', opts.seed ?? 1, 0, Number.MAX_SAFE_INTEGER);
  const random = new Random(seed);
  const lines: string[] = [];
  for (let i = 0; i < pairs; i++) {
    const [english, german] = generatePair(random);
    lines.push(`${english}\t${german}\t${ATTRIBUTION}`);
  }
  return `${lines.join('\n')}\n`;
}
