/**
 * How much memory this process may use: the cgroup's limit when one is set (containers, CI, systemd units),
 * else the machine's physical memory. Work whose estimate exceeds it is refused up front with both figures,
 * instead of meeting the kernel's OOM killer halfway through.
 */
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

/** The memory a process may use, and where the figure comes from. */
export interface MemoryLimit {
  bytes: number;
  source: 'cgroup limit' | 'physical memory';
}

/** The cgroup v2 (`memory.max`) or v1 (`memory.limit_in_bytes`) limit of this process, if it is lower than RAM. */
export function memoryLimit(): MemoryLimit {
  const physical = totalmem();
  for (const path of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch {
      continue;
    }
    const limit = Number(text);
    if (/^\d+$/.test(text) && limit > 0 && limit < physical) return { bytes: limit, source: 'cgroup limit' };
  }
  return { bytes: physical, source: 'physical memory' };
}

/** `1.5 GiB`, `320 MiB`, `12 KiB`, `7 bytes`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * Throws when `bytes` cannot fit in `share` of the memory this process may use: "`what` needs about 75 GiB,
 * more than the 21.6 GiB it may use (90% of the 24 GiB of physical memory)".
 */
export function checkFits(what: string, bytes: number, share = 1): void {
  const limit = memoryLimit();
  if (!(bytes <= limit.bytes * share)) {
    const of = `${formatBytes(limit.bytes)} of ${limit.source}`;
    throw new RangeError(
      `${what} needs about ${formatBytes(bytes)}, more than ` +
        (share < 1
          ? `the ${formatBytes(limit.bytes * share)} it may use (${Math.round(share * 100)}% of the ${of})`
          : `the ${of}`),
    );
  }
}
