// `npm run corpus:catalogs`: a parallel corpus from the gettext message catalogs installed on this machine
// (/usr/share/locale/de/LC_MESSAGES/*.mo: the German translations of program messages), written in the manythings
// format `English<TAB>German<TAB>catalog:NAME` that `seq2seq train --corpus` reads. Prints what was read, left
// out and skipped. The file is written atomically, and an existing one is replaced only with --force.
//
//   node scripts/corpus-from-catalogs.mjs [--locale de] [--dir /usr/share/locale] [--out FILE] [--min-words 3] [--force]
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Command, CommanderError } from 'commander';

const { integer } = await import('../dist/cli/arguments.js');
const { catalogPairs, catalogCorpusText, formatCatalogReport, listMessageCatalogs, DEFAULT_MIN_WORDS } =
  await import('../dist/data/index.js');
const { writeFileAtomic } = await import('../dist/util/atomic.js');
const { checkOutputFile } = await import('../dist/util/output.js');

const NAME = 'corpus-from-catalogs';

const program = new Command()
  .name(NAME)
  .description('write a parallel corpus from the gettext message catalogs (.mo) of a locale')
  .option('--locale <name>', 'the language of the translations: DIR/LOCALE/LC_MESSAGES/*.mo', 'de')
  .option('--dir <dir>', 'the folder of locales', '/usr/share/locale')
  .option('--out <file>', 'the corpus file (default: runs/catalogs-LOCALE.txt)')
  .option('--min-words <n>', 'English messages with fewer words are left out', integer(1), DEFAULT_MIN_WORDS)
  .option('--force', 'replace --out when it exists')
  .configureOutput({
    outputError: (text, write) => write(`${NAME}: ${text.trim().replace(/^error: /, '')}\n`),
  })
  .exitOverride();

try {
  program.parse();
  const options = program.opts();
  if (!/^[A-Za-z0-9_@.-]+$/.test(options.locale)) throw new Error(`--locale: not a locale name: "${options.locale}"`);
  const folder = join(options.dir, options.locale, 'LC_MESSAGES');
  const out = options.out ?? join('runs', `catalogs-${options.locale}.txt`);
  if (options.out === undefined) mkdirSync(dirname(out), { recursive: true });
  checkOutputFile(out, '--out', options.force);

  const start = performance.now();
  const files = listMessageCatalogs(folder);
  if (files.length === 0) throw new Error(`${folder} holds no .mo message catalogs`);
  const { pairs, report } = catalogPairs(files, { minWords: options.minWords });
  console.log(`${folder}: ${formatCatalogReport(report)}`);
  if (pairs.length === 0)
    throw new Error(`no pair of at least ${options.minWords} words in ${folder}: nothing written`);
  writeFileAtomic(out, catalogCorpusText(pairs));
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(`wrote ${pairs.length} pairs to ${out} in ${seconds} s`);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    console.error(`${NAME}: ${err.message}`);
    process.exitCode = 1;
  }
}
