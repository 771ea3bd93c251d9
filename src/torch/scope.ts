/**
 * Deterministic memory release for hot loops, in the spirit of tfjs's `tidy`: every tensor created while
 * `tidy(fn)` runs is disposed when fn returns, except the tensors fn returns (and those passed to `keep`).
 * The garbage collector remains a safety net for tensors created outside any scope.
 */

/** Anything a scope can release. */
export interface Releasable {
  dispose(): void;
}

const scopes: Set<Releasable>[] = [];

/** @internal Registers a new tensor with the innermost open scope, if any. */
export function track(value: Releasable): void {
  scopes[scopes.length - 1]?.add(value);
}

/** Removes `value` from every open scope, so it outlives them; returns it. */
export function keep<T extends Releasable>(value: T): T {
  for (const scope of scopes) scope.delete(value);
  return value;
}

/** Collects the scope's values that appear in `result` (arrays, plain objects and Maps, searched deeply). */
function reachable(result: unknown, scope: Set<Releasable>): Set<Releasable> {
  const found = new Set<Releasable>();
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (value === null || typeof value !== 'object' || seen.has(value) || depth > 16) return;
    seen.add(value);
    if (scope.has(value as Releasable)) {
      found.add(value as Releasable);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (value instanceof Map) {
      for (const item of value.values()) visit(item, depth + 1);
    } else if (Object.getPrototypeOf(value) === Object.prototype) {
      for (const item of Object.values(value)) visit(item, depth + 1);
    }
  };
  visit(result, 0);
  return found;
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns, which move to the enclosing
 * scope. `fn` must be synchronous: tensors created after an `await` would escape the scope.
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Releasable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const value of scope) value.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const value of scope) value.dispose();
    throw new TypeError('tidy() takes a synchronous function; it received one that returned a Promise');
  }
  const kept = reachable(result, scope);
  const parent = scopes[scopes.length - 1];
  for (const value of scope) {
    if (!kept.has(value)) value.dispose();
    else parent?.add(value);
  }
  return result;
}
