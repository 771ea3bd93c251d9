/**
 * Attention models to and from PyTorch: a model trained with scripts/reference/attention_model.py's classes is
 * imported (its kind read from the state dicts' keys) and translates 40 sentences as PyTorch's greedy decoding
 * does; exported back, the reference classes load it with load_state_dict (strict) and translate identically.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDemoCorpus } from '../../src/data/demo-grammar.js';
import { toSentence } from '../../src/data/tokenize.js';
import { translateMany, translateWithAttention } from '../../src/decode/translate.js';
import { exportModel, importModel } from '../../src/io/interop.js';
import { loadModel } from '../../src/io/model-files.js';
import { pytorch } from '../helpers/pytorch.js';

const MAX_STEPS = 12;
const text = generateDemoCorpus({ pairs: 200, seed: 13 });
const pairs = text
  .trim()
  .split('\n')
  .map((line) => line.split('\t'))
  .map(([en, de]) => [toSentence(en!), toSentence(de!)] as const);
const sentences = text
  .trim()
  .split('\n')
  .slice(0, 40)
  .map((line) => line.split('\t')[0]!);

const TRAIN_AND_DECODE = `import sys, json, os
sys.path.insert(0, 'scripts/reference')
from attention_model import Encoder, AttentionDecoder, teacher_forced, greedy_decode
torch.manual_seed(0)
cfg = inp['cfg']; d = inp['dir']
pairs = inp['pairs']
eng_words = sorted(set(w for s, _ in pairs for w in s)); deu_words = sorted(set(w for _, t in pairs for w in t))
enc = Encoder(len(eng_words), 32, 16, 2, bidirectional=cfg['bidirectional'])
dec = AttentionDecoder(len(deu_words), 32, 16, 2, cfg['attention'])
if inp['train']:
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=0.01)
    sos = deu_words.index('<sos>')
    for epoch in range(3):
        for s, t in pairs:
            src = torch.tensor([eng_words.index(w) for w in s][::-1]).view(-1, 1)
            tgt = torch.tensor([deu_words.index(w) for w in t]).view(-1, 1)
            inputs = torch.cat([torch.tensor([[sos]]), tgt[:-1]])
            log_probs, _ = teacher_forced(enc, dec, src, torch.tensor([src.size(0)]), inputs)
            loss = torch.nn.functional.nll_loss(log_probs.view(-1, log_probs.size(2)), tgt.view(-1))
            opt.zero_grad(); loss.backward(); opt.step()
    torch.save(enc.state_dict(), os.path.join(d, 'encoder.pt'))
    torch.save(dec.state_dict(), os.path.join(d, 'decoder.pt'))
    json.dump(eng_words, open(os.path.join(d, 'src_vocab.json'), 'w'))
    json.dump(deu_words, open(os.path.join(d, 'tgt_vocab.json'), 'w'))
else:
    eng_words = json.load(open(os.path.join(d, 'src_vocab.json'))); deu_words = json.load(open(os.path.join(d, 'tgt_vocab.json')))
    enc = Encoder(len(eng_words), 32, 16, 2, bidirectional=cfg['bidirectional'])
    dec = AttentionDecoder(len(deu_words), 32, 16, 2, cfg['attention'])
    enc.load_state_dict(torch.load(os.path.join(d, 'encoder.pt'), weights_only=True))
    dec.load_state_dict(torch.load(os.path.join(d, 'decoder.pt'), weights_only=True))
enc.eval(); dec.eval()
outs = []
for s in inp['tests']:
    src = torch.tensor([eng_words.index(w) for w in s][::-1]).view(-1, 1)
    words, weights = greedy_decode(enc, dec, src, torch.tensor([src.size(0)]), deu_words.index('<sos>'), deu_words.index('<eos>'), inp['max_steps'])
    outs.append({'words': [deu_words[i] for i in words[0]], 'weights': weights[0]})
out(outs)`;

const strip = (w: string[]): string[] =>
  w.filter((x, i) => !(i === 0 && x === '<sos>')).filter((x, i, a) => !(i === a.length - 1 && x === '<eos>'));

describe('attention models to and from PyTorch (scripts/reference/attention_model.py)', () => {
  for (const cfg of [
    { attention: 'luong-general', bidirectional: true },
    { attention: 'bahdanau', bidirectional: false },
  ] as const) {
    it(`${cfg.attention}${cfg.bidirectional ? ', bidirectional' : ''}: import, translate as PyTorch does, export back`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'import-attention-'));
      const theirs = pytorch<{ words: string[]; weights: number[][] }[]>(TRAIN_AND_DECODE, {
        cfg,
        dir,
        pairs,
        train: true,
        tests: sentences.map(toSentence),
        max_steps: MAX_STEPS,
      });
      const model = join(dir, 'model');
      const sizes = importModel(
        {
          encoder: join(dir, 'encoder.pt'),
          decoder: join(dir, 'decoder.pt'),
          srcVocab: join(dir, 'src_vocab.json'),
          tgtVocab: join(dir, 'tgt_vocab.json'),
        },
        model,
      );
      expect(sizes).toMatchObject({ hidden: 32, embedding: 16, layers: 2, ...cfg });
      const loaded = loadModel(model);
      expect(await translateMany(loaded, sentences, MAX_STEPS)).toEqual(theirs.map((t) => strip(t.words)));
      expect(new Set(theirs.map((t) => t.words.join(' '))).size).toBeGreaterThan(1);
      // The attention behind each word, in the user's word order (PyTorch's rows are over the reversed source).
      const attended = await translateWithAttention(loaded, sentences.slice(0, 5), MAX_STEPS);
      attended.forEach((a, i) => {
        if (a instanceof Error) throw a;
        expect(a.attention.target).toEqual(theirs[i]!.words);
        const want = theirs[i]!.weights.map((row) => [...row].reverse());
        a.attention.weights.forEach((row, t) =>
          row.forEach((w, s) => expect(Math.abs(w - want[t]![s]!)).toBeLessThanOrEqual(1e-5)),
        );
      });

      const exported = join(dir, 'exported');
      exportModel(model, exported);
      const again = pytorch<{ words: string[] }[]>(TRAIN_AND_DECODE, {
        cfg,
        dir: exported,
        pairs,
        train: false,
        tests: sentences.map(toSentence),
        max_steps: MAX_STEPS,
      });
      expect(again.map((t) => t.words)).toEqual(theirs.map((t) => t.words));
    });
  }
});
