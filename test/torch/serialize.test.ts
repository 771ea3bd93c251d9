import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import * as torch from '../../src/torch/index.js';
import { pytorch } from '../helpers/pytorch.js';

const dir = mkdtempSync(join(tmpdir(), 'serialize-'));

describe('save and load in PyTorch’s format', () => {
  it('writes files that Python’s torch.load reads (also with weights_only=True), with the same values', () => {
    const path = join(dir, 'state.pt');
    const w = torch.randn([3, 4]);
    const ids = torch.tensor([1, 2, 3]);
    torch.save({ 'lstm.weight_ih_l0': w, ids, half: torch.tensor([0.5, -2, 65504]).to('float16') }, path);
    const read = pytorch<Record<string, { data: number[]; shape: number[]; dtype: string }>>(
      `d = torch.load(inp['path'], weights_only=True)
out({k: dict(J(v), dtype=str(v.dtype)) for k, v in d.items()})`,
      { path },
    );
    expect(Object.keys(read)).toEqual(['lstm.weight_ih_l0', 'ids', 'half']);
    expect(read['lstm.weight_ih_l0']!.data).toEqual(w.toArray());
    expect(read['lstm.weight_ih_l0']!.shape).toEqual([3, 4]);
    expect(read.ids).toEqual({ data: [1, 2, 3], shape: [3], dtype: 'torch.int64' });
    expect(read.half).toEqual({ data: [0.5, -2, 65504], shape: [3], dtype: 'torch.float16' });
  });

  it('writes nested structures: int-keyed dicts, lists, tuples, numbers, strings, booleans and None', () => {
    const path = join(dir, 'nested.pt');
    const value = {
      state: new Map([[0, { step: torch.tensor(3, { dtype: 'float32' }), m: torch.zeros([2]) }]]),
      groups: [{ lr: 0.01, betas: new torch.PyTuple([0.9, 0.999]), params: [0, 1], amsgrad: false, fused: null }],
      big: 2 ** 40,
      negative: -70000,
      name: 'é ü 日本',
    };
    torch.save(value, path);
    const read = pytorch<string>(
      `d = torch.load(inp['path'], **SAFE)
s = d['state'][0]
assert d['groups'][0]['betas'] == (0.9, 0.999) and d['groups'][0]['params'] == [0, 1]
assert d['groups'][0]['amsgrad'] is False and d['groups'][0]['fused'] is None
assert d['big'] == 2 ** 40 and d['negative'] == -70000 and d['name'] == 'é ü 日本'
assert s['step'].item() == 3 and s['step'].dtype == torch.float32 and s['m'].tolist() == [0, 0]
out('ok')`,
      { path },
    );
    expect(read).toBe('ok');
  });

  it('reads Python’s state dicts (OrderedDict with _metadata), optimizer states and views of shared storages', () => {
    const path = join(dir, 'from-python.pt');
    pytorch(
      `m = torch.nn.LSTM(3, 4, 2)
opt = torch.optim.Adam(m.parameters())
m(torch.randn(2, 1, 3))[0].sum().backward()
opt.step()
x = torch.arange(12.).view(3, 4)
torch.save({'sd': m.state_dict(), 'opt': opt.state_dict(), 'x': x, 'xt': x.t(), 'row': x[1], 'col': x[:, 2],
            'd': torch.tensor([1.5], dtype=torch.float64), 'b': torch.tensor([True, False]),
            'h': torch.tensor([0.25, -3], dtype=torch.float16), 'scalar': torch.tensor(7)}, inp['path'])
out(None)`,
      { path },
    );
    const d = torch.load(path) as Record<string, unknown>;
    const sd = d.sd as Record<string, torch.Tensor>;
    expect(Object.keys(sd)).toEqual([
      'weight_ih_l0',
      'weight_hh_l0',
      'bias_ih_l0',
      'bias_hh_l0',
      'weight_ih_l1',
      'weight_hh_l1',
      'bias_ih_l1',
      'bias_hh_l1',
    ]);
    expect(sd.weight_ih_l0!.shape).toEqual([16, 3]);
    const opt = d.opt as { state: Map<number, Record<string, torch.Tensor>>; param_groups: Record<string, unknown>[] };
    expect(opt.state).toBeInstanceOf(Map);
    expect([...opt.state.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(opt.state.get(0)!.step!.item()).toBe(1);
    expect(opt.param_groups[0]!.betas).toEqual([0.9, 0.999]);
    expect(opt.param_groups[0]!.foreach).toBeNull();
    const t = (k: string) => (d[k] as torch.Tensor).tolist();
    expect(t('x')).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    expect(t('xt')).toEqual([
      [0, 4, 8],
      [1, 5, 9],
      [2, 6, 10],
      [3, 7, 11],
    ]);
    expect(t('row')).toEqual([4, 5, 6, 7]);
    expect(t('col')).toEqual([2, 6, 10]);
    expect((d.d as torch.Tensor).dtype).toBe('float64');
    expect((d.b as torch.Tensor).toArray()).toEqual([1, 0]);
    expect((d.b as torch.Tensor).dtype).toBe('bool');
    expect(t('h')).toEqual([0.25, -3]);
    expect((d.h as torch.Tensor).dtype).toBe('float16');
    expect((d.scalar as torch.Tensor).shape).toEqual([]);
    expect((d.scalar as torch.Tensor).item()).toBe(7);
  });

  it('round-trips its own files', () => {
    const path = join(dir, 'round.pt');
    const a = torch.randn([2, 3]);
    torch.save({ a, list: [1, 'two', 3.5, null, true] }, path);
    const back = torch.load(path) as { a: torch.Tensor; list: unknown[] };
    expect(back.a.toArray()).toEqual(a.toArray());
    expect(back.list).toEqual([1, 'two', 3.5, null, true]);
    // Equal contents give equal files (fixed dates in the zip).
    const again = join(dir, 'round2.pt');
    torch.save({ a, list: [1, 'two', 3.5, null, true] }, again);
    expect(readFileSync(again).equals(readFileSync(path))).toBe(true);
  });

  it('refuses what is not a torch.save file, naming the file and the problem', () => {
    const junk = join(dir, 'junk.pt');
    writeFileSync(junk, 'not a zip');
    expect(() => torch.load(junk)).toThrow(/junk.pt: not a PyTorch file \(not a zip archive/);
    expect(() => torch.load(join(dir, 'missing.pt'))).toThrow(/cannot read .*missing.pt/);
    const truncated = join(dir, 'truncated.pt');
    writeFileSync(truncated, readFileSync(join(dir, 'round.pt')).subarray(0, 200));
    expect(() => torch.load(truncated)).toThrow(/truncated.pt: /);
    const evil = join(dir, 'evil.pt');
    const pkl = Buffer.from('\x80\x02cos\nsystem\nX\x02\x00\x00\x00lsq\x00\x85R.', 'latin1');
    writeFileSync(evil, zipSync({ 'archive/data.pkl': pkl, 'archive/version': new TextEncoder().encode('3\n') }));
    expect(() => torch.load(evil)).toThrow(/evil.pt: refusing to load the Python object os.system/);
    const legacy = join(dir, 'legacy.pt');
    pytorch(`torch.save({'a': torch.zeros(2)}, inp['path'], _use_new_zipfile_serialization=False)\nout(None)`, {
      path: legacy,
    });
    expect(() => torch.load(legacy)).toThrow(/legacy.pt: this is the legacy format/);
  });

  it('loadTensors names the file when it holds something other than a dict of tensors', () => {
    const path = join(dir, 'list.pt');
    torch.save([torch.zeros([1])], path);
    expect(() => torch.loadTensors(path)).toThrow(/list.pt: expected a dict of tensors/);
  });
});
