/**
 * A Python pickler (protocol 2, what `torch.save` writes) for plain data: `null`, booleans, numbers, strings,
 * arrays (lists), {@link PyTuple}s, objects and Maps (dicts), plus whatever `persistent` turns into a
 * persistent id or a class call (PyTorch's tensors).
 */

/** Marks an array to be written as a Python tuple rather than a list. */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

/** A call `module.name(*args)` for the unpickler to make, such as `torch._utils._rebuild_tensor_v2`. */
export class PyCall {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly args: readonly unknown[],
  ) {}
}

/** A persistent id (PyTorch's reference to a storage record). */
export class PyPersistentId {
  constructor(readonly id: PyTuple) {}
}

/** A class or function reference: `module.name`. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
}

/** Chunks of the pickle, joined once at the end. */
class Writer {
  readonly #chunks: Uint8Array[] = [];
  readonly #encoder = new TextEncoder();

  byte(...values: number[]): void {
    this.#chunks.push(Uint8Array.from(values));
  }

  bytes(data: Uint8Array): void {
    this.#chunks.push(data);
  }

  u32(value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value, true);
    this.#chunks.push(b);
  }

  text(value: string): Uint8Array {
    return this.#encoder.encode(value);
  }

  result(): Uint8Array {
    const total = this.#chunks.reduce((n, c) => n + c.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of this.#chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/**
 * Pickles `value`. `replace` may turn a value the pickler does not know (a Tensor) into a {@link PyCall} or
 * {@link PyPersistentId} built from known parts; anything else unknown throws a TypeError naming its path.
 */
export function pickle(value: unknown, replace: (value: unknown) => unknown = (v) => v): Uint8Array {
  const w = new Writer();
  w.byte(0x80, 2); // PROTO 2
  const write = (v: unknown, path: string): void => {
    v = replace(v);
    if (v === null || v === undefined) {
      w.byte(0x4e); // NONE
    } else if (typeof v === 'boolean') {
      w.byte(v ? 0x88 : 0x89);
    } else if (typeof v === 'number') {
      writeNumber(w, v);
    } else if (typeof v === 'string') {
      const data = w.text(v);
      w.byte(0x58); // BINUNICODE
      w.u32(data.length);
      w.bytes(data);
    } else if (v instanceof PyTuple) {
      w.byte(0x28); // MARK
      v.items.forEach((item, i) => write(item, `${path}[${i}]`));
      w.byte(0x74); // TUPLE
    } else if (Array.isArray(v)) {
      w.byte(0x5d); // EMPTY_LIST
      if (v.length > 0) {
        w.byte(0x28);
        v.forEach((item, i) => write(item, `${path}[${i}]`));
        w.byte(0x65); // APPENDS
      }
    } else if (v instanceof PyGlobal) {
      w.byte(0x63); // GLOBAL
      w.bytes(w.text(`${v.module}\n${v.name}\n`));
    } else if (v instanceof PyCall) {
      write(new PyGlobal(v.module, v.name), path);
      write(new PyTuple(v.args), path);
      w.byte(0x52); // REDUCE
    } else if (v instanceof PyPersistentId) {
      write(v.id, path);
      w.byte(0x51); // BINPERSID
    } else if (v instanceof Map || isPlainObject(v)) {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
      w.byte(0x7d); // EMPTY_DICT
      if (entries.length > 0) {
        w.byte(0x28);
        for (const [k, item] of entries) {
          if (typeof k !== 'string' && !(typeof k === 'number' && Number.isSafeInteger(k))) {
            throw new TypeError(`${path}: dict keys must be strings or integers`);
          }
          write(k, path);
          write(item, `${path}.${String(k)}`);
        }
        w.byte(0x75); // SETITEMS
      }
    } else {
      throw new TypeError(`${path || 'value'}: cannot be saved (${Object.prototype.toString.call(v)})`);
    }
  };
  write(value, '');
  w.byte(0x2e); // STOP
  return w.result();
}

function writeNumber(w: Writer, v: number): void {
  if (Number.isInteger(v) && !Object.is(v, -0) && Number.isSafeInteger(v)) {
    if (v >= 0 && v < 256) return w.byte(0x4b, v); // BININT1
    if (v >= 0 && v < 65536) return w.byte(0x4d, v & 0xff, v >> 8); // BININT2
    if (v >= -0x80000000 && v <= 0x7fffffff) {
      w.byte(0x4a); // BININT
      const b = new Uint8Array(4);
      new DataView(b.buffer).setInt32(0, v, true);
      return w.bytes(b);
    }
    // LONG1: little-endian two's complement, as short as it goes.
    let big = BigInt(v);
    const out: number[] = [];
    for (;;) {
      out.push(Number(big & 0xffn));
      big >>= 8n;
      const sign = out[out.length - 1]! & 0x80;
      if ((big === 0n && !sign) || (big === -1n && sign)) break;
    }
    return w.byte(0x8a, out.length, ...out);
  }
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, false);
  w.byte(0x47); // BINFLOAT
  w.bytes(b);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}
