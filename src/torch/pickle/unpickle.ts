/**
 * A Python unpickler for the data that PyTorch files hold (protocols 0-5): numbers, strings, bytes, lists,
 * tuples, dicts, `None`/`True`/`False`, and the few classes that `torch.load(weights_only=True)` allows. Any
 * other class is refused by name, so a file can never run code here, as with PyTorch's safe loading.
 */

/** A value read from a pickle. Tuples and lists are arrays; dicts with string keys are objects, others Maps. */
export type PickleValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | PickleValue[]
  | { [key: string]: PickleValue }
  | Map<PickleKey, PickleValue>
  | object;

/** A dict key: Python's str or int. */
export type PickleKey = string | number;

/** Builds the objects of the classes a pickle names; `undefined` refuses the class. */
export type FindClass = (module: string, name: string) => ((...args: unknown[]) => unknown) | undefined;

/** A dict while it is being filled (Python dicts keep insertion order, as Maps do). */
class PyDict {
  readonly map = new Map<unknown, unknown>();
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class UnpickleError extends Error {}

/**
 * Reads one pickled value from `bytes`. `persistentLoad` resolves persistent ids (PyTorch's storages) and
 * `findClass` the classes named by GLOBAL opcodes.
 */
export function unpickle(
  bytes: Uint8Array,
  options: { findClass: FindClass; persistentLoad?: (pid: unknown) => unknown },
): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();

