/**
 * PyTorch's file format (`torch.save` since 1.6): a zip of stored records, `ARCHIVE/data.pkl` holding the
 * pickled object, `ARCHIVE/data/KEY` the raw little-endian bytes of each tensor storage, and `ARCHIVE/version`.
 * Written and read here in TypeScript so that any picklable structure crosses in both directions (state dicts
 * as Python's OrderedDicts, optimizer state with integer keys), which libtorch's C++ reader does not offer.
 */
import type { DType } from '../addon-types.js';
import { native } from '../addon.js';
import { formatBytes, memoryLimit, type MemoryLimit } from '../../util/memory.js';
import { ZipArchive, ZipError } from '../../util/zip.js';
import { concatChunks, storedZip } from '../../util/zip-writer.js';
import { tidy } from '../scope.js';
import { Tensor } from '../tensor.js';
import { pickle, PyCall, PyGlobal, PyPersistentId, PyTuple } from './pickle.js';
import { newDict, unpickle, UnpickleError, type FindClass, type PickleValue } from './unpickle.js';

/** The storage classes PyTorch names in its files, with their element types. */
const STORAGES: Record<string, { dtype: DType; size: number } | undefined> = {
  FloatStorage: { dtype: 'float32', size: 4 },
  DoubleStorage: { dtype: 'float64', size: 8 },
  HalfStorage: { dtype: 'float16', size: 2 },
  LongStorage: { dtype: 'int64', size: 8 },
  IntStorage: { dtype: 'int32', size: 4 },
  ByteStorage: { dtype: 'uint8', size: 1 },
  CharStorage: { dtype: 'int8', size: 1 },
  BoolStorage: { dtype: 'bool', size: 1 },
};
const STORAGE_OF: Partial<Record<DType, string>> = Object.fromEntries(
  Object.entries(STORAGES).map(([name, s]) => [s!.dtype, name]),
);

/** What the pickle's GLOBAL `torch.FloatStorage` (and the like) stands for: a storage class, named in ids. */
class StorageType {
  constructor(readonly name: string) {}
}

interface Storage {
  dtype: DType;
  values: ArrayLike<number | bigint>;
}

/** The bytes of a `torch.save` file holding `value`; tensors are saved from the CPU. */
export function encodeTorchFile(value: unknown): Uint8Array {
  return concatChunks(torchFileChunks(value));
}

/**
 * What {@link encodeTorchFile} gives, as the chunks of its zip archive (headers and each storage's bytes, not joined),
 * for a file writer to write one after another. The storages' chunks are views of the tensors' memory: write them
 * before the tensors change.
 */
export function torchFileChunks(value: unknown): Uint8Array[] {
  const records: [string, Uint8Array][] = [];
  const data = pickle(value, (v) => {
    if (!(v instanceof Tensor)) return v;
    const storageName = STORAGE_OF[v.dtype];
    if (!storageName) throw new TypeError(`tensors of dtype ${v.dtype} cannot be saved`);
    const key = String(records.length);
    records.push([`archive/data/${key}`, tidy(() => storageBytes(v.detach().to('cpu').contiguous()))]);
    const shape = v.shape;
    const strides = contiguousStrides(shape);
    const numel = v.numel();
    const pid = new PyPersistentId(new PyTuple(['storage', new PyGlobal('torch', storageName), key, 'cpu', numel]));
    return new PyCall('torch._utils', '_rebuild_tensor_v2', [
      pid,
      0,
      new PyTuple(shape),
      new PyTuple(strides),
      false,
      new PyCall('collections', 'OrderedDict', []),
    ]);
  });
  // Stored, not deflated, data aligned to 64 bytes as PyTorch writes it (storages can be read in place), with a
  // fixed date so that equal contents make equal files.
  return storedZip([
    ['archive/data.pkl', data],
    ['archive/byteorder', new TextEncoder().encode('little')],
    ...records,
    ['archive/version', new TextEncoder().encode('3\n')],
  ]);
}

