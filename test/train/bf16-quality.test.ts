/**
 * `--precision bf16` does not cost quality: on real sentence pairs (a tenth of the machine's German message
 * catalogs, as the subword tests take them), the held-out loss after the same epochs from the same start is within
 * 2% of float32's. Skipped on CPUs without AVX-512 BF16 or AMX, and where the catalogs are missing.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogCorpusText, catalogPairs } from '../../src/data/catalog-corpus.js';
import { listMessageCatalogs } from '../../src/data/message-catalog.js';
import * as torch from '../../src/torch/index.js';
import { train } from '../../src/train/run.js';
import type { TrainOptions } from '../../src/train/run-options.js';

const CATALOGS = '/usr/share/locale/de/LC_MESSAGES';
const hasCatalogs = existsSync(CATALOGS) && listMessageCatalogs(CATALOGS).length > 10;
const bf16 = torch.buildInfo().cpuBf16 !== 'none';

describe.skipIf(!hasCatalogs || !bf16)('bf16 training on real text', () => {
  it('reaches a held-out loss within 2% of float32 after the same 3 epochs', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bf16-quality-'));
    const corpus = join(root, 'catalogs.txt');
    const { pairs } = catalogPairs(listMessageCatalogs(CATALOGS));
    writeFileSync(corpus, catalogCorpusText(pairs.filter((_, i) => i % 10 === 0)));
    const options: TrainOptions = {
      corpus,
      instances: 'all',
      maxVocab: 2000,
      attention: 'luong-general',
      hidden: 64,
      embedding: 32,
      layers: 2,
      lr: 0.003,
      batchSize: 32,
      maxLength: 30,
      validFraction: 0.05,
      threads: 1,
      samples: 0,
      epochs: 3,
    };
    const [fp32, half] = [
      await train({ ...options, out: join(root, 'fp32') }),
      await train({ ...options, out: join(root, 'bf16'), precision: 'bf16' }),
    ];
    const loss = (r: typeof fp32) => r.history.at(-1)!.valid_loss!;
    const gap = Math.abs(loss(half) - loss(fp32)) / loss(fp32);
    console.log(
      `held-out loss: float32 ${loss(fp32).toFixed(4)}, bf16 ${loss(half).toFixed(4)} (${(gap * 100).toFixed(2)}%)`,
    );
    // Both learned: the last epoch's held-out loss is below the first's.
    for (const r of [fp32, half]) expect(loss(r)).toBeLessThan(r.history[0]!.valid_loss!);
    expect(gap).toBeLessThan(0.02);
  }, 600_000);
});