  const need = (n: number): number => {
    if (n < 0) throw new UnpickleError(`negative length ${n} at byte ${pos}`);
    if (pos + n > bytes.length) throw new UnpickleError('truncated pickle');
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => view.getUint8(need(1));
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const i32 = (): number => view.getInt32(need(4), true);
  const u64 = (): number => {
    const at = need(8);
    const value = view.getBigUint64(at, true);
    if (value > BigInt(bytes.length)) throw new UnpickleError('truncated pickle');
    return Number(value);
  };
  const raw = (n: number): Uint8Array => bytes.subarray(need(n), pos);
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new UnpickleError('truncated pickle');
    const text = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const utf8 = (n: number): string => decoder.decode(raw(n));
  const latin1 = (n: number): string => new TextDecoder('latin1').decode(raw(n));
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) {
      throw new UnpickleError('pickle stack underflow');
    }
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw new UnpickleError('pickle stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const at = marks.pop();
    if (at === undefined) throw new UnpickleError('pickle MARK missing');
    return stack.splice(at);
  };
  const longLE = (b: Uint8Array): number => {
    if (b.length === 0) return 0;
    // Beyond 2^64 a number loses its meaning here, and a long run of bytes would cost quadratic time.
    if (b.length > 9) throw new UnpickleError(`an integer of ${b.length} bytes is too large`);
    let value = 0n;
    for (let i = b.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) value -= 1n << BigInt(8 * b.length);
    return Number(value);
  };
  const global = (module: string, name: string): unknown => {
    const found = options.findClass(module, name);
    if (!found) throw new UnpickleError(`refusing to load the Python object ${module}.${name}`);
    return found;
  };
  const call = (fn: unknown, args: unknown): unknown => {
    // The allowed classes take a few arguments: a huge tuple spread into a call would overflow the stack.
    if (typeof fn !== 'function' || !Array.isArray(args) || args.length > MAX_ARGS) {
      throw new UnpickleError('malformed REDUCE');
    }
    return (fn as (...a: unknown[]) => unknown)(...args);
  };
  const setItems = (target: unknown, items: unknown[]): void => {
    if (!(target instanceof PyDict)) throw new UnpickleError('SETITEMS on something that is not a dict');
    for (let i = 0; i + 1 < items.length; i += 2) target.map.set(key(items[i]), items[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]): void => {
    if (!Array.isArray(target)) throw new UnpickleError('APPENDS on something that is not a list');
    for (const item of items) target.push(item);
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        need(8);
        break;
      case 0x2e: // STOP
        return finish(pop());
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: // LONG1
        stack.push(longLE(raw(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longLE(raw(i32())));
        break;
      case 0x49: {
        // INT (protocol 0; "00"/"01" are False/True)
        const text = line();
        stack.push(text === '00' ? false : text === '01' ? true : parseNumber(text));
        break;
      }
      case 0x4c: // LONG (protocol 0)
        stack.push(parseNumber(line().replace(/L$/, '')));
        break;
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x46: // FLOAT (protocol 0)
        stack.push(parseNumber(line()));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8(u64()));
        break;
      case 0x56: // UNICODE (protocol 0, raw-unicode-escape)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))));
        break;
      case 0x54: // BINSTRING
        stack.push(latin1(i32()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(raw(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(raw(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(raw(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const dict = new PyDict();
        setItems(dict, popMark());
        stack.push(dict);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push([]);
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: // FROZENSET
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        appendItems(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const k = pop();
        setItems(top(), [k, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(parseNumber(line()), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const id = op === 0x68 ? u8() : op === 0x6a ? u32() : parseNumber(line());
        if (!memo.has(id)) throw new UnpickleError(`pickle memo ${id} missing`);
        stack.push(memo.get(id));
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new UnpickleError('malformed STACK_GLOBAL');
        stack.push(global(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX (keyword arguments are not used by the allowed classes)
        pop();
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD: the state of an object; PyTorch's only use is an OrderedDict's _metadata, which is not needed.
        pop();
        top();
        break;
      }
      case 0x51: {
        // BINPERSID
        if (!options.persistentLoad) throw new UnpickleError('persistent id without a loader');
        stack.push(options.persistentLoad(finish(pop())));
        break;
      }
      case 0x30: // POP
        if (marks.length > 0 && stack.length === marks[marks.length - 1]) marks.pop();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw new UnpickleError(`unsupported pickle opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}

/** A dict created by a class the pickle names (collections.OrderedDict). */
export function newDict(): unknown {
  return new PyDict();
}

function key(k: unknown): unknown {
  if (typeof k !== 'string' && typeof k !== 'number') {
    throw new UnpickleError('only str and int dict keys are supported');
  }
  return k;
}

function parseNumber(text: string): number {
  const n = Number(text.trim());
  if (!Number.isFinite(n) && !/inf|nan/i.test(text)) throw new UnpickleError(`bad number "${text}" in pickle`);
  return n;
}

const MAX_ARGS = 16;
/** Deeper nests than this are refused: PyTorch's files nest a few levels, and recursion must stay bounded. */
const MAX_DEPTH = 1000;

/**
 * Turns the unpickler's dicts into objects (all keys strings) or Maps, keeping shared values shared. A value
 * that contains itself is refused: no PyTorch file holds one, and whoever walks it would never finish.
 */
function finish(value: unknown, seen = new Map<unknown, unknown>(), open = new Set<unknown>(), depth = 0): PickleValue {
  if (!(value instanceof PyDict) && !Array.isArray(value)) return value as PickleValue;
  if (open.has(value)) throw new UnpickleError('a pickled value contains itself');
  if (seen.has(value)) return seen.get(value) as PickleValue;
  if (depth > MAX_DEPTH) throw new UnpickleError(`values nested more than ${MAX_DEPTH} deep`);
  open.add(value);
  const result = finishContainer(value, seen, open, depth);
  open.delete(value);
  return result;
}

function finishContainer(
  value: PyDict | unknown[],
  seen: Map<unknown, unknown>,
  open: Set<unknown>,
  depth: number,
): PickleValue {
  const inner = (v: unknown): PickleValue => finish(v, seen, open, depth + 1);
  if (value instanceof PyDict) {
    const stringKeys = [...value.map.keys()].every((k) => typeof k === 'string');
    if (stringKeys) {
      const out: Record<string, PickleValue> = {};
      seen.set(value, out);
      for (const [k, v] of value.map)
        Object.defineProperty(out, k as string, {
          value: inner(v),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return out;
    }
    const out = new Map<PickleKey, PickleValue>();
    seen.set(value, out);
    for (const [k, v] of value.map) out.set(k as PickleKey, inner(v));
    return out;
  }
  const out: PickleValue[] = [];
  seen.set(value, out);
  for (const v of value) out.push(inner(v));
  return out;
}
