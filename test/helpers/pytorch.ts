/**
 * Runs Python code against Debian's PyTorch (/usr/bin/python3, python3-torch) and returns what it prints
 * as JSON. The prelude gives the script `inp` (the JSON input), `T(spec)` to build a tensor from
 * {data, shape, dtype}, `J(t)` to turn a tensor into {data, shape}, and `out(obj)` to answer.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const PYTHON = process.env.SEQ2SEQ_PYTHON ?? '/usr/bin/python3';

const PRELUDE = `
import json, sys, torch
inp = json.load(sys.stdin)
DEVICE = torch.device(inp.get('device', 'cpu'))
DTYPES = {'float32': torch.float32, 'float64': torch.float64, 'int64': torch.long, 'int32': torch.int32}
def T(spec):
    t = torch.tensor(spec['data'], dtype=DTYPES[spec.get('dtype', 'float32')]).view(spec['shape'])
    return t.to(DEVICE)
def J(t):
    return {'data': t.detach().cpu().reshape(-1).double().tolist(), 'shape': list(t.shape)}
# torch.load(weights_only=True) for files holding floats outside tensors (optimizer states): PyTorch 1.13's
# safe unpickler lacks the float opcode, so there it loads as usual.
SAFE = {'weights_only': True} if int(torch.__version__.split('.')[0]) >= 2 else {}
def out(obj):
    json.dump(obj, sys.stdout)
`;

/** A tensor as data + shape, the exchange format with Python. */
export interface TensorSpec {
  data: number[];
  shape: number[];
  dtype?: 'float32' | 'float64' | 'int64' | 'int32';
}

export function pytorch<T>(script: string, input: Record<string, unknown>): T {
  if (!existsSync(PYTHON)) {
    throw new Error(
      `${PYTHON} is missing: install Debian's python3-torch (apt-get install python3-torch) for the cross-checks`,
    );
  }
  const result = spawnSync(PYTHON, ['-c', PRELUDE + script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    // A fixed hash seed: scripts that build vocabularies from Python sets (as the notebook does) repeat exactly.
    env: { ...process.env, PYTHONPATH: '', PYTHONHASHSEED: '0' },
  });
  if (result.status !== 0) throw new Error(`PyTorch reference failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** Largest absolute elementwise difference; throws when lengths differ. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  return max;
}
