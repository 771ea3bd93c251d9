/**
 * `seq2seq serve` as a process: it starts on a model folder, answers, logs one JSON line per request, and on
 * SIGTERM answers the request in flight before it exits 0; a folder without a model, a port in use and bad flags
 * end in one `seq2seq: ` line and exit 1 or 2.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { translateBeam, type Translation } from '../../src/decode/translate.js';
import { trainTinyModel, type TinyModel } from './tiny-model.js';

let tiny: TinyModel;

// The command line runs from dist/; rebuilt here so that the test sees this source.
beforeAll(async () => {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
  tiny = await trainTinyModel(14);
});

const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 60_000 });

interface Running {
  child: ChildProcess;
  port: number;
  stdout: () => string;
  stderr: () => string;
}

/** Starts `seq2seq serve` on the tiny model and any free port; resolves once it listens. */
async function serve(...args: string[]): Promise<Running> {
  const child = spawn(process.execPath, ['dist/cli/main.js', 'serve', '--model', tiny.dir, '--port', '0', ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const listening = /at http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, port, stdout: () => stdout, stderr: () => stderr };
}

/** One line on stderr starting `seq2seq: ` and matching `pattern`, and exit code `code`. */
function expectOneLine(result: ReturnType<typeof cli>, pattern: RegExp, code: number): void {
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^seq2seq: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.status).toBe(code);
}

describe('seq2seq serve', () => {
  it('serves, logs one JSON line per request, and on SIGTERM answers the request in flight, then exits 0', async () => {
    const server = await serve('--max-wait', '1500');
    const base = `http://127.0.0.1:${server.port}`;
    expect(server.stderr()).toMatch(
      /^serving .+ \(word model, hidden 16, embedding 8, 1 layers, en -> de\) at http:\/\/127\.0\.0\.1:\d+\n$/,
    );
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    const text = tiny.sentences[0]!;
    // Waits 1.5 s in the queue for company: in flight when SIGTERM comes.
    const inFlight = fetch(`${base}/translate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ q: text, source: 'en', target: 'de' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = once(server.child, 'exit');
    server.child.kill('SIGTERM');
    const res = await inFlight;
    expect(res.status).toBe(200);
    const [alone] = (await translateBeam(tiny.model, [text])) as Translation[][];
    expect(await res.json()).toEqual({ translatedText: alone![0]!.text });
    const [code] = await exited;
    expect(code, server.stderr()).toBe(0);
    expect(server.stderr()).toMatch(/SIGTERM: no new requests; answering those in flight, then stopping/);
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    const lines = server
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.method, l.url, l.status])).toEqual([
      ['GET', '/health', 200],
      ['POST', '/translate', 200],
    ]);
    expect(typeof requests[1]!.ms).toBe('number');
  });

  it('refuses a folder that holds no model: one line, exit 1', () => {
    expectOneLine(cli('serve', '--model', '/nonexistent/model'), /^seq2seq: \/nonexistent\/model: no such folder$/, 1);
  });

  it('refuses a port in use: one line, exit 1', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = spawnSync(
        process.execPath,
        ['dist/cli/main.js', 'serve', '--model', tiny.dir, '--port', String(port)],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expectOneLine(result, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use$`), 1);
    } finally {
      blocker.close();
    }
  });

  it('refuses bad flags with one line and exit 2, and a missing key file with exit 1', () => {
    expectOneLine(cli('serve', '--model', tiny.dir, '--max-batch', '0'), /--max-batch.*expected an integer from 1/, 2);
    expectOneLine(
      cli('serve', '--model', tiny.dir, '--port', '70000'),
      /--port.*expected an integer from 0 to 65535/,
      2,
    );
    expectOneLine(
      cli('serve', '--model', tiny.dir, '--beam', '20', '--beam-max', '8'),
      /--beam 20 is wider than --beam-max 8/,
      2,
    );
    expectOneLine(cli('serve', '--model', tiny.dir, '--target', 'en'), /--source and --target must be different/, 2);
    expectOneLine(
      cli('serve', '--model', tiny.dir, '--source', 'e n'),
      /expected a language code such as en or pt-BR/,
      2,
    );
    expectOneLine(cli('serve', '--model', tiny.dir, '--timeout', '0'), /--timeout.*expected a positive number/, 2);
    expectOneLine(
      cli('serve', '--model', tiny.dir, '--api-keys', '/nonexistent/keys.txt'),
      /^seq2seq: cannot read API key file \/nonexistent\/keys\.txt: no such file$/,
      1,
    );
  });
});
