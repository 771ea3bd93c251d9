/** scripts/corpus-from-catalogs.mjs end to end on a folder of fixture catalogs (it runs on dist/). */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.js';

const SCRIPT = new URL('../../scripts/corpus-from-catalogs.mjs', import.meta.url).pathname;
const fixtures = new URL('../fixtures/catalogs/', import.meta.url).pathname;

/** A locale folder DIR/de/LC_MESSAGES holding the fixture catalogs. */
function localeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'locale-'));
  const messages = join(dir, 'de', 'LC_MESSAGES');
  mkdirSync(messages, { recursive: true });
  for (const name of readdirSync(fixtures)) copyFileSync(join(fixtures, name), join(messages, name));
  return dir;
}

function run(...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
}

describe('corpus-from-catalogs', () => {
  it('writes a corpus that readCorpus reads with no line skipped, and prints the report', () => {
    const dir = localeDir();
    const out = join(dir, 'catalogs-de.txt');
    const done = run('--dir', dir, '--out', out);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toContain(
      `${join(dir, 'de', 'LC_MESSAGES')}: 4 catalogs read, 1 skipped; 19 messages -> 10 pairs`,
    );
    expect(done.stdout).toMatch(/skipped .*koi8.mo: charset KOI8-R is not supported/);
    expect(done.stdout).toMatch(new RegExp(`wrote 10 pairs to ${out} in \\d+\\.\\d s`));
    const { pairs, report } = readCorpus(out);
    expect(report).toMatchObject({
      lines: 10,
      pairs: 10,
      skippedEmpty: 0,
      skippedNoTab: 0,
      skippedInvalidUtf8: 0,
      skippedTooLong: 0,
    });
    expect(pairs[0]).toEqual({
      source: 'Cannot open the file',
      target: 'Die Datei kann nicht geöffnet werden',
      line: 0,
    });
    expect(readFileSync(out, 'utf8').split('\n')[0]!.split('\t')[2]).toBe('catalog:app');
  });

  it('refuses to replace an existing file unless --force, before reading anything', () => {
    const dir = localeDir();
    const out = join(dir, 'corpus.txt');
    expect(run('--dir', dir, '--out', out).status).toBe(0);
    const before = statSync(out).mtimeMs;
    const refused = run('--dir', dir, '--out', out, '--min-words', '1');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      `corpus-from-catalogs: --out ${out} exists: choose another file (or --force to replace it)\n`,
    );
    expect(refused.stdout).toBe('');
    expect(statSync(out).mtimeMs).toBe(before);
    const forced = run('--dir', dir, '--out', out, '--min-words', '1', '--force');
    expect(forced.status, forced.stderr).toBe(0);
    expect(readCorpus(out).pairs).toHaveLength(12);
  });

  it('fails with one line: a usage error (2), a missing locale folder (1)', () => {
    const bad = run('--min-words', 'two');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^corpus-from-catalogs: option '--min-words <n>' argument 'two' is invalid/);
    const dir = localeDir();
    const missing = run('--dir', dir, '--locale', 'fr', '--out', join(dir, 'fr.txt'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      `corpus-from-catalogs: cannot list message catalogs in ${join(dir, 'fr', 'LC_MESSAGES')}: no such folder\n`,
    );
  });
});