/** What a `torch.save` file holds; tensors come to the CPU. Throws an Error naming what is wrong otherwise. */
export function decodeTorchFile(bytes: Uint8Array): PickleValue {
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
    throw new Error('this is the legacy format of PyTorch before 1.6; save it again with a newer torch.save');
  }
  let archive: ZipArchive;
  try {
    archive = new ZipArchive(bytes);
  } catch (err) {
    throw new Error(`not a PyTorch file (${(err as Error).message})`);
  }
  const names = [...archive.entries.keys()];
  const pkl = names.find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (!pkl) {
    const script = names.some((name) => name.endsWith('/constants.pkl'));
    throw new Error(script ? 'a TorchScript archive, not a torch.save file' : 'not a PyTorch file (no data.pkl)');
  }
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const stray = names.find((name) => !name.startsWith(prefix));
  if (stray !== undefined) throw new Error(`not a PyTorch file (${stray} lies outside the archive's folder ${prefix})`);
  // What the tensors may take: their storages' bytes, twice over (views of one storage are copied apart), and
  // never more than half the memory this process may use.
  const memory = memoryLimit();
  const budget = new TensorBudget(Math.min(2 * bytes.length + (64 << 20), memory.bytes / 2), memory);
  const storages = new Map<string, Storage>();
  const tensors: Tensor[] = [];
  try {
    const value = unpickle(archive.read(archive.entries.get(pkl)!, budget.remaining), {
      findClass: findClass((storage, offset, size, stride) => {
        const t = rebuildTensor(storage, offset, size, stride, budget);
        tensors.push(t);
        return t;
      }),
      persistentLoad: (pid) => {
        // ('storage', torch.FloatStorage, key, location, numel): the class itself, not an instance.
        const type = Array.isArray(pid) ? (pid[1] as { storageType?: unknown } | undefined)?.storageType : undefined;
        if (!Array.isArray(pid) || pid[0] !== 'storage' || !(type instanceof StorageType)) {
          throw new UnpickleError('unexpected persistent id');
        }
        const key: unknown = pid[2];
        if (typeof key !== 'string') throw new UnpickleError('unexpected storage key');
        let storage = storages.get(key);
        if (!storage) {
          const entry = archive.entries.get(`${prefix}data/${key}`);
          if (!entry) throw new UnpickleError(`storage record data/${key} missing`);
          storage = readStorage(type.name, archive.read(entry, budget.remaining), pid[4]);
          storages.set(key, storage);
        }
        if (storage.dtype !== STORAGES[type.name]!.dtype)
          throw new UnpickleError(`storage ${key} named twice as two types`);
        return storage;
      },
    });
    // Tensors the pickle built and then dropped (POP, an overwritten memo) are freed here, not left to leak.
    const kept = reachableTensors(value);
    for (const t of tensors) if (!kept.has(t)) t.dispose();
    return value;
  } catch (err) {
    for (const t of tensors) t.dispose();
    if (err instanceof ZipError) throw new Error(`corrupt PyTorch file (${err.message})`);
    throw err;
  }
}

function reachableTensors(value: unknown, found = new Set<Tensor>(), seen = new Set<unknown>()): Set<Tensor> {
  if (typeof value !== 'object' || value === null || seen.has(value)) return found;
  seen.add(value);
  if (value instanceof Tensor) found.add(value);
  else if (Array.isArray(value) || value instanceof Map) value.forEach((v) => reachableTensors(v, found, seen));
  else if (!(value instanceof Uint8Array)) Object.values(value).forEach((v) => reachableTensors(v, found, seen));
  return found;
}

/** Counts the bytes of tensors built from one file against what the file may cost. */
class TensorBudget {
  #used = 0;
  constructor(
    readonly total: number,
    readonly memory: MemoryLimit,
  ) {}

  get remaining(): number {
    return this.total - this.#used;
  }

  spend(bytes: number, what: string): void {
    if (bytes > this.remaining) {
      throw new UnpickleError(
        `${what} would take ${formatBytes(bytes)}: more than a file of this size can hold ` +
          `(${formatBytes(this.remaining)} left; ${formatBytes(this.memory.bytes)} of ${this.memory.source})`,
      );
    }
    this.#used += bytes;
  }
}

