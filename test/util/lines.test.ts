/**
 * lineBatches: lines that are already waiting come in full batches; a line typed on its own comes out on its own,
 * at once; order is kept, the bound on a line holds, and ending early closes the stream.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { lineBatches } from '../../src/util/lines.js';

/** A few turns of the event loop, as a person between two keystrokes gives many. */
const later = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('lineBatches', () => {
  it('gives waiting lines in full batches, in order, and the rest at the end', async () => {
    const stream = new PassThrough();
    const lines = Array.from({ length: 600 }, (_, i) => `line ${i}`);
    // Written in pieces that split lines, all before reading starts: nothing is ever short of a line.
    const text = `${lines.join('\n')}\n`;
    for (let at = 0; at < text.length; at += 1000) stream.write(text.slice(at, at + 1000));
    stream.end();
    const batches: string[][] = [];
    for await (const batch of lineBatches(stream, 1 << 20, 256)) batches.push(batch);
    expect(batches.map((b) => b.length)).toEqual([256, 256, 88]);
    expect(batches.flat()).toEqual(lines);
  });

  it('gives a line on its own as soon as nothing further is waiting, while the stream stays open', async () => {
    const stream = new PassThrough();
    const batches = lineBatches(stream, 1 << 20, 256);
    stream.write('the dog\n');
    expect(await batches.next()).toEqual({ done: false, value: ['the dog'] });
    // A line typed in two pieces is one line; two lines that come together are one batch.
    stream.write('the ');
    await later();
    stream.write('cat\nthe bird\n');
    expect(await batches.next()).toEqual({ done: false, value: ['the cat', 'the bird'] });
    stream.end('no newline at the end');
    expect(await batches.next()).toEqual({ done: false, value: ['no newline at the end'] });
    expect(await batches.next()).toEqual({ done: true, value: undefined });
  });

  it('lines that arrive while a batch is out come together in the next batch', async () => {
    const stream = new PassThrough();
    const batches = lineBatches(stream, 1 << 20, 256);
    stream.write('one\n');
    expect((await batches.next()).value).toEqual(['one']);
    // While 'one' is being translated:
    stream.write('two\n');
    await later();
    stream.write('three\n');
    await later();
    expect((await batches.next()).value).toEqual(['two', 'three']);
    stream.end();
    expect((await batches.next()).done).toBe(true);
  });

  it('refuses a line longer than the bound, by number', async () => {
    const stream = new PassThrough();
    stream.end(`short\n${'x'.repeat(100)}\n`);
    const read = async () => {
      for await (const _ of lineBatches(stream, 64, 256)) {
        // only reading
      }
    };
    await expect(read()).rejects.toThrow('line 2 of the input is longer than 64 bytes');
  });

  it('closes the stream when the reader stops early, even while it waits for input', async () => {
    const idle = new PassThrough();
    const waiting = lineBatches(idle, 1 << 20, 256);
    idle.write('first\n');
    await waiting.next(); // given out when nothing followed it: the reader of the next line waits for input
    await waiting.return(undefined);
    expect(idle.destroyed).toBe(true);

    const full = new PassThrough();
    full.end('a\nb\nc\n');
    for await (const batch of lineBatches(full, 1 << 20, 1)) {
      expect(batch).toEqual(['a']);
      break;
    }
    expect(full.destroyed).toBe(true);
  });
});
