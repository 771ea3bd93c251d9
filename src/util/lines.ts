/**
 * Lines of a stream (stdin), with a bound on each: readline would buffer a line without end until V8's string
 * limit aborts the read with an internal error; here a line past `maxBytes` is a clear error naming it.
 */
import { formatBytes } from './memory.js';

/** The lines of `stream` (UTF-8, `\n` or `\r\n`), each at most `maxBytes` long. */
export async function* boundedLines(
  stream: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let line = 0;
  const take = (): string => {
    const bytes = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    line++;
    const text = decoder.decode(bytes);
    return text.endsWith('\r') ? text.slice(0, -1) : text;
  };
  const keep = (piece: Uint8Array): void => {
    if (pendingBytes + piece.length > maxBytes) {
      throw new Error(`line ${line + 1} of the input is longer than ${formatBytes(maxBytes)}`);
    }
    if (piece.length > 0) pending.push(piece.slice());
    pendingBytes += piece.length;
  };
  for await (const data of stream) {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
      keep(chunk.subarray(start, newline));
      yield take();
      start = newline + 1;
    }
    keep(chunk.subarray(start));
  }
  if (pendingBytes > 0) yield take();
}

/** What `nextTurn` resolves to: the event loop went round once with nothing new from the input. */
const IDLE = Symbol('idle');

/**
 * Resolves after the event loop has polled for I/O at least once: two `setImmediate` turns, since the first may
 * run in the current loop iteration, before its poll phase. No timer: an idle input costs one loop turn, not a
 * delay.
 */
const nextTurn = (): Promise<typeof IDLE> =>
  new Promise((resolve) => setImmediate(() => setImmediate(() => resolve(IDLE))));

/**
 * The lines of `stream` (as {@link boundedLines}) in batches for work that goes faster in bulk: a batch ends at
 * `maxLines` lines, or as soon as no further line is waiting (the stream has nothing more buffered and the event
 * loop polled the input once without a new line). A person typing gets each line on its own the moment it is
 * complete; a piped file, whose lines are already waiting, comes in full batches. At most `maxLines` lines and
 * the stream's own buffer are held, and lines keep their order. Ending early (a `break`, an error in the loop)
 * closes the stream.
 */
export async function* lineBatches(
  stream: AsyncIterable<Uint8Array | string> & { destroy?: () => void },
  maxBytes: number,
  maxLines: number,
): AsyncGenerator<string[]> {
  if (!Number.isInteger(maxLines) || maxLines < 1) {
    throw new Error(`lineBatches: expected a positive integer for maxLines but received ${maxLines}`);
  }
  const lines = boundedLines(stream, maxBytes);
  // The read of the next line, which may outlive a batch: a line that arrives while a batch is out joins the next.
  let pending: Promise<IteratorResult<string>> | undefined;
  let batch: string[] = [];
  try {
    for (;;) {
      pending ??= lines.next();
      const ready = batch.length === 0 ? await pending : await Promise.race([pending, nextTurn()]);
      if (ready === IDLE) {
        yield batch;
        batch = [];
        continue;
      }
      pending = undefined;
      if (ready.done) break;
      batch.push(ready.value);
      if (batch.length === maxLines) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } finally {
    if (pending) {
      // Stopped while a read waits for input: the line reader is busy, so close the stream under it.
      pending.catch(() => {});
      stream.destroy?.();
    } else {
      await lines.return(undefined); // closes the stream, as for-await does when a loop ends early
    }
  }
}