/** The classes `torch.load(weights_only=True)` allows, as far as state dicts and optimizer states need. */
function findClass(rebuild: (storage: Storage, offset: number, size: number[], stride: number[]) => Tensor): FindClass {
  const tensorArgs = (args: unknown[]): Tensor => {
    const [storage, offset, size, stride] = args;
    if (
      !isStorage(storage) ||
      !isIndex(offset) ||
      !isIntArray(size) ||
      !isIntArray(stride) ||
      size.length !== stride.length
    ) {
      throw new UnpickleError('malformed tensor record');
    }
    return rebuild(storage, offset, size, stride);
  };
  return (module, name) => {
    if (module === 'torch._utils' && (name === '_rebuild_tensor_v2' || name === '_rebuild_tensor')) {
      return (...args) => tensorArgs(args);
    }
    if (module === 'torch._utils' && (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state')) {
      return (data) => {
        if (!(data instanceof Tensor)) throw new UnpickleError('a parameter that is not a tensor');
        return data;
      };
    }
    if (module === 'torch' && STORAGES[name]) {
      const type = new StorageType(name);
      return Object.assign(() => type, { storageType: type });
    }
    if (module === 'torch' && name.endsWith('Storage')) {
      throw new UnpickleError(`tensors stored as torch.${name} are not supported`);
    }
    if (module === 'collections' && name === 'OrderedDict') return () => newDict();
    // Strings only: String() of a crafted nest of shared lists would take exponential time.
    if (module === 'torch' && name === 'device') return (device) => pickleString(device, 'torch.device');
    if (module === '_codecs' && name === 'encode') {
      return (text) => Uint8Array.from(pickleString(text, '_codecs.encode'), (c) => c.charCodeAt(0) & 0xff);
    }
    return undefined;
  };
}

function isStorage(v: unknown): v is Storage {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'values' in v;
}

function pickleString(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new UnpickleError(`${what} of something that is not a string`);
  return v;
}

const isIndex = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** A shape or strides: at most 64 dimensions (PyTorch's own limit), each a whole number of at least 0. */
function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.length <= 64 && v.every(isIndex);
}

function readStorage(name: string, record: Uint8Array, numel: unknown): Storage {
  const spec = STORAGES[name]!;
  if (record.length % spec.size !== 0) throw new UnpickleError(`storage of ${name} has a partial element`);
  if (numel !== undefined && numel !== record.length / spec.size) {
    throw new UnpickleError(
      `storage of ${name} holds ${record.length / spec.size} elements, not the ${String(numel)} named`,
    );
  }
  const buffer = new Uint8Array(record).buffer; // an aligned copy (a Buffer's slice() would share memory)
  const n = record.length / spec.size;
  switch (spec.dtype) {
    case 'float32':
      return { dtype: spec.dtype, values: new Float32Array(buffer, 0, n) };
    case 'float64':
      return { dtype: spec.dtype, values: new Float64Array(buffer, 0, n) };
    case 'float16':
      return { dtype: spec.dtype, values: Float32Array.from(new Uint16Array(buffer, 0, n), halfToFloat) };
    case 'int64':
      return { dtype: spec.dtype, values: new BigInt64Array(buffer, 0, n) };
    case 'int32':
      return { dtype: spec.dtype, values: new Int32Array(buffer, 0, n) };
    case 'int8':
      return { dtype: spec.dtype, values: new Int8Array(buffer, 0, n) };
    default:
      return { dtype: spec.dtype, values: new Uint8Array(buffer, 0, n) };
  }
}

function rebuildTensor(
  storage: Storage,
  offset: number,
  size: number[],
  stride: number[],
  budget: TensorBudget,
): Tensor {
  // The element count is checked as it grows, so that no product overflows or exceeds what may be allocated.
  const elementSize = DTYPE_BYTES[storage.dtype];
  let numel = 1;
  for (const s of size) {
    numel *= s;
    if (numel * elementSize > budget.remaining)
      budget.spend(numel * elementSize, `a tensor of shape [${size.join(', ')}]`);
  }
  budget.spend(numel * elementSize, `a tensor of shape [${size.join(', ')}]`);
  const values = storage.values as ArrayLike<number> & {
    constructor: new (n: number) => ArrayLike<number>;
    subarray(a: number, b: number): ArrayLike<number>;
  };
  if (numel > 0) {
    const last = offset + size.reduce((at, s, d) => at + (s - 1) * stride[d]!, 0);
    if (last >= values.length) throw new UnpickleError('tensor reaches past its storage');
  }
  let out: ArrayLike<number>;
  const dense = contiguousStrides(size);
  if (stride.every((s, d) => size[d] === 1 || s === dense[d])) {
    out = values.subarray(offset, offset + numel);
  } else {
    // The elements in row-major order, gathered through the strides (views of a shared storage, transposes).
    const gathered = new values.constructor(numel) as ArrayLike<number> & { [i: number]: number };
    const index = new Array<number>(size.length).fill(0);
    for (let i = 0; i < numel; i++) {
      let at = offset;
      for (let d = 0; d < size.length; d++) at += index[d]! * stride[d]!;
      gathered[i] = values[at]!;
      for (let d = size.length - 1; d >= 0; d--) {
        if (++index[d]! < size[d]!) break;
        index[d] = 0;
      }
    }
    out = gathered;
  }
  const handle = native.TensorHandle.fromData(out as unknown as Float32Array, size, storage.dtype, 'cpu');
  return new Tensor(handle);
}

const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 4, // held as float32 here
  int32: 4,
  int64: 8,
  int8: 1,
  uint8: 1,
  bool: 1,
};

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * Math.max(shape[d + 1]!, 1);
  return strides;
}

/**
 * The bytes of a contiguous CPU tensor as its storage record holds them. Not copied (a view of the tensor's memory:
 * copying hundreds of megabytes of a checkpoint into JS first cost as much as writing them), so the record must be
 * written before anyone changes the tensor: at once, or from a copy no one changes (a checkpoint's snapshot).
 */
function storageBytes(t: Tensor): Uint8Array {
  if (t.dtype === 'float16') {
    const half = Uint16Array.from(t.toTypedArray() as Float32Array, floatToHalf);
    return new Uint8Array(half.buffer);
  }
  return t.handle.bytesView();
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float to IEEE half, rounding to nearest even (the value was a half already, so this is exact). */
function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >> 16) & 0x8000;
  const exp = ((x >> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >> (1 - exp);
    return sign | ((m + 0xfff + ((m >> 13) & 1)) >> 13);
  }
  const h = sign | (exp << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  return rest > 0x1000 || (rest === 0x1000 && h & 1) ? h + 1 : h;
}
