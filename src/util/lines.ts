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
