import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { toSentence } from '../../src/data/tokenize.js';
import { translateMany } from '../../src/decode/translate.js';
import { exportModel, importModel } from '../../src/io/interop.js';
import { loadModel } from '../../src/io/model-files.js';
import { pytorch } from '../helpers/pytorch.js';

const MAX_STEPS = 12;

// 150 demo pairs as the notebook tokenizes them; 50 of their sources to translate.
const text = generateDemoCorpus({ pairs: 150, seed: 11 });
const pairs = text
  .trim()
  .split('\n')
  .map((line) => line.split('\t'))
  .map(([en, de]) => [toSentence(en!), toSentence(de!)] as const);
const sentences = text
  .trim()
  .split('\n')
  .slice(0, 50)
  .map((line) => line.split('\t')[0]!);

describe('models to and from the notebook’s PyTorch code', () => {
  it('imports a model trained by the notebook in PyTorch and translates the 50 sentences exactly as it does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-'));
    // Trained in PyTorch with the notebook's classes and loop (a short run); vocabularies in Python's set order.
    const expected = pytorch<string[][]>(
      `import sys, json, os
sys.path.insert(0, 'scripts/reference')
from notebook_model import Encoder, Decoder, greedy_decode
torch.manual_seed(0)
pairs = inp['pairs']
eng_words = list(set(w for s, _ in pairs for w in s)); deu_words = list(set(w for _, t in pairs for w in t))
eng_sentences = [[eng_words.index(w) for w in s][::-1] for s, _ in pairs]
deu_sentences = [[deu_words.index(w) for w in t] for _, t in pairs]
encoder = Encoder(len(eng_words), 32, 16, 2); decoder = Decoder(len(deu_words), 32, 16, 2)
encoder_opt = torch.optim.Adam(encoder.parameters(), lr=0.01); decoder_opt = torch.optim.Adam(decoder.parameters(), lr=0.01)
criterion = torch.nn.NLLLoss()
for j in range(len(eng_sentences)):
    source = torch.tensor(eng_sentences[j]).view(-1, 1); target = torch.tensor(deu_sentences[j]).view(-1, 1)
    loss = 0
    h0 = torch.zeros(2, 1, 32); c0 = torch.zeros(2, 1, 32)
    encoder_opt.zero_grad(); decoder_opt.zero_grad()
    for k in range(source.size(0)):
        output, (h0, c0) = encoder(source[k].unsqueeze(0), h0, c0)
    dec_input = torch.tensor([[deu_words.index("<sos>")]])
    for k in range(target.size(0)):
        output, (h0, c0) = decoder(dec_input, h0, c0)
        _, max_idx = output.topk(1)
        dec_input = max_idx.squeeze().detach()
        loss += criterion(output, target[k])
        if dec_input.item() == deu_words.index("<eos>"):
            break
    loss.backward(); encoder_opt.step(); decoder_opt.step()
d = inp['dir']
torch.save(encoder.state_dict(), os.path.join(d, 'encoder.pt'))
torch.save(decoder.state_dict(), os.path.join(d, 'decoder.pt'))
json.dump(eng_words, open(os.path.join(d, 'eng_words.json'), 'w'))
json.dump(deu_words, open(os.path.join(d, 'deu_words.json'), 'w'))
encoder.eval(); decoder.eval()
outs = []
for s in inp['tests']:
    ids = greedy_decode(encoder, decoder, [eng_words.index(w) for w in s][::-1], deu_words, inp['max_steps'])
    outs.append([deu_words[i] for i in ids])
out(outs)`,
      { pairs, tests: sentences.map(toSentence), dir, max_steps: MAX_STEPS },
    );
    const out = join(dir, 'model');
    const sizes = importModel(
      {
        encoder: join(dir, 'encoder.pt'),
        decoder: join(dir, 'decoder.pt'),
        srcVocab: join(dir, 'eng_words.json'),
        tgtVocab: join(dir, 'deu_words.json'),
      },
      out,
    );
    expect(sizes).toEqual({
      hidden: 32,
      embedding: 16,
      layers: 2,
      attention: 'none',
      bidirectional: false,
      inputFeed: false,
    });
    const ours = await translateMany(loadModel(out), sentences, MAX_STEPS);
    const strip = (w: string[]) =>
      w.filter((x, i) => !(i === 0 && x === '<sos>')).filter((x, i, a) => !(i === a.length - 1 && x === '<eos>'));
    expect(ours).toEqual(expected.map(strip));
    expect(new Set(expected.map((e) => e.join(' '))).size).toBeGreaterThan(1); // not one sentence for all

    // A second import into the same folder is refused unless forced.
    const files = {
      encoder: join(dir, 'encoder.pt'),
      decoder: join(dir, 'decoder.pt'),
      srcVocab: join(dir, 'eng_words.json'),
      tgtVocab: join(dir, 'deu_words.json'),
    };
    expect(() => importModel(files, out)).toThrow(/config\.json exists: .*--force/);
    importModel(files, out, { force: true });
    // --force replaces a model of ours, never a user's config.json nor the notebook's files it reads.
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'config.json'), '{"name": "mine"}\n');
    expect(() => importModel(files, project, { force: true })).toThrow(/not a seq2seq-node model's/);
    expect(readFileSync(join(project, 'config.json'), 'utf8')).toBe('{"name": "mine"}\n');
    const notebook = readFileSync(files.encoder);
    expect(() => importModel(files, dir, { force: true })).toThrow(/folder being read/);
    expect(readFileSync(files.encoder)).toEqual(notebook);
  });

  it('exports a model that the notebook’s classes load with load_state_dict and translate identically', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-'));
    const src = join(dir, 'src');
    // A model of this project: imported weights would prove nothing new, so build one from scratch here.
    const { Encoder } = await import('../../src/model/encoder.js');
    const { Decoder } = await import('../../src/model/decoder.js');
    const { Vocab } = await import('../../src/data/vocab.js');
    const { saveModel } = await import('../../src/io/model-files.js');
    const torch = await import('../../src/torch/index.js');
    torch.manualSeed(4);
    const sourceVocab = Vocab.fromSentences(pairs.map(([s]) => s));
    const targetVocab = Vocab.fromSentences(pairs.map(([, t]) => t));
    saveModel(src, {
      sizes: { hidden: 24, embedding: 10, layers: 3 },
      sourceVocab,
      targetVocab,
      encoder: new Encoder(sourceVocab.size, 24, 10, 3),
      decoder: new Decoder(targetVocab.size, 24, 10, 3),
    });
    const out = join(dir, 'exported');
    exportModel(src, out);
    const theirs = pytorch<string[][]>(
      `import sys, json, os
sys.path.insert(0, 'scripts/reference')
from notebook_model import Encoder, Decoder, greedy_decode
d = inp['dir']
eng_words = json.load(open(os.path.join(d, 'src_vocab.json'))); deu_words = json.load(open(os.path.join(d, 'tgt_vocab.json')))
encoder = Encoder(len(eng_words), 24, 10, 3); decoder = Decoder(len(deu_words), 24, 10, 3)
encoder.load_state_dict(torch.load(os.path.join(d, 'encoder.pt'), weights_only=True))
decoder.load_state_dict(torch.load(os.path.join(d, 'decoder.pt'), weights_only=True))
encoder.eval(); decoder.eval()
out([[deu_words[i] for i in greedy_decode(encoder, decoder, [eng_words.index(w) for w in s][::-1], deu_words, inp['max_steps'])] for s in inp['tests']])`,
      { dir: out, tests: sentences.map(toSentence), max_steps: MAX_STEPS },
    );
    const ours = await translateMany(loadModel(src), sentences, MAX_STEPS);
    const strip = (w: string[]) =>
      w.filter((x, i) => !(i === 0 && x === '<sos>')).filter((x, i, a) => !(i === a.length - 1 && x === '<eos>'));
    expect(ours).toEqual(theirs.map(strip));
    expect(() => exportModel(src, out)).toThrow(/encoder.pt exists/);
  });

  it('names the file and the mismatch when the four files do not fit together', () => {
    const dir = mkdtempSync(join(tmpdir(), 'import-bad-'));
    pytorch(
      `import sys, os
sys.path.insert(0, 'scripts/reference')
from notebook_model import Encoder, Decoder
d = inp['dir']
torch.save(Encoder(5, 8, 4, 2).state_dict(), os.path.join(d, 'enc.pt'))
torch.save(Decoder(6, 8, 4, 3).state_dict(), os.path.join(d, 'dec3.pt'))
torch.save(Decoder(6, 8, 4, 2).state_dict(), os.path.join(d, 'dec.pt'))
out(None)`,
      { dir },
    );
    writeFileSync(join(dir, 'src.json'), JSON.stringify(['<sos>', 'a', 'b', 'c', '<eos>']));
    writeFileSync(join(dir, 'tgt.json'), JSON.stringify(['<sos>', 'x', 'y', 'z', 'w', '<eos>']));
    writeFileSync(join(dir, 'short.json'), JSON.stringify(['<sos>', 'x', '<eos>']));
    const files = (over: Record<string, string>) => ({
      encoder: join(dir, 'enc.pt'),
      decoder: join(dir, 'dec.pt'),
      srcVocab: join(dir, 'src.json'),
      tgtVocab: join(dir, 'tgt.json'),
      ...over,
    });
    const out = join(dir, 'out');
    expect(() => importModel(files({ decoder: join(dir, 'dec3.pt') }), out)).toThrow(
      /dec3.pt: layers 3 differs from the encoder's 2/,
    );
    expect(() => importModel(files({ tgtVocab: join(dir, 'short.json') }), out)).toThrow(
      /short.json: 3 words, but the decoder embeds 6/,
    );
    expect(() => importModel(files({ encoder: join(dir, 'dec.pt') }), out)).toThrow(
      /src.json: 5 words, but the encoder embeds 6/,
    );
    expect(() => importModel(files({ encoder: join(dir, 'src.json') }), out)).toThrow(/src.json: not a PyTorch file/);
  });
});
