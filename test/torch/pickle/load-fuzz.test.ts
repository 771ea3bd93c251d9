/**
 * Model files are an attack surface: real PyTorch files (test/fixtures/pytorch, written by
 * scripts/reference/fuzz_fixtures.py) mutated thousands of ways, and hand-made hostile pickles and archives,
 * must each load into consistent tensors or throw one clean Error, quickly and without a memory spike.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import * as torch from '../../../src/torch/index.js';
import { decodeTorchFile } from '../../../src/torch/pickle/torch-file.js';
import { Random } from '../../../src/util/random.js';

// Plain copies: a Buffer's slice() shares memory, and the mutations must not accumulate in the fixtures.
const FIXTURES = ['state_dict.pt', 'adam.pt', 'views.pt'].map(
  (name) => new Uint8Array(readFileSync(join('test/fixtures/pytorch', name))),
);

// What a user must never see: V8's or libtorch's internals instead of what is wrong with the file.
const INTERNAL =
  /Maximum call stack|Invalid (typed )?array length|Array buffer allocation|Cannot read propert|is not a function|is not iterable|undefined|DefaultCPUAllocator|out of memory|\bat \w+ \(/;

type Outcome = 'loaded' | 'refused';

/** Loads `bytes`; every tensor found must be consistent, and an error must be one clean line. */
function tryLoad(bytes: Uint8Array): { outcome: Outcome; ms: number; message?: string } {
  const started = performance.now();
  let value: unknown;
  try {
    value = decodeTorchFile(bytes);
  } catch (err) {
    const ms = performance.now() - started;
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message, message).not.toMatch(INTERNAL);
    expect(message.includes('\n'), message).toBe(false);
    expect(message.length).toBeGreaterThan(0);
    return { outcome: 'refused', ms, message };
  }
  const ms = performance.now() - started;
  checkConsistent(value);
  torch.disposeAll(value);
  return { outcome: 'loaded', ms };
}

/** Walks a loaded value once per distinct object (shared values stay shared, so a naive walk could be exponential). */
function checkConsistent(value: unknown, depth = 0, seen = new Set<unknown>()): void {
  expect(depth).toBeLessThan(2000);
  if (typeof value === 'object' && value !== null) {
    if (seen.has(value)) return;
    seen.add(value);
  }
  if (value instanceof torch.Tensor) {
    const numel = value.shape.reduce((a, b) => a * b, 1);
    expect(value.toTypedArray().length).toBe(numel);
  } else if (Array.isArray(value)) value.forEach((v) => checkConsistent(v, depth + 1, seen));
  else if (value instanceof Map) value.forEach((v) => checkConsistent(v, depth + 1, seen));
  else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    Object.values(value).forEach((v) => checkConsistent(v, depth + 1, seen));
  }
}

/** A torch.save-shaped archive around a hand-written pickle and storages. */
function archive(pkl: Uint8Array, records: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = { 'archive/data.pkl': pkl };
  for (const [key, data] of Object.entries(records)) files[`archive/data/${key}`] = data;
  files['archive/version'] = new TextEncoder().encode('3\n');
  return zipSync(files, { level: 0 });
}

/** A pickle from opcodes: numbers are bytes, strings their latin-1 bytes. */
function ops(...parts: (number | string | Uint8Array | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else for (const b of p) out.push(b);
  }
  return Uint8Array.from(out);
}
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const str = (s: string): (number | string)[] => [0x8c, s.length, s]; // SHORT_BINUNICODE
const global = (module: string, name: string): (number | string)[] => ['c', module, '\n', name, '\n'];
const binfloat = (x: number): number[] => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x, false);
  return [...new Uint8Array(view.buffer)];
};
/** `_rebuild_tensor_v2(storage 0 of FloatStorage, offset, size, stride)` with raw opcode arguments. */
function tensorPickle(offset: (number | string)[], size: (number | string)[], stride: (number | string)[]): Uint8Array {
  return ops(
    0x80,
    2,
    ...global('torch._utils', '_rebuild_tensor_v2'),
    0x28, // MARK (args)
    0x28, // MARK (persistent id tuple)
    ...str('storage'),
    ...global('torch', 'FloatStorage'),
    ...str('0'),
    ...str('cpu'),
    0x4b,
    4, // BININT1 4 elements
    0x74, // TUPLE
    0x51, // BINPERSID
    ...offset,
    0x28,
    ...size,
    0x74,
    0x28,
    ...stride,
    0x74,
    0x89, // False
    0x7d, // {}
    0x74, // TUPLE (args)
    0x52, // REDUCE
    0x2e,
  );
}
const FOUR_FLOATS = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
const int = (n: number): number[] => [0x4a, ...u32(n)]; // BININT (signed 32-bit)

