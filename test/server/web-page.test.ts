/**
 * The web page (web/) in a real browser, Debian's chromium driven by playwright-core: it describes the model, a
 * typed sentence comes back translated as the library translates it, the n best are listed with their scores, an
 * attention model's heat map has a row per produced token, the server's errors show in the page, the page loads
 * nothing from elsewhere and breaks no rule of its Content-Security-Policy, and a screenshot is not blank.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { translateBeam, translateWithAttention, type Translation } from '../../src/decode/translate.js';
import { loadModel, type TrainedModel } from '../../src/io/model-files.js';
import { train } from '../../src/train/run.js';
import { colourCounts, decodePng } from '../helpers/png.js';
import { createServer } from '../../src/server/server.js';

const CHROMIUM = '/usr/bin/chromium';
const skipped = existsSync(CHROMIUM) ? '' : ` (skipped: ${CHROMIUM} is absent; apt-get install chromium)`;

interface Running {
  url: string;
  close: () => Promise<void>;
}

/** The server under test (`seq2seq serve`'s), listening on a free loopback port. */
async function startServer(model: TrainedModel): Promise<Running> {
  const app = createServer(model);
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${address}/`, close: () => app.close() };
}

const root = mkdtempSync(join(tmpdir(), 'web-page-'));
const corpus = join(root, 'demo.txt');
const text = generateDemoCorpus({ pairs: 300, seed: 7 });
writeFileSync(corpus, text);

async function trainTiny(name: string, attention: 'none' | 'luong-general'): Promise<TrainedModel> {
  const out = join(root, name);
  const sizes = { hidden: 16, embedding: 8, layers: 1, attention };
  await train({ corpus, out, instances: 300, epochs: 2, batchSize: 16, lr: 0.01, threads: 1, ...sizes });
  return loadModel(out);
}

/** The best translation of each text, as the library gives it. */
async function expectedTexts(model: TrainedModel, texts: string[], beam = 1): Promise<string[]> {
  const results = await translateBeam(model, texts, { beam });
  return results.map((result) => (result as Translation[])[0]!.text);
}

describe.skipIf(skipped !== '')(`the web page${skipped}`, () => {
  let browser: Browser;
  let plain: { model: TrainedModel; server: Running };
  let attended: { model: TrainedModel; server: Running };
  /** English sides of corpus lines that both models can translate (no word outside their vocabularies). */
  let sentences: string[];

  beforeAll(async () => {
    const [a, b] = [await trainTiny('plain', 'none'), await trainTiny('attention', 'luong-general')];
    plain = { model: a, server: await startServer(a) };
    attended = { model: b, server: await startServer(b) };
    const candidates = text
      .split('\n')
      .slice(0, 40)
      .map((line) => line.split('\t')[0]!);
    const [ra, rb] = [await translateBeam(a, candidates), await translateBeam(b, candidates)];
    sentences = candidates.filter((_, i) => Array.isArray(ra[i]) && Array.isArray(rb[i]));
    expect(sentences.length).toBeGreaterThanOrEqual(3);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Without these it tries the network (updates, sync); --no-sandbox: as root.
      args: [
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await plain?.server.close();
    await attended?.server.close();
  });

  /**
   * The page of `server`, once it has described the model; `problems` collects console errors and warnings,
   * uncaught exceptions and requests that leave the server.
   */
  async function open(server: Running): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(server.url) && !url.startsWith('data:')) problems.push(`request to ${url}`);
    });
    await page.goto(server.url);
    await page.locator('#translate:not([disabled])').waitFor();
    return { page, problems };
  }

  /** Submits the form (by the button unless told otherwise) and waits until the answer is shown. */
  async function submit(page: Page, how: () => Promise<void> = () => page.click('#translate')): Promise<void> {
    await how();
    await page.locator('#translate:not([disabled])').waitFor();
  }

  it('describes the model, translates typed lines as translateBeam does (button and Ctrl+Enter), is not blank', async () => {
    const { page, problems } = await open(plain.server);
    const description = await page.locator('#model').textContent();
    expect(description).toBe('English → German · word vocabulary · no attention · hidden 16, embedding 8, 1 layer');
    expect(await page.locator('#attention-option').isVisible()).toBe(false);
    const empty = await page.screenshot();

    await page.locator('#source').pressSequentially(sentences[0]!);
    await submit(page);
    expect(await page.locator('.sentence .source').allTextContents()).toEqual([sentences[0]]);
    expect(await page.locator('.translation').allTextContents()).toEqual(
      await expectedTexts(plain.model, [sentences[0]!]),
    );

    // Each line is a sentence; blank lines are left out.
    await page.fill('#source', `${sentences[1]}\n\n${sentences[2]}\n`);
    await submit(page, () => page.press('#source', 'Control+Enter'));
    expect(await page.locator('.sentence .source').allTextContents()).toEqual([sentences[1], sentences[2]]);
    expect(await page.locator('.translation').allTextContents()).toEqual(
      await expectedTexts(plain.model, [sentences[1]!, sentences[2]!]),
    );
    expect(await page.locator('#status').textContent()).toMatch(/^2 sentences translated in \d+ ms$/);

    const shot = await page.screenshot();
    expect(shot.equals(empty)).toBe(false);
    const image = decodePng(shot);
    expect([image.width, image.height]).toEqual([1000, 700]);
    const counts = colourCounts(image);
    const share = counts[0]! / (image.width * image.height);
    // Text in several colours, anti-aliased: many shades, and no single colour covers the page.
    expect(counts.length, `${counts.length} colours, the commonest on ${(100 * share).toFixed(1)}%`).toBeGreaterThan(
      50,
    );
    expect(share).toBeLessThan(0.99);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists the n best with their scores, as translateBeam ranks them', async () => {
    const { page, problems } = await open(plain.server);
    await page.fill('#beam', '4');
    await page.check('#n-best');
    await page.fill('#source', sentences[0]!);
    await submit(page);
    const expected = (await translateBeam(plain.model, [sentences[0]!], { beam: 4, nBest: 4 }))[0] as Translation[];
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('.n-best li').count()).toBe(expected.length);
    expect(await page.locator('.n-best li .text').allTextContents()).toEqual(expected.map((t) => t.text));
    expect(await page.locator('.n-best li .score').allTextContents()).toEqual(
      expected.map((t) => `score ${t.score.toFixed(3)}, log-probability ${t.logProb.toFixed(3)}`),
    );
    expect(await page.locator('.translation').textContent()).toBe(expected[0]!.text);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("draws an attention model's heat map: a row per produced token, a column per source token", async () => {
    const { page, problems } = await open(attended.server);
    expect(await page.locator('#model').textContent()).toMatch(/· luong-general attention ·/);
    await page.check('#attention');
    await page.fill('#source', sentences[0]!);
    await submit(page);
    const [greedy] = await translateWithAttention(attended.model, [sentences[0]!]);
    if (!greedy || !('attention' in greedy)) throw new Error('no attention from the library');
    const { source, target } = greedy.attention;
    const expectMap = async () => {
      expect(await page.locator('svg.attention g.row').count()).toBe(target.length);
      expect(await page.locator('svg.attention g.row > text').allTextContents()).toEqual(target);
      expect(await page.locator('svg.attention g.columns text').allTextContents()).toEqual(source);
      expect(await page.locator('svg.attention rect').count()).toBe(target.length * source.length);
    };
    await expectMap();
    expect(await page.locator('.translation').textContent()).toBe(greedy.text);
    expect(await page.locator('.heatmap figcaption').textContent()).toBe('Attention of this translation');
    const map = decodePng(await page.locator('svg.attention').screenshot());
    expect(colourCounts(map).length).toBeGreaterThan(10);

    // A wider beam translates with it; the heat map still shows the greedy translation, and says so.
    await page.fill('#beam', '3');
    await submit(page);
    expect(await page.locator('.translation').textContent()).toBe(
      (await expectedTexts(attended.model, [sentences[0]!], 3))[0],
    );
    await expectMap();
    expect(await page.locator('.heatmap figcaption').textContent()).toBe(
      'Attention of the greedy translation (beam 1)',
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it("shows the server's error for an over-long sentence, its own for an empty box, and recovers", async () => {
    const { page, problems } = await open(plain.server);
    const info = (await (await fetch(`${plain.server.url}v1/model`)).json()) as { max_chars: number };
    const long = `${sentences[0]} `.repeat(Math.ceil((info.max_chars + 1) / (sentences[0]!.length + 1))).trim();
    expect(long.length).toBeGreaterThan(info.max_chars);
    const refused = await fetch(`${plain.server.url}v1/translate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ q: [long], beam: 1 }),
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    const { error } = (await refused.json()) as { error: string };

    await page.fill('#source', long);
    await submit(page);
    expect(await page.locator('#error').isVisible()).toBe(true);
    expect(await page.locator('#error').textContent()).toBe(error);
    expect(await page.locator('#error').getAttribute('role')).toBe('alert');
    expect(await page.locator('.sentence').count()).toBe(0);

    await page.fill('#source', ' \n\n');
    await submit(page);
    expect(await page.locator('#error').textContent()).toMatch(/^Nothing to translate/);

    await page.fill('#source', sentences[0]!);
    await submit(page);
    expect(await page.locator('#error').isVisible()).toBe(false);
    expect(await page.locator('.translation').allTextContents()).toEqual(
      await expectedTexts(plain.model, [sentences[0]!]),
    );
    // Chromium reports the refused request itself on the console; nothing else may appear there.
    expect(problems.filter((p) => !/status of 4\d\d/.test(p))).toEqual([]);
    await page.close();
  });
});
