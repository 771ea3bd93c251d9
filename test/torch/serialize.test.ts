import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';
import { pytorch } from '../helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'serialize-'));

describe('save and load', () => {
  it('writes files that Python’s torch.load reads, with the same values', () => {
    const path = join(dir, 'state.pt');
    const w = torch.randn([3, 4]);
    const ids = torch.tensor([1, 2, 3]);
    torch.save({ 'lstm.weight_ih_l0': w, ids }, path);
    const read = pytorch<Record<string, { data: number[]; shape: number[] }>>(
      `d = torch.load(inp['path'])
out({k: J(v) for k, v in d.items()})`,
      { path },
    );
    expect(Object.keys(read)).toEqual(['lstm.weight_ih_l0', 'ids']);
    expect(read['lstm.weight_ih_l0']!.data).toEqual(w.toArray());
    expect(read['lstm.weight_ih_l0']!.shape).toEqual([3, 4]);
    expect(read.ids!.data).toEqual([1, 2, 3]);
  });

  it('reads what Python’s torch.save wrote', () => {
    const path = join(dir, 'from-python.pt');
    pytorch(
      `torch.save({'dense.weight': torch.arange(6.).view(2, 3), 'dense.bias': torch.tensor([0.5, -1.0])}, inp['path'])
out(None)`,
      { path },
    );
    const state = torch.load(path);
    expect(Object.keys(state)).toEqual(['dense.weight', 'dense.bias']);
    expect(state['dense.weight']!.shape).toEqual([2, 3]);
    expect(state['dense.bias']!.toArray()).toEqual([0.5, -1]);
  });

  it('rejects a file that is not a PyTorch file of tensors, and a missing one', () => {
    const path = join(dir, 'junk.pt');
    writeFileSync(path, 'not a zip');
    expect(() => torch.load(path)).toThrow(/junk.pt is not a PyTorch file of tensors/);
    expect(() => torch.load(join(dir, 'missing.pt'))).toThrow(/cannot read/);
  });
});
