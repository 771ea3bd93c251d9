/** Atomic file writes: the data goes to a temporary file beside the target, then replaces it in one rename. */
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** What an atomic write takes: text, bytes, or chunks of bytes written one after another. */
export type FileData = string | Uint8Array | readonly Uint8Array[];

/**
 * Writes `data` (text, bytes, or chunks of bytes written one after another) to `path` so that readers see either the
 * old file or the whole new one, never a part.
 */
export function writeFileAtomic(path: string, data: FileData): void {
  let existing;
  try {
    existing = lstatSync(path);
  } catch {
    existing = undefined;
  }
  checkReplaceable(path, existing);
  const tmp = tempPath(path);
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const chunk of chunksOf(data)) writeAll(fd, chunk);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * {@link writeFileAtomic} on libuv's threads: the same file, written, synced and renamed while the event loop (and
 * training on the addon's threads) goes on.
 */
export async function writeFileAtomicAsync(path: string, data: FileData): Promise<void> {
  let existing;
  try {
    existing = await fsp.lstat(path);
  } catch {
    existing = undefined;
  }
  checkReplaceable(path, existing);
  const tmp = tempPath(path);
  try {
    const handle = await fsp.open(tmp, 'w');
    try {
      for (const chunk of chunksOf(data)) {
        for (let at = 0; at < chunk.byteLength;) {
          at += (await handle.write(chunk, at, Math.min(chunk.byteLength - at, MAX_WRITE))).bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

// One write() moves at most about 2 GB on Linux, less on a full disk.
const MAX_WRITE = 1 << 30;

/** The rename would replace a symbolic link or a device node (as root, /dev/null itself): never. */
function checkReplaceable(path: string, existing: { isFile(): boolean } | undefined): void {
  if (existing && !existing.isFile()) {
    throw new Error(`${path} exists and is not a regular file (a link, folder or device): not replacing it`);
  }
}

const tempPath = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);

function chunksOf(data: FileData): readonly Uint8Array[] {
  return typeof data === 'string' ? [Buffer.from(data, 'utf8')] : data instanceof Uint8Array ? [data] : data;
}

/** Writes all of `data` at the file's position. */
function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.byteLength;) {
    at += writeSync(fd, data, at, Math.min(data.byteLength - at, MAX_WRITE));
  }
}
