/** Grad-mode control, like `torch.no_grad()` and `torch.set_grad_enabled()`. */
import { checkBoolean } from '../util/check.js';
import { native } from './addon.js';

/** Runs `fn` with autograd recording off, then restores the previous mode (even if fn throws). */
export function noGrad<T>(fn: () => T): T {
  return withGradEnabled(false, fn);
}

/** Runs `fn` with autograd recording set to `enabled`. `fn` must be synchronous. */
export function withGradEnabled<T>(enabled: boolean, fn: () => T): T {
  checkBoolean('enabled', enabled);
  const previous = native.isGradEnabled();
  native.setGradEnabled(enabled);
  try {
    const result = fn();
    if (result instanceof Promise) throw new TypeError('noGrad() takes a synchronous function');
    return result;
  } finally {
    native.setGradEnabled(previous);
  }
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}
