/** Atomic file writes: the data goes to a temporary file beside the target, then replaces it in one rename. */
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` (text, bytes, or chunks of bytes written one after another) to `path` so that readers see either the
 * old file or the whole new one, never a part.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  // The rename would replace a symbolic link or a device node (as root, /dev/null itself): never.
  let existing;
  try {
    existing = lstatSync(path);
  } catch {
    existing = undefined;
  }
  if (existing && !existing.isFile()) {
    throw new Error(`${path} exists and is not a regular file (a link, folder or device): not replacing it`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const chunk of typeof data === 'string'
        ? [Buffer.from(data, 'utf8')]
        : data instanceof Uint8Array
          ? [data]
          : data) {
        writeAll(fd, chunk);
      }
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

/** Writes all of `data` at the file's position: one write() moves at most about 2 GB on Linux, less on a full disk. */
function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.byteLength;) {
    at += writeSync(fd, data, at, Math.min(data.byteLength - at, 1 << 30));
  }
}
