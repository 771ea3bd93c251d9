/**
 * The TypeScript `Addon` type and the loaded addon agree: every declared function exists, and nothing the addon
 * exports is undeclared. ADDON_EXPORTS is proven complete against the type by the compiler (addon-types.ts).
 */
import { describe, expect, it } from 'vitest';
import { native } from '../../src/torch/addon.js';
import { ADDON_EXPORTS, ADDON_TESTING_EXPORTS } from '../../src/torch/addon-types.js';

describe('the addon against its TypeScript type', () => {
  it('exports exactly what Addon declares, each a function but `testing`', () => {
    expect(Object.keys(native).sort()).toEqual([...ADDON_EXPORTS].sort());
    for (const name of ADDON_EXPORTS) {
      expect(typeof native[name], name).toBe(name === 'testing' ? 'object' : 'function');
    }
  });

  it('keeps the test-only entry points under `testing`, exactly as AddonTesting declares them', () => {
    expect(Object.keys(native.testing).sort()).toEqual([...ADDON_TESTING_EXPORTS].sort());
    for (const name of ADDON_TESTING_EXPORTS) expect(typeof native.testing[name], name).toBe('function');
    const lstm = new native.LSTM(2, 3);
    expect('forwardKernel' in lstm).toBe(false);
    expect('stepFused' in new native.Adam(lstm.namedParameters().map(([, p]) => p))).toBe(false);
  });
});
