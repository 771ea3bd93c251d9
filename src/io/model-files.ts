/**
 * A trained model on disk: `config.json` (sizes, vocabularies) and `model.pt` (the weights as a dict of
 * tensors keyed `encoder.*` / `decoder.*`, which Python's torch.load reads). Both are written atomically.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Vocab } from '../data/vocab.js';
import type { ModelConfig } from '../model/config.js';
import { Decoder } from '../model/decoder.js';
import { Encoder } from '../model/encoder.js';
import * as torch from '../torch/index.js';
import { writeFileAtomic } from '../util/atomic.js';

const FORMAT = 'seq2seq-node/notebook@1';

/** A model with what it needs to translate. */
export interface TrainedModel {
  config: ModelConfig;
  sourceVocab: Vocab;
  targetVocab: Vocab;
  encoder: Encoder;
  decoder: Decoder;
}

interface ConfigFile {
  format: string;
  config: ModelConfig;
  src_vocab: string[];
  tgt_vocab: string[];
}

/** The two modules' weights in one state dict, keyed as the cross-check files are. */
export function jointStateDict(encoder: Encoder, decoder: Decoder): Record<string, torch.Tensor> {
  const state: Record<string, torch.Tensor> = {};
  for (const [name, t] of Object.entries(encoder.stateDict())) state[`encoder.${name}`] = t;
  for (const [name, t] of Object.entries(decoder.stateDict())) state[`decoder.${name}`] = t;
  return state;
}

/** Writes `config.json` and `model.pt` into `dir` (created if missing), each file atomically. */
export function saveModel(dir: string, model: TrainedModel): void {
  mkdirSync(dir, { recursive: true });
  const file: ConfigFile = {
    format: FORMAT,
    config: model.config,
    src_vocab: model.sourceVocab.toJSON(),
    tgt_vocab: model.targetVocab.toJSON(),
  };
  torch.save(jointStateDict(model.encoder, model.decoder), join(dir, 'model.pt'));
  writeFileAtomic(join(dir, 'config.json'), `${JSON.stringify(file, null, 2)}\n`);
}

/** Loads a model saved by `saveModel` onto `device`; every failure names the file and what is wrong. */
export function loadModel(dir: string, device: torch.Device = 'cpu'): TrainedModel {
  const configPath = join(dir, 'config.json');
  let file: ConfigFile;
  try {
    file = JSON.parse(readFileSync(configPath, 'utf8')) as ConfigFile;
  } catch (err) {
    throw new Error(`${configPath}: not a model folder (${(err as Error).message.split('\n')[0]})`);
  }
  if (file.format !== FORMAT || !Array.isArray(file.src_vocab) || !Array.isArray(file.tgt_vocab)) {
    throw new Error(`${configPath}: not a seq2seq-node model (expected format ${FORMAT})`);
  }
  const { config } = file;
  const sourceVocab = new Vocab(file.src_vocab);
  const targetVocab = new Vocab(file.tgt_vocab);
  const encoder = new Encoder(sourceVocab.size, config.hidden, config.embedding, config.layers);
  const decoder = new Decoder(targetVocab.size, config.hidden, config.embedding, config.layers);
  const state = torch.load(join(dir, 'model.pt'));
  const part = (prefix: string): Record<string, torch.Tensor> =>
    Object.fromEntries(
      Object.entries(state)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, t]) => [k.slice(prefix.length), t]),
    );
  try {
    encoder.loadStateDict(part('encoder.'));
    decoder.loadStateDict(part('decoder.'));
  } catch (err) {
    throw new Error(`${join(dir, 'model.pt')}: ${(err as Error).message}`);
  }
  for (const t of Object.values(state)) t.dispose();
  encoder.to(device).eval();
  decoder.to(device).eval();
  return { config: { ...config, device }, sourceVocab, targetVocab, encoder, decoder };
}
