/** The README's library training example runs as written (and type-checks), against this build. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';

beforeAll(() => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
});

/** The ```ts block that follows `<!-- readme-example: NAME -->` in README.md. */
function readmeExample(name: string): string {
  const readme = readFileSync('README.md', 'utf8');
  const match = new RegExp(`<!-- readme-example: ${name} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme);
  if (!match) throw new Error(`README.md has no example marked readme-example: ${name}`);
  return match[1]!;
}

it('trains, resumes and translates as the README says, leaving a training folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readme-example-'));
  // The package's name stands for this checkout's build.
  const code = readmeExample('train').replaceAll(`from 'seq2seq-node'`, `from '${resolve('dist/index.js')}'`);
  writeFileSync(join(dir, 'example.mts'), code);
  writeFileSync(join(dir, 'example.mjs'), code);
  const types = spawnSync(
    'npx',
    [
      'tsc',
      '--noEmit',
      '--strict',
      ...['--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck'],
      ...['--types', 'node', '--typeRoots', resolve('node_modules/@types')],
      join(dir, 'example.mts'),
    ],
    { encoding: 'utf8' },
  );
  expect(types.status, types.stdout + types.stderr).toBe(0);

  // Generous: on a 2-core machine busy with other work the example took 150-210 s.
  const run = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toMatch(/^epoch 1: held-out loss \d+\.\d{3}\n/);
  expect(run.stdout).toMatch(/best epoch \d, held-out exact match \d\.\d{3}\n/);
  const folder = join(dir, 'runs', 'lib');
  expect(existsSync(join(folder, 'loss.json')) && existsSync(join(folder, 'loss.png'))).toBe(true);
  const trainer = JSON.parse(readFileSync(join(folder, 'last', 'trainer.json'), 'utf8')) as { epoch: number };
  expect(trainer.epoch).toBe(4);
  expect(run.stdout.trim().split('\n').at(-1)).toMatch(/^\p{L}+( \p{L}+)*$/u); // the translation
}, 400_000);
