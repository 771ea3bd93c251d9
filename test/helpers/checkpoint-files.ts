import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files of a run's checkpoint (`last` by default), by name: bytes, and trainer.json parsed without the epochs'
 * wall-clock seconds (the one thing two runs of the same training legitimately differ in).
 */
export function checkpointFiles(dir: string, checkpoint = 'last'): Map<string, unknown> {
  const files = new Map<string, unknown>();
  const folder = join(dir, checkpoint);
  for (const name of readdirSync(folder).sort()) {
    const bytes = readFileSync(join(folder, name));
    if (name !== 'trainer.json') files.set(name, bytes);
    else {
      const trainer = JSON.parse(bytes.toString()) as { history: { seconds?: number }[] };
      for (const epoch of trainer.history) delete epoch.seconds;
      files.set(name, trainer);
    }
  }
  return files;
}
