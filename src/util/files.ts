/**
 * Reading a user's file: only regular files are opened (a FIFO would block forever, /dev/zero never ends, a
 * socket or folder is a mistake), and the check is made on the opened descriptor, so a file swapped between
 * the check and the read cannot slip through.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { formatBytes } from './memory.js';

/** What a path is, in words, for an error message. */
export function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Opens `path` for reading without blocking (O_NONBLOCK: opening a FIFO with no writer would wait forever) and
 * checks that it is a regular file; `what` names it in errors ("corpus", "model file").
 */
export function openRegularFile(path: string, what = 'file'): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'error');
    throw new Error(`cannot read ${what} ${path}: ${reason}`);
  }
  const stats = fstatSync(fd);
  if (!stats.isFile()) {
    closeSync(fd);
    throw new Error(`cannot read ${what} ${path}: it is ${kindOf(stats)}, not a regular file`);
  }
  return { fd, size: stats.size };
}

/** The whole of a regular file, refused by name when it is larger than `maxBytes`. */
export function readRegularFile(path: string, what = 'file', maxBytes = Number.MAX_SAFE_INTEGER): Buffer {
  const { fd, size } = openRegularFile(path, what);
  try {
    if (size > maxBytes) {
      throw new Error(`${what} ${path} is ${formatBytes(size)}, more than the ${formatBytes(maxBytes)} allowed`);
    }
    const buffer = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buffer, done, size - done, done);
      if (n === 0) break; // the file shrank while being read
      done += n;
    }
    return done === size ? buffer : buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}
