/**
 * The package's subpath exports: `seq2seq-node/eval` and `seq2seq-node/data` are plain TypeScript, and importing
 * them neither loads the addon (nor libtorch) nor changes the process's environment; the main entry does both.
 * Each import runs in a fresh Node process through the package's own name (exports self-reference), on dist/.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const TUNED = [
  'OMP_WAIT_POLICY',
  'OPENBLAS_THREAD_TIMEOUT',
  'OPENBLAS_CORETYPE',
  'TORCH_CPP_LOG_LEVEL',
  'GLOG_minloglevel',
];

interface Effects {
  exports: string[];
  env: Record<string, string | undefined>;
  addonLoaded: boolean;
  libtorchLoaded: boolean;
}

function importInFreshProcess(specifier: string): Effects {
  const script = `
    import { readFileSync } from 'node:fs';
    const module = await import(${JSON.stringify(specifier)});
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const env = Object.fromEntries(${JSON.stringify(TUNED)}.map((k) => [k, process.env[k]]));
    console.log(JSON.stringify({
      exports: Object.keys(module),
      env,
      addonLoaded: maps.includes('seq2seq.node'),
      libtorchLoaded: /libtorch[^/\\n]*\\.so/.test(maps),
    }));`;
  const env = { ...process.env };
  for (const name of TUNED) delete env[name];
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Effects;
}

describe('subpath exports', () => {
  it.each(['seq2seq-node/eval', 'seq2seq-node/data'])('imports %s without loading libtorch', (specifier) => {
    const effects = importInFreshProcess(specifier);
    expect(effects.exports.length).toBeGreaterThan(0);
    expect(effects.addonLoaded).toBe(false);
    expect(effects.libtorchLoaded).toBe(false);
    expect(effects.env).toEqual({});
  });

  it('offers the metrics and the data pipeline under their subpaths', () => {
    expect(importInFreshProcess('seq2seq-node/eval').exports).toEqual(
      expect.arrayContaining(['corpusBleu', 'corpusChrf', 'tokenize13a']),
    );
    expect(importInFreshProcess('seq2seq-node/data').exports).toEqual(
      expect.arrayContaining([
        'readCorpus',
        'toSentence',
        'Vocab',
        'buildDataset',
        'generateDemoCorpus',
        'readMessageCatalog',
        'catalogPairs',
      ]),
    );
  });

  it('loads the addon and tunes the process when the main entry is imported', () => {
    const effects = importInFreshProcess('seq2seq-node');
    expect(effects.addonLoaded).toBe(true);
    expect(effects.libtorchLoaded).toBe(true);
    expect(effects.env.OMP_WAIT_POLICY).toBe('PASSIVE');
    expect(effects.env.OPENBLAS_THREAD_TIMEOUT).toBe('4');
  });
});