describe('loading PyTorch files that were tampered with', () => {
  it('the untouched fixtures load (the fuzz starts from files that work)', () => {
    for (const bytes of FIXTURES) expect(tryLoad(bytes).outcome).toBe('loaded');
  });

  it('survives thousands of seeded mutations of real checkpoints: bytes, pickle opcodes and zip records', () => {
    const random = new Random(20261202);
    const counts = { loaded: 0, refused: 0 };
    let slowest = 0;
    const rssBefore = process.memoryUsage().rss;
    const liveBefore = torch.memory().numTensors;
    const cases = 3000;
    for (let i = 0; i < cases; i++) {
      const base = FIXTURES[i % FIXTURES.length]!;
      const mutated = mutate(base, random, i % 3);
      const { outcome, ms } = tryLoad(mutated);
      counts[outcome]++;
      slowest = Math.max(slowest, ms);
    }
    // Both outcomes occur (mutations of storage bytes load, most others are refused); none hangs or swells.
    expect(counts.loaded).toBeGreaterThan(100);
    expect(counts.refused).toBeGreaterThan(100);
    expect(slowest).toBeLessThan(2000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(512 << 20);
    expect(torch.memory().numTensors).toBe(liveBefore);
  });

  it('refuses lengths that are negative or reach past the pickle', () => {
    for (const pkl of [
      ops(0x80, 2, 0x54, ...u32(-5 >>> 0), 'abc', 0x2e), // BINSTRING of length -5
      ops(0x80, 2, 0x8b, ...u32(-8 >>> 0), 0x2e), // LONG4 of length -8
      ops(0x80, 2, 0x58, ...u32(0xfffffff0), 'x', 0x2e), // BINUNICODE of 4 GB
      ops(0x80, 2, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x2e), // BINBYTES8 of 2^63
      ops(0x80, 2, 0x8b, u32(200_000), new Array<number>(200_000).fill(1), 0x2e), // a 200 kB integer
    ]) {
      expect(tryLoad(archive(pkl)).outcome).toBe('refused');
    }
  });

  it('refuses memo references that multiply, values that contain themselves, and deep nesting, in bounded time', () => {
    // x = [x0, x0], x0 = [x1, x1], ... 200 levels: 2^200 leaves if walked naively.
    const doubling: (number | string)[] = [0x80, 2, 0x5d];
    for (let i = 0; i < 200; i++) doubling.push(0x32, 0x86); // DUP, TUPLE2: (x, x)
    const shared = tryLoad(archive(ops(...doubling, 0x2e)));
    expect(shared.ms).toBeLessThan(1000); // shared values stay shared: linear, not exponential
    // The same nest handed to a class that would stringify it.
    const encoded = tryLoad(archive(ops(...global('_codecs', 'encode'), ...doubling.slice(2), 0x85, 0x52, 0x2e)));
    expect(encoded.outcome).toBe('refused');
    expect(encoded.ms).toBeLessThan(1000);
    // A list that holds itself: [] DUP APPEND.
    expect(tryLoad(archive(ops(0x80, 2, 0x5d, 0x32, 0x61, 0x2e))).message).toMatch(/contains itself/);
    // 100,000 nested lists.
    const deep: number[] = [0x80, 2];
    for (let i = 0; i < 100_000; i++) deep.push(0x5d, 0x28); // EMPTY_LIST MARK ...
    deep.push(0x5d);
    for (let i = 0; i < 100_000; i++) deep.push(0x65); // APPENDS
    expect(tryLoad(archive(ops(deep, 0x2e))).message).toMatch(/nested more than/);
    // A 1,000,000-item tuple spread into a call.
    const wide = new Array<number>(1_000_000).fill(0x4e); // None
    expect(tryLoad(archive(ops(...global('collections', 'OrderedDict'), 0x28, wide, 0x74, 0x52, 0x2e))).outcome).toBe(
      'refused',
    );
  });

  it('refuses storage offsets that are fractional, NaN, negative or beyond the storage', () => {
    const ok = [0x4b, 2, 0x4b, 1];
    for (const offset of [binfloat(0.5), binfloat(NaN), int(-1), int(4), binfloat(Infinity)]) {
      expect(tryLoad(archive(tensorPickle(offset, [0x4b, 2], [0x4b, 1]), { 0: FOUR_FLOATS })).outcome).toBe('refused');
    }
    expect(tryLoad(archive(tensorPickle([0x4b, 2], ok.slice(0, 2), ok.slice(2)), { 0: FOUR_FLOATS })).outcome).toBe(
      'loaded',
    );
  });

  it('refuses shapes whose element count overflows or exceeds the storage, and strides that read outside it', () => {
    const huge = [0x8a, 8, 0, 0, 0, 0, 0, 0, 0x10, 0]; // LONG1 2^52
    for (const [size, stride] of [
      [
        [...huge, ...huge],
        [0x4b, 1, 0x4b, 1],
      ], // 2^104 elements
      [
        [...int(1 << 30), ...int(1 << 30)],
        [0x4b, 0, 0x4b, 0],
      ], // 2^60 elements, stride 0: an expand of one float
      [
        [0x4b, 5],
        [0x4b, 1],
      ], // 5 elements of a storage of 4
      [
        [0x4b, 2],
        [0x4b, 4],
      ], // the second element at 4, past the storage's end
      [[0x4b, 2], binfloat(1.5)], // a fractional stride
      [[0x4b, 2], int(-1)], // a negative stride
    ] as number[][][]) {
      const { outcome } = tryLoad(archive(tensorPickle([0x4b, 0], size!, stride!), { 0: FOUR_FLOATS }));
      expect(outcome, `size ${size!.join(' ')}, stride ${stride!.join(' ')}`).toBe('refused');
    }
  });

  it('refuses zip archives that lie: entries outside the folder, counts and sizes beyond the file, bombs', () => {
    const good = FIXTURES[2]!;
    const files = unzipSync(good);
    const prefix = Object.keys(files)[0]!.split('/')[0]!;
    // An entry outside the archive's folder, and one with '..'.
    expect(tryLoad(zipSync({ ...files, 'other/x': new Uint8Array(1) }, { level: 0 })).message ?? 'loaded').toMatch(
      /outside/,
    );
    expect(
      tryLoad(zipSync({ ...files, [`${prefix}/../x`]: new Uint8Array(1) }, { level: 0 })).message ?? 'loaded',
    ).toMatch(/plain relative path/);
    // The end record claims 60,000 entries; in PyTorch's own zip64 end record, 2^40.
    const lying = zipSync(files, { level: 0 });
    new DataView(lying.buffer).setUint16(lying.length - 22 + 10, 60_000, true);
    expect(tryLoad(lying).message ?? 'loaded').toMatch(/central directory/);
    const lying64 = good.slice();
    const view64 = new DataView(lying64.buffer);
    const at64 = lying64.findLastIndex(
      (_, at) => at + 4 <= lying64.length && view64.getUint32(at, true) === 0x06064b50,
    );
    expect(at64).toBeGreaterThan(0);
    view64.setBigUint64(at64 + 32, 1n << 40n, true);
    expect(tryLoad(lying64).message ?? 'loaded').toMatch(/size or offset|central directory/);
    // A deflated data.pkl whose central directory claims 4 GB once inflated.
    const bomb = zipSync({ ...files, [`${prefix}/data.pkl`]: [files[`${prefix}/data.pkl`]!, { level: 9 }] });
    const view = new DataView(bomb.buffer);
    for (let at = 0; at + 46 < bomb.length; at++) {
      if (view.getUint32(at, true) === 0x02014b50 && view.getUint16(at + 10, true) === 8) {
        view.setUint32(at + 24, 0xfffffff0, true);
      }
    }
    expect(tryLoad(bomb).outcome).toBe('refused');
  });

  it('refuses FIFOs and devices by name instead of blocking on them', () => {
    const dir = mkdtempSync(join(tmpdir(), 's2s-fifo-'));
    const fifo = join(dir, 'model.pt');
    const made = spawnMkfifo(fifo);
    if (made) expect(() => torch.load(fifo)).toThrow(/model\.pt: it is a FIFO/);
    expect(() => torch.load('/dev/zero')).toThrow(/\/dev\/zero: it is a device/);
    writeFileSync(join(dir, 'empty.pt'), '');
    expect(() => torch.load(join(dir, 'empty.pt'))).toThrow(/empty\.pt: not a PyTorch file/);
  });
});

function spawnMkfifo(path: string): boolean {
  return spawnSync('mkfifo', [path]).status === 0;
}

/** One of three kinds of damage: raw bytes, the pickle's opcodes (re-zipped), or the zip's own records. */
function mutate(base: Uint8Array, random: Random, kind: number): Uint8Array {
  const pick = (n: number): number => Math.floor(random.next() * n);
  const interesting = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x28, 0x2e, 0x52, 0x51, 0x68, 0x71, 0x8a, 0x8b, 0x54, 0x58];
  const damage = (bytes: Uint8Array, count: number): Uint8Array => {
    const out = bytes.slice();
    for (let k = 0; k < count; k++) {
      const at = pick(out.length);
      out[at] = random.next() < 0.5 ? interesting[pick(interesting.length)]! : pick(256);
    }
    return out;
  };
  if (kind === 0) return damage(base, 1 + pick(8));
  const files = unzipSync(base);
  const names = Object.keys(files);
  if (kind === 1) {
    const pkl = names.find((n) => n.endsWith('data.pkl'))!;
    let bytes: Uint8Array = files[pkl]!;
    const r = random.next();
    if (r < 0.4) bytes = damage(bytes, 1 + pick(4));
    else if (r < 0.6)
      bytes = bytes.subarray(0, pick(bytes.length)); // truncated
    else if (r < 0.8) {
      // an opcode inserted somewhere
      const at = pick(bytes.length);
      bytes = Uint8Array.from([
        ...bytes.subarray(0, at),
        interesting[pick(interesting.length)]!,
        ...bytes.subarray(at),
      ]);
    } else {
      // a stretch duplicated (memo puts and gets, marks)
      const a = pick(bytes.length);
      const b = Math.min(bytes.length, a + 1 + pick(16));
      bytes = Uint8Array.from([...bytes.subarray(0, b), ...bytes.subarray(a, b), ...bytes.subarray(b)]);
    }
    return zipSync({ ...files, [pkl]: bytes }, { level: 0 });
  }
  // The zip's records: a storage resized, dropped or renamed, or a header field of the archive damaged.
  const r = random.next();
  const storages = names.filter((n) => /\/data\/\d+$/.test(n));
  if (r < 0.3 && storages.length > 0) {
    const name = storages[pick(storages.length)]!;
    const data = files[name]!;
    return zipSync({ ...files, [name]: data.subarray(0, pick(data.length + 1)) }, { level: 0 });
  }
  if (r < 0.45 && storages.length > 0) {
    const copy = { ...files };
    delete copy[storages[pick(storages.length)]!];
    return zipSync(copy, { level: 0 });
  }
  const out = base.slice();
  const view = new DataView(out.buffer);
  const headers: number[] = [];
  for (let at = 0; at + 4 <= out.length; at++) {
    const sig = view.getUint32(at, true);
    if (sig === 0x02014b50 || sig === 0x04034b50 || sig === 0x06054b50) headers.push(at);
  }
  const at = headers[pick(headers.length)]! + 4 + pick(26);
  const values = [0, 1, 0xffff, 0xffffffff, 0x7fffffff, pick(out.length)];
  if (at + 4 <= out.length) view.setUint32(at, values[pick(values.length)]!, true);
  return out;
}
