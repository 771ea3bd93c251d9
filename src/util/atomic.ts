/** Atomic file writes: the data goes to a temporary file beside the target, then replaces it in one rename. */
import { closeSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Writes `data` to `path` so that readers see either the old file or the whole new one, never a part. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
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
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
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
