/**
 * The learning-rate schedules (src/train/lr-schedule.ts) against PyTorch's schedulers
 * (scripts/reference/lr_schedules.py: ReduceLROnPlateau, LambdaLR): every update's rate over nine epochs of
 * uneven length, within 1e-12 relative (the same formulas; rounding may differ in the last bit). The state
 * goes through JSON between epochs, as it does through trainer.json when a run is resumed.
 */
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  afterEpoch,
  checkScheduleState,
  epochRates,
  initialScheduleState,
  type LrScheduleOptions,
} from '../../src/train/lr-schedule.js';
import { PYTHON } from '../helpers/pytorch.js';

const UPDATES = [7, 8, 5, 9, 6, 7, 1, 8, 4];
// Loss-like: improves, stalls (a gain under the 1e-4 relative threshold counts as none), improves, stalls long.
const LOSSES = [3, 2.5, 2.49999, 2.6, 2.4, 2.4, 2.41, 2.5, 2.45];
const BLEUS = [1, 5, 5.0001, 4, 6, 6, 5.9, 7, 6.5];

const BASE: LrScheduleOptions = {
  schedule: 'constant',
  lr: 0.7,
  decay: 0.5,
  patience: 1,
  minLr: 0,
  warmupSteps: 10,
  decayStart: 3,
  mode: 'min',
};

const CASES: { name: string; options: LrScheduleOptions; measures: number[] }[] = [
  { name: 'plateau on the loss (patience 1)', options: { ...BASE, schedule: 'plateau' }, measures: LOSSES },
  {
    name: 'plateau on BLEU (patience 0, factor 0.1, min_lr 0.001)',
    options: { ...BASE, schedule: 'plateau', mode: 'max', patience: 0, decay: 0.1, minLr: 0.001 },
    measures: BLEUS,
  },
  {
    name: 'step (Sutskever: halving every half epoch after epoch 3)',
    options: { ...BASE, schedule: 'step' },
    measures: LOSSES,
  },
  {
    name: 'step with a floor (min_lr 0.05)',
    options: { ...BASE, schedule: 'step', decayStart: 0, minLr: 0.05 },
    measures: LOSSES,
  },
  {
    name: 'warmup-rsqrt (10 warmup updates)',
    options: { ...BASE, schedule: 'warmup-rsqrt', lr: 0.001 },
    measures: LOSSES,
  },
  {
    name: 'warmup-rsqrt with a floor',
    options: { ...BASE, schedule: 'warmup-rsqrt', warmupSteps: 3, minLr: 0.3 },
    measures: LOSSES,
  },
];

/** Every case's rates from PyTorch, in one Python process (its start is most of the time). */
function reference(): number[][][] {
  const specs = CASES.map(({ options, measures }) => ({ ...options, updates: UPDATES, measures }));
  const r = spawnSync(PYTHON, ['scripts/reference/lr_schedules.py'], {
    input: JSON.stringify(specs),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as number[][][];
}

describe('learning-rate schedules', () => {
  let references: number[][][] = [];
  beforeAll(() => {
    references = reference();
  });

  CASES.forEach(({ name, options, measures }, c) => {
    it(`gives PyTorch's rate at every update: ${name}`, () => {
      const want = references[c]!;
      let state = initialScheduleState(options);
      const got: number[][] = [];
      UPDATES.forEach((updates, e) => {
        const rates = epochRates(options, state, e + 1, updates);
        got.push([...rates]);
        // Through JSON, as trainer.json keeps it between a run and its resumption.
        state = checkScheduleState(
          options,
          JSON.parse(JSON.stringify(afterEpoch(options, state, rates, measures[e]))),
          'test',
        );
      });
      expect(got.map((r) => r.length)).toEqual(want.map((r) => r.length));
      const worst = Math.max(...got.flat().map((x, i) => Math.abs(x - want.flat()[i]!) / want.flat()[i]!));
      expect(worst).toBeLessThanOrEqual(1e-12);
      // The schedule changed the rate at all (the cases are chosen so that it does).
      expect(new Set(got.flat()).size).toBeGreaterThan(1);
      expect(state.step).toBe(UPDATES.reduce((a, b) => a + b));
    });
  });

  it('keeps the base rate with the constant schedule', () => {
    const rates = epochRates(BASE, initialScheduleState(BASE), 4, 3);
    expect([...rates]).toEqual([0.7, 0.7, 0.7]);
  });

  it('refuses a malformed saved state, naming the file', () => {
    const plateau = { ...BASE, schedule: 'plateau' as const };
    expect(() => checkScheduleState(plateau, { step: 1, lr: 0.1 }, 'x/trainer.json')).toThrow(
      /x\/trainer.json: schedule's plateau state is malformed/,
    );
    expect(() => checkScheduleState(BASE, { step: -1, lr: 0.1 }, 'x')).toThrow(/schedule is malformed/);
  });
});
