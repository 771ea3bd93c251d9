/**
 * LibreTranslate's API as its clients use it: the two npm clients and curl against a listening server, JSON and
 * form bodies, every refusal as {"error": ...} with LibreTranslate's status, API keys, and the routes mounted as a
 * plugin in an application of one's own.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify, { type FastifyInstance, type InjectOptions } from 'fastify';
import { translate as libreTranslate } from 'libretranslate';
import { Translate } from 'translate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translateBeam, type Translation } from '../../src/decode/translate.js';
import { readApiKeys } from '../../src/server/api-keys.js';
import { createServer, seq2seqRoutes } from '../../src/server/server.js';
import { trainTinyModel, type TinyModel } from './tiny-model.js';

const run = promisify(execFile);

let tiny: TinyModel;
let server: FastifyInstance;
let url: string;

/** What translateBeam gives `text` alone, greedily: what the server must answer. */
async function alone(text: string): Promise<string> {
  const [result] = await translateBeam(tiny.model, [text]);
  return (result as Translation[])[0]!.text;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

beforeAll(async () => {
  tiny = await trainTinyModel(11);
  server = createServer(tiny.model, { maxWait: 5 });
  url = await listen(server);
});

afterAll(async () => {
  await server?.close();
});

describe('the LibreTranslate API', () => {
  it('serves the npm libretranslate client (GET /languages, then POST /translate with source auto)', async () => {
    const [a, b] = tiny.sentences;
    expect(await libreTranslate({ query: a!, target: 'de', apiurl: url })).toBe(await alone(a!));
    expect(await libreTranslate({ query: b!, source: 'en', target: 'de', apiurl: url })).toBe(await alone(b!));
  });

  it("serves franciscop's translate client with engine libre", async () => {
    const translate = Translate({ engine: 'libre', url: `${url}/translate`, from: 'en' } as Parameters<
      typeof Translate
    >[0]);
    const text = tiny.sentences[2]!;
    expect(await translate(text, 'de')).toBe(await alone(text));
    await expect(translate('Hello Paris', 'de')).rejects.toThrow(/unknown words: hello, paris/);
  });

  it('answers curl with a JSON body and with a form body, q repeated in a form giving an array', async () => {
    const [a, b] = tiny.sentences;
    const json = await run('curl', [
      '-sS',
      `${url}/translate`,
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify({ q: a, source: 'en', target: 'de', format: 'text' }),
    ]);
    expect(JSON.parse(json.stdout)).toEqual({ translatedText: await alone(a!) });
    const form = await run('curl', [
      '-sS',
      `${url}/translate`,
      '--data-urlencode',
      `q=${a}`,
      '--data-urlencode',
      `q=${b}`,
      '-d',
      'source=en',
      '-d',
      'target=de',
    ]);
    expect(JSON.parse(form.stdout)).toEqual({ translatedText: [await alone(a!), await alone(b!)] });
    const refused = await run('curl', ['-sS', '-w', '\n%{http_code}', `${url}/translate`, '-d', 'source=en']);
    expect(refused.stdout).toBe('{"error":"Invalid request: missing q parameter"}\n400');
  });

  it('answers an array q with an array in the same order, and reports auto as the detected language', async () => {
    const texts = tiny.sentences.slice(0, 5);
    const res = await server.inject({
      method: 'POST',
      url: '/translate',
      body: { q: texts, source: 'auto', target: 'de' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      translatedText: await Promise.all(texts.map(alone)),
      detectedLanguage: texts.map(() => ({ confidence: 100, language: 'en' })),
    });
  });

  it('gives alternatives from the n-best list, never repeating the translation', async () => {
    const res = await server.inject({
      method: 'POST',
      url: '/translate',
      body: { q: tiny.sentences[0], source: 'en', target: 'de', alternatives: 2 },
    });
    const body = res.json<{ translatedText: string; alternatives: string[] }>();
    expect(res.statusCode).toBe(200);
    expect(body.alternatives.length).toBeLessThanOrEqual(2);
    expect(body.alternatives).not.toContain(body.translatedText);
  });

  it('lists the language pair as LibreTranslate does, and its frontend settings', async () => {
    expect((await server.inject('/languages')).json()).toEqual([
      { code: 'en', name: 'English', targets: ['de'] },
      { code: 'de', name: 'German', targets: [] },
    ]);
    const settings = (await server.inject('/frontend/settings')).json<Record<string, unknown>>();
    expect(settings).toMatchObject({
      charLimit: 1000,
      apiKeys: false,
      keyRequired: false,
      language: { source: { code: 'en', name: 'English' }, target: { code: 'de', name: 'German' } },
    });
    expect((await server.inject('/health')).json()).toEqual({ status: 'ok' });
  });

  const refusals: [string, Partial<InjectOptions>, number, string][] = [
    ['no q', { body: { source: 'en', target: 'de' } }, 400, 'Invalid request: missing q parameter'],
    ['an empty q', { body: { q: '', source: 'en', target: 'de' } }, 400, 'Invalid request: missing q parameter'],
    [
      'a number q',
      { body: { q: 5, source: 'en', target: 'de' } },
      400,
      'Invalid request: q must be a string or an array of strings',
    ],
    [
      'an object q',
      { body: { q: { a: 1 }, source: 'en', target: 'de' } },
      400,
      'Invalid request: q must be a string or an array of strings',
    ],
    [
      'a q with a number in it',
      { body: { q: ['a', 3], source: 'en', target: 'de' } },
      400,
      'Invalid request: q must be a string or an array of strings',
    ],
    ['no source', { body: { q: 'a', target: 'de' } }, 400, 'Invalid request: missing source parameter'],
    ['a number source', { body: { q: 'a', source: 1, target: 'de' } }, 400, 'Invalid request: source must be a string'],
    ['no target', { body: { q: 'a', source: 'en' } }, 400, 'Invalid request: missing target parameter'],
    ['another language', { body: { q: 'a', source: 'fr', target: 'de' } }, 400, 'fr is not supported'],
    ['another target', { body: { q: 'a', source: 'en', target: 'es' } }, 400, 'es is not supported'],
    [
      'the reverse pair',
      { body: { q: 'a', source: 'de', target: 'en' } },
      400,
      'English (en) is not available as a target language from German (de)',
    ],
    ['html', { body: { q: 'a', source: 'en', target: 'de', format: 'html' } }, 400, 'html format is not supported'],
    [
      'bad alternatives',
      { body: { q: 'a', source: 'en', target: 'de', alternatives: 'x' } },
      400,
      'Invalid request: alternatives must be an integer from 0 to 15, not "x"',
    ],
    [
      'words outside the vocabulary',
      { body: { q: 'Hello Paris', source: 'en', target: 'de' } },
      400,
      'cannot translate "Hello Paris": unknown words: hello, paris (not in the model\'s vocabulary)',
    ],
    [
      'a body that is not JSON',
      { payload: '{"q": ', headers: { 'content-type': 'application/json' } },
      400,
      'Invalid JSON format',
    ],
    [
      'a JSON array body',
      { payload: '[1, 2]', headers: { 'content-type': 'application/json' } },
      400,
      'Invalid request: the body must be a JSON object or a form (application/x-www-form-urlencoded)',
    ],
    [
      'a text body',
      { payload: 'q=a', headers: { 'content-type': 'text/plain' } },
      400,
      'Invalid request: the body must be a JSON object or a form (application/x-www-form-urlencoded)',
    ],
    [
      'an XML body',
      { payload: '<q/>', headers: { 'content-type': 'application/xml' } },
      415,
      'Unsupported content type: send application/json or application/x-www-form-urlencoded',
    ],
    [
      'a sentence over --max-chars',
      { body: { q: 'a'.repeat(1001), source: 'en', target: 'de' } },
      413,
      'Text too long: the sentence has more than 1000 characters',
    ],
    [
      'more sentences than --max-sentences',
      { body: { q: Array(65).fill('a'), source: 'en', target: 'de' } },
      413,
      'Too many sentences: 65 in one request, at most 64',
    ],
    [
      'a body over the limit',
      { payload: JSON.stringify({ q: 'a'.repeat(2 << 20) }), headers: { 'content-type': 'application/json' } },
      413,
      'Request body is too large (at most 1048576 bytes)',
    ],
  ];

  it.each(refusals)('refuses %s with {"error": ...}', async (_name, request, status, error) => {
    const res = await server.inject({ method: 'POST', url: '/translate', ...request } as InjectOptions);
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ error: error });
  });

  it('answers pages of other origins with cors, as LibreTranslate does, and not without', async () => {
    const open = createServer(tiny.model, { cors: true });
    const preflight = await open.inject({ method: 'OPTIONS', url: '/translate' });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-headers']).toBe('Authorization, Content-Type');
    const res = await open.inject({ method: 'POST', url: '/translate', body: { source: 'en', target: 'de' } });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    await open.close();
    expect((await server.inject('/languages')).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers unknown routes with 404 and the same shape', async () => {
    const res = await server.inject('/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'Not found: GET /nope' });
  });
});

describe('API keys', () => {
  let keyed: FastifyInstance;
  let keyedUrl: string;
  const body = () => ({ q: tiny.sentences[0]!, source: 'en', target: 'de' });

  beforeAll(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'serve-keys-')), 'keys.txt');
    writeFileSync(file, '# issued 2026-12-01\nk1\n\n  k2  \n');
    const keys = readApiKeys(file);
    expect(keys).toEqual(['k1', 'k2']);
    keyed = createServer(tiny.model, { apiKeys: keys });
    keyedUrl = await listen(keyed);
  });

  afterAll(async () => {
    await keyed?.close();
  });

  it('refuses translation without a key or with a wrong one (403), and lists languages to anyone', async () => {
    const none = await keyed.inject({ method: 'POST', url: '/translate', body: body() });
    expect(none.statusCode).toBe(403);
    expect(none.json()).toEqual({ error: 'Invalid request: this server requires an API key (api_key)' });
    const wrong = await keyed.inject({ method: 'POST', url: '/translate', body: { ...body(), api_key: 'k3' } });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json()).toEqual({ error: 'Invalid API key' });
    const native = await keyed.inject({ method: 'POST', url: '/v1/translate', body: { q: body().q } });
    expect(native.statusCode).toBe(403);
    expect((await keyed.inject('/languages')).statusCode).toBe(200);
    expect((await keyed.inject('/frontend/settings')).json()).toMatchObject({ apiKeys: true, keyRequired: true });
  });

  it('accepts api_key in JSON and in a form, apiKey, and Authorization: Bearer', async () => {
    const text = body().q;
    const expected = await alone(text);
    const inJson = await keyed.inject({ method: 'POST', url: '/translate', body: { ...body(), api_key: 'k1' } });
    expect(inJson.json()).toEqual({ translatedText: expected });
    const inForm = await keyed.inject({
      method: 'POST',
      url: '/translate',
      payload: new URLSearchParams({ ...body(), api_key: 'k2' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(inForm.json()).toEqual({ translatedText: expected });
    const bearer = await keyed.inject({
      method: 'POST',
      url: '/v1/translate',
      body: { q: text },
      headers: { authorization: 'Bearer k2' },
    });
    expect(bearer.statusCode).toBe(200);
    expect(await libreTranslate({ query: text, source: 'en', target: 'de', apiurl: keyedUrl, apiKey: 'k2' })).toBe(
      expected,
    );
  });

  it('refuses a key file with no keys, naming it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'serve-keys-')), 'empty.txt');
    writeFileSync(file, '# none yet\n\n');
    expect(() => readApiKeys(file)).toThrow(`API key file ${file} lists no keys (one key a line)`);
  });
});

describe('seq2seqRoutes', () => {
  it('mounts the routes in an application of one’s own, under a prefix, leaving its other routes alone', async () => {
    const app = Fastify();
    app.get('/', async () => ({ mine: true }));
    await app.register(seq2seqRoutes, { model: tiny.model, prefix: '/mt', maxWait: 0 });
    const text = tiny.sentences[0]!;
    const res = await app.inject({
      method: 'POST',
      url: '/mt/translate',
      body: { q: text, source: 'en', target: 'de' },
    });
    expect(res.json()).toEqual({ translatedText: await alone(text) });
    expect((await app.inject('/')).json()).toEqual({ mine: true });
    expect((await app.inject('/mt/v1/model')).json()).toMatchObject({ source: 'en', target: 'de' });
    expect((await app.inject('/mt/metrics')).body).toMatch(
      /seq2seq_http_requests_total\{method="POST",route="\/mt\/translate",status="200"\} 1/,
    );
    await app.close();
  });

  it('refuses bad options when the plugin loads, naming them', async () => {
    const app = Fastify();
    app.register(seq2seqRoutes, { model: tiny.model, maxBatch: 0 });
    await expect(app.ready()).rejects.toThrow(
      'Expected an integer between 1 and 4096 for maxBatch but received 0 of type number',
    );
    expect(() => createServer(tiny.model, { source: 'en', target: 'en' })).toThrow(
      'source and target must be different languages, not both en',
    );
    expect(() => createServer({} as never)).toThrow(/for model/);
  });
});
