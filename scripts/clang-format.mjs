// Checks (--check) or rewrites (--fix) the C++ sources with clang-format and the repository's .clang-format.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

// native/ and its layers (binding/, seq2seq/, kernels/, distributed/).
const files = readdirSync('native', { recursive: true, encoding: 'utf8' })
  .filter((f) => /\.(cc|h)$/.test(f))
  .map((f) => join('native', f))
  .sort();
const fix = process.argv.includes('--fix');
const args = fix ? ['-i', ...files] : ['--dry-run', '--Werror', ...files];
const result = spawnSync('clang-format', args, { stdio: 'inherit' });
if (result.error) {
  console.error('clang-format is missing: apt-get install clang-format');
  process.exit(1);
}
process.exit(result.status ?? 1);
