/**
 * Where the tool may write: nothing a user wrote is ever replaced or written into by surprise. An output folder
 * is new, empty, or one the tool wrote before (it holds the tool's own files); an output file is new, or replaced
 * only when the caller says `force`; symbolic links and special files (devices, FIFOs, sockets) are never
 * written through or replaced. Checks are made before any work, so a refusal costs nothing.
 */
import { lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { kindOf } from './files.js';

function lstat(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot use ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** What an output folder is for, and how to tell that an existing one is the tool's. */
export interface OutputFolder {
  /** The option that named it, for messages: `--out`, `--export-run`. */
  flag: string;
  /** Entries whose presence marks the folder as written by the tool for this purpose (e.g. `config.json`). */
  own: readonly string[];
  /** Entries that would be replaced: refused unless `force`, when the folder already holds any of them. */
  replaces?: readonly string[];
  force?: boolean;
  /** The message when the folder already holds one of `replaces` (default: names the file and --force). */
  occupied?: (dir: string) => string;
}

/**
 * Checks that `dir` may receive the outputs and creates it (with its parents) when missing. Refused: a symbolic
 * link, something that is not a folder, a non-empty folder holding none of `own`, and (without `force`) a folder
 * already holding one of `replaces`.
 */
export function prepareOutputFolder(dir: string, folder: OutputFolder): void {
  if (checkOutputFolder(dir, folder) === 'missing') mkdirSync(dir, { recursive: true });
}

/** The checks of {@link prepareOutputFolder}, creating nothing: `missing` when the folder does not exist yet. */
export function checkOutputFolder(dir: string, folder: OutputFolder): 'missing' | 'usable' {
  const stats = lstat(dir);
  if (!stats) return 'missing';
  if (stats.isSymbolicLink()) {
    throw new Error(`${folder.flag} ${dir} is a symbolic link: name the folder itself`);
  }
  if (!stats.isDirectory()) throw new Error(`${folder.flag} ${dir} is ${describe(stats)}, not a folder`);
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.some((e) => folder.own.includes(e))) {
    throw new Error(
      `${folder.flag} ${dir} is a folder with other files in it (${entries.slice(0, 3).join(', ')}` +
        `${entries.length > 3 ? ', ...' : ''}): choose a new or empty folder`,
    );
  }
  const existing = (folder.replaces ?? []).find((e) => entries.includes(e));
  if (existing !== undefined && !folder.force) {
    throw new Error(
      folder.occupied?.(dir) ??
        `${folder.flag}: ${dir}/${existing} exists: choose another folder (or --force to replace it)`,
    );
  }
  for (const name of [...folder.own, ...(folder.replaces ?? [])]) {
    const entry = lstat(`${dir}/${name}`);
    if (entry && !entry.isFile() && !entry.isDirectory() && !(entry.isSymbolicLink() && folder.own.includes(name))) {
      throw new Error(`${folder.flag}: ${dir}/${name} is ${describe(entry)}: the tool will not write over it`);
    }
  }
  return 'usable';
}

/**
 * Checks that `path` may be written as an output file named by `flag`: its folder exists, and it is new or
 * (with `force`) an existing regular file. Never a symbolic link, a folder, a device or a FIFO.
 */
export function checkOutputFile(path: string, flag: string, force = false): void {
  const stats = lstat(path);
  if (!stats) {
    const parent = lstat(dirname(path));
    if (!parent?.isDirectory()) throw new Error(`${flag} ${path}: the folder ${dirname(path)} does not exist`);
    return;
  }
  if (!stats.isFile()) throw new Error(`${flag} ${path} is ${describe(stats)}: the tool will not write over it`);
  if (!force) throw new Error(`${flag} ${path} exists: choose another file (or --force to replace it)`);
}

function describe(stats: Stats): string {
  return stats.isSymbolicLink() ? 'a symbolic link' : stats.isFile() ? 'a file' : kindOf(stats);
}
