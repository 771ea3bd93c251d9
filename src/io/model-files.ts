/**
 * A trained model on disk, in files PyTorch reads and writes:
 *   config.json      sizes and format
 *   src_vocab.json   source words in index order (the notebook's `eng_words`), a JSON array
 *   tgt_vocab.json   target words in index order (`deu_words`)
 *   encoder.pt       `encoder.state_dict()`: embedding.weight, lstm.weight_ih_l0 ... lstm.bias_hh_l{L-1}
 *   decoder.pt       `decoder.state_dict()`: the same plus dense.weight and dense.bias
 *   source.model     subword models: the SentencePiece models of each side (`joint.model` for a joint one), whose
 *   target.model     pieces are the vocabularies' first entries in id order
 * An int8 model (`seq2seq quantize`, io/quantize.ts) says `"quantized": "int8"` in config.json; its LSTM weights
 * and output-layer weight are int8 tensors `name` with float32 row scales `name_scale` (W = name x name_scale[:, None]).
 * The notebook's Encoder and Decoder classes load encoder.pt and decoder.pt with `load_state_dict`; models with
 * attention or a bidirectional encoder load into scripts/reference/attention_model.py's classes, whose extra keys
 * (`attention.*`, `combine.weight`, `lstm.*_reverse`) are listed there.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EOS, SOS } from '../data/tokenize.js';
import { UNK, Vocab } from '../data/vocab.js';
import { SentencePieceModel } from '../tokens/sentencepiece.js';
import { SubwordSegmenter, WORD_SEGMENTERS, type Segmenters, type VocabularyKind } from '../tokens/segmenter.js';
import { ATTENTION_KINDS } from '../model/attention.js';
import { buildModel, checkModelFits, fullSizes, type FullSizes, type ModelSizes } from '../model/architecture.js';
import { tieRefusal, type Decoder } from '../model/decoder.js';
import type { Encoder } from '../model/encoder.js';
import { int8WeightNames, loadInt8State } from '../model/int8.js';
import * as torch from '../torch/index.js';
import { torchFileChunks } from '../torch/pickle/torch-file.js';
import { writeFileAtomic, type FileData } from '../util/atomic.js';
import { readRegularFile } from '../util/files.js';

const FORMAT = 'seq2seq-node/model@2';

export type { ModelSizes } from '../model/architecture.js';

/** A model with what it needs to translate. */
export interface TrainedModel {
  sizes: ModelSizes;
  sourceVocab: Vocab;
  targetVocab: Vocab;
  encoder: Encoder;
  decoder: Decoder;
  /** Where the modules are. */
  device: torch.Device;
  /** An int8 model: decoding runs its LSTM and output-layer products in int8 (model/int8.ts). */
  quantized?: 'int8';
  /** How each side's text becomes tokens; absent: the notebook's lowercased words. */
  segmenters?: Segmenters;
}

/** The segmenters of `model`: its own, or the notebook's words. */
export function segmentersOf(model: Pick<TrainedModel, 'segmenters'>): Segmenters {
  return model.segmenters ?? WORD_SEGMENTERS;
}

/** The files of a model folder. */
export const MODEL_FILES = ['config.json', 'src_vocab.json', 'tgt_vocab.json', 'encoder.pt', 'decoder.pt'] as const;

interface ConfigFile {
  format: string;
  hidden: number;
  embedding: number;
  layers: number;
  /** Absent in files of the notebook's model written before attention existed: none, false, false. */
  attention?: string;
  bidirectional?: boolean;
  input_feed?: boolean;
  /** Present (true) only in models whose decoder embedding is the output layer's weight. */
  tie_embeddings?: boolean;
  src_vocab_size: number;
  tgt_vocab_size: number;
  /** Sources are fed reversed, as Sutskever et al. and the notebook do. */
  reverse_source: true;
  /** Absent in older files: word. */
  vocabulary?: VocabularyKind;
  /** Subword models: each side's SentencePiece file (the same file for a joint model). */
  sentencepiece?: { source: string; target: string };
  /** int8 models only (io/quantize.ts). */
  quantized?: 'int8';
}

/** The two modules' weights in one state dict, keyed `encoder.*` and `decoder.*` (the cross-check files). */
export function jointStateDict(encoder: Encoder, decoder: Decoder): Record<string, torch.Tensor> {
  const state: Record<string, torch.Tensor> = {};
  for (const [name, t] of Object.entries(encoder.stateDict())) state[`encoder.${name}`] = t;
  for (const [name, t] of Object.entries(decoder.stateDict())) state[`decoder.${name}`] = t;
  return state;
}

/** The SentencePiece file names of a subword model: one per side, or one joint file. */
function sentencePieceFiles(segmenters: Segmenters): { source: string; target: string } | undefined {
  const { source, target } = segmenters;
  if (!source.sentencePiece || !target.sentencePiece) {
    if (source.kind !== 'word' || target.kind !== 'word') {
      throw new Error('A model folder holds word or subword vocabularies on both sides, not one of each');
    }
    return undefined;
  }
  return source.sentencePiece === target.sentencePiece
    ? { source: 'joint.model', target: 'joint.model' }
    : { source: 'source.model', target: 'target.model' };
}

/** Writes the model folder's files into `dir` (created if missing), each atomically. */
export function saveModel(dir: string, model: Omit<TrainedModel, 'device'>): void {
  mkdirSync(dir, { recursive: true });
  withOwnWeights(model, (weights) => {
    for (const file of modelFiles(model, weights)) writeFileAtomic(join(dir, file.name), file.data());
  });
}

/**
 * Calls `use` with the modules' state dicts (views of their own parameters, not copies) and frees the views after,
 * so that writing a model leaves no tensor for the garbage collector.
 */
export function withOwnWeights<T>(model: Omit<TrainedModel, 'device'>, use: (weights: ModelWeights) => T): T {
  const weights = { encoder: model.encoder.stateDict(), decoder: model.decoder.stateDict() };
  try {
    return use(weights);
  } finally {
    for (const dict of [weights.encoder, weights.decoder]) for (const t of Object.values(dict)) t.dispose();
  }
}

/** The encoder's and decoder's state dicts a model folder's weight files are written from. */
export interface ModelWeights {
  encoder: torch.nn.StateDict;
  decoder: torch.nn.StateDict;
}

/** One file of a folder to write: its name, and its contents, made when the file is written. */
export interface FileToWrite {
  name: string;
  data: () => FileData;
}

/**
 * The files of a model folder, in the order {@link saveModel} writes them. The texts are made here; the weights'
 * files (of `weights`: the modules' own tensors, or copies of them) when written.
 */
export function modelFiles(model: Omit<TrainedModel, 'device'>, weights: ModelWeights): FileToWrite[] {
  const sizes = fullSizes(model.sizes);
  const segmenters = segmentersOf(model);
  const spm = sentencePieceFiles(segmenters);
  const config: ConfigFile = {
    format: FORMAT,
    hidden: sizes.hidden,
    embedding: sizes.embedding,
    layers: sizes.layers,
    attention: sizes.attention,
    bidirectional: sizes.bidirectional,
    input_feed: sizes.inputFeed,
    ...(sizes.tieEmbeddings ? { tie_embeddings: true } : {}),
    src_vocab_size: model.sourceVocab.size,
    tgt_vocab_size: model.targetVocab.size,
    reverse_source: true,
    vocabulary: spm ? 'subword' : 'word',
    ...(spm ? { sentencepiece: spm } : {}),
  };
  const text = (name: string, data: string): FileToWrite => ({ name, data: () => data });
  const files: FileToWrite[] = [];
  if (spm) {
    const source = segmenters.source.sentencePiece!.bytes();
    files.push({ name: spm.source, data: () => source });
    if (spm.target !== spm.source) {
      const target = segmenters.target.sentencePiece!.bytes();
      files.push({ name: spm.target, data: () => target });
    }
  }
  files.push(
    { name: 'encoder.pt', data: () => torchFileChunks(weights.encoder) },
    { name: 'decoder.pt', data: () => torchFileChunks(weights.decoder) },
    text('src_vocab.json', jsonText(model.sourceVocab.toJSON())),
    text('tgt_vocab.json', jsonText(model.targetVocab.toJSON())),
    text('config.json', `${JSON.stringify(config, null, 2)}\n`),
  );
  return files;
}

/**
 * The model folder behind `dir`: `dir` itself when it holds config.json, else the training folder's `best`
 * checkpoint, else its `last` one (see checkpoint.ts).
 */
export function resolveModelDir(dir: string): string {
  if (existsSync(join(dir, 'config.json'))) return dir;
  for (const link of ['best', 'last']) {
    if (existsSync(join(dir, link, 'config.json'))) return realpathSync(join(dir, link));
  }
  if (!existsSync(dir)) throw new Error(`${dir}: no such folder`);
  throw new Error(`${dir}: not a model folder (no config.json, and no best/ or last/ checkpoint)`);
}

/** Loads a model folder (or a training folder's best checkpoint) onto `device`; errors name the file. */
export function loadModel(dir: string, device: torch.Device = 'cpu'): TrainedModel {
  const folder = resolveModelDir(dir);
  const configPath = join(folder, 'config.json');
  const file = readJson(configPath) as Partial<ConfigFile>;
  if (file.format !== FORMAT) {
    throw new Error(
      `${configPath}: not a seq2seq-node model (expected format ${FORMAT}, found ${String(file.format)})`,
    );
  }
  const sizes = configSizes(file, configPath);
  const { sourceVocab, targetVocab, segmenters } = readVocabularies(folder, file, configPath);
  try {
    checkModelFits(sourceVocab.size, targetVocab.size, sizes);
  } catch (err) {
    throw new Error(`${configPath}: ${(err as Error).message}`);
  }
  const quantized = configQuantized(file, configPath);
  if (quantized && device !== 'cpu') {
    throw new Error(`${configPath}: an int8 model decodes on the CPU only, not on ${device}`);
  }
  const { encoder, decoder } = buildModel(sourceVocab.size, targetVocab.size, sizes);
  if (quantized) {
    loadInt8Weights(encoder, join(folder, 'encoder.pt'), int8WeightNames(encoder));
    loadInt8Weights(decoder, join(folder, 'decoder.pt'), int8WeightNames(decoder, sizes.tieEmbeddings));
  } else {
    loadWeights(encoder, join(folder, 'encoder.pt'));
    loadWeights(decoder, join(folder, 'decoder.pt'));
  }
  encoder.to(device).eval();
  decoder.to(device).eval();
  return {
    sizes,
    sourceVocab,
    targetVocab,
    encoder,
    decoder,
    device,
    ...(segmenters ? { segmenters } : {}),
    ...(quantized ? { quantized } : {}),
  };
}

/** The vocabularies of the model folder `folder` (and its SentencePiece models), without its weights. */
export function readVocabularies(
  folder: string,
  file: Partial<ConfigFile> = readJson(join(folder, 'config.json')) as Partial<ConfigFile>,
  configPath = join(folder, 'config.json'),
): Pick<TrainedModel, 'sourceVocab' | 'targetVocab' | 'segmenters'> {
  const segmenters = readSegmenters(folder, file, configPath);
  const sourceVocab = readVocab(join(folder, 'src_vocab.json'), segmenters?.source.sentencePiece);
  const targetVocab = readVocab(join(folder, 'tgt_vocab.json'), segmenters?.target.sentencePiece);
  return { sourceVocab, targetVocab, ...(segmenters ? { segmenters } : {}) };
}

/** A subword model's SentencePiece segmenters, as config.json names their files; undefined for a word model. */
function readSegmenters(folder: string, file: Partial<ConfigFile>, configPath: string): Segmenters | undefined {
  const vocabulary = file.vocabulary ?? 'word';
  if (vocabulary !== 'word' && vocabulary !== 'subword') {
    throw new Error(`${configPath}: vocabulary must be word or subword, not ${JSON.stringify(vocabulary)}`);
  }
  if (vocabulary === 'word') return undefined;
  const names = file.sentencepiece;
  const isName = (v: unknown): v is string => typeof v === 'string' && /^[\w.-]+\.model$/.test(v);
  if (typeof names !== 'object' || names === null || !isName(names.source) || !isName(names.target)) {
    throw new Error(`${configPath}: a subword model names its SentencePiece files in sentencepiece.source and .target`);
  }
  const source = new SubwordSegmenter(SentencePieceModel.load(join(folder, names.source)));
  const target =
    names.target === names.source ? source : new SubwordSegmenter(SentencePieceModel.load(join(folder, names.target)));
  return { source, target };
}

/** The model's sizes and options from config.json, each checked. */
function configSizes(file: Partial<ConfigFile>, configPath: string): FullSizes {
  const numbers = { hidden: file.hidden, embedding: file.embedding, layers: file.layers };
  for (const [name, value] of Object.entries(numbers)) {
    if (!Number.isSafeInteger(value) || value! < 1)
      throw new Error(`${configPath}: ${name} must be a positive integer`);
  }
  const attention = file.attention ?? 'none';
  if (!(ATTENTION_KINDS as readonly string[]).includes(attention)) {
    throw new Error(`${configPath}: unknown attention ${JSON.stringify(attention)} (${ATTENTION_KINDS.join(', ')})`);
  }
  for (const key of ['bidirectional', 'input_feed', 'tie_embeddings'] as const) {
    if (file[key] !== undefined && typeof file[key] !== 'boolean')
      throw new Error(`${configPath}: ${key} must be true or false`);
  }
  const sizes = fullSizes({
    hidden: numbers.hidden!,
    embedding: numbers.embedding!,
    layers: numbers.layers!,
    attention: attention as ModelSizes['attention'],
    bidirectional: file.bidirectional ?? false,
    ...(file.input_feed !== undefined ? { inputFeed: file.input_feed } : {}),
    ...(file.tie_embeddings ? { tieEmbeddings: true } : {}),
  });
  if (sizes.bidirectional && sizes.hidden % 2 !== 0) {
    throw new Error(`${configPath}: a bidirectional encoder needs an even hidden size, not ${sizes.hidden}`);
  }
  const refusal = sizes.tieEmbeddings ? tieRefusal(sizes.hidden, sizes.embedding, sizes.attention) : undefined;
  if (refusal) throw new Error(`${configPath}: ${refusal}`);
  return sizes;
}

/** config.json's `quantized`: absent for a float model, "int8" for an int8 one. */
export function configQuantized(file: { quantized?: unknown }, configPath: string): 'int8' | undefined {
  if (file.quantized === undefined) return undefined;
  if (file.quantized !== 'int8')
    throw new Error(`${configPath}: quantized must be "int8", not ${JSON.stringify(file.quantized)}`);
  return 'int8';
}

/** Loads an int8 state dict file into `module` (model/int8.ts), naming the file when it does not fit. */
function loadInt8Weights(module: Encoder | Decoder, path: string, names: readonly string[]): void {
  const state = torch.loadTensors(path);
  try {
    module.int8 = loadInt8State(module, state, names);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  } finally {
    for (const t of Object.values(state)) t.dispose();
  }
}

/** Loads a state dict file into `module`, naming the file when keys or shapes do not fit. */
export function loadWeights(module: Encoder | Decoder, path: string): void {
  const state = torch.loadTensors(path);
  try {
    module.loadStateDict(state);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  } finally {
    for (const t of Object.values(state)) t.dispose();
  }
}

/**
 * A vocabulary file: a JSON array of distinct words in index order. A word vocabulary listing `<unk>` maps unknown
 * words to it; a subword vocabulary starts with its SentencePiece model's pieces, in id order, and maps unknown
 * pieces to the model's unknown piece.
 */
export function readVocab(path: string, sentencePiece?: SentencePieceModel): Vocab {
  const words = readJson(path);
  if (!Array.isArray(words) || words.length === 0 || !words.every((w) => typeof w === 'string')) {
    throw new Error(`${path}: expected a JSON array of words in index order`);
  }
  if (new Set(words).size !== words.length) throw new Error(`${path}: a word appears twice`);
  for (const marker of [SOS, EOS]) {
    if (!words.includes(marker))
      throw new Error(`${path}: ${marker} is missing (every sentence starts and ends with it)`);
  }
  if (!sentencePiece) return new Vocab(words as string[], words.includes(UNK) ? { unk: UNK } : {});
  const pieces = sentencePiece.pieces;
  if (words.length < pieces.length || pieces.some((piece, i) => words[i] !== piece)) {
    throw new Error(`${path}: the vocabulary does not list its SentencePiece model's pieces in id order`);
  }
  return new Vocab(words as string[], { unk: pieces[sentencePiece.unkId]! });
}

/** JSON files of a model or run: vocabularies of a million words take tens of MB; beyond this, a mistake. */
const MAX_JSON_BYTES = 256 << 20;

/** A JSON file of a model or training folder: regular files only (a FIFO would block), of bounded size. */
export function readJson(path: string): unknown {
  const text = readRegularFile(path, 'file', MAX_JSON_BYTES).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, jsonText(value));
}

/** What {@link writeJson} writes. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/**
 * Moves a model folder written in `tmp` to `out`: in one rename when `out` is missing or empty, else (a model being
 * replaced, `--force`) file by file, each in one rename, config.json last, so that `out` never holds a new
 * config.json beside old weights.
 */
export function publishModelFolder(tmp: string, out: string): void {
  if (!existsSync(out) || readdirSync(out).length === 0) {
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    return;
  }
  for (const name of readdirSync(tmp).sort((a, b) => Number(a === 'config.json') - Number(b === 'config.json'))) {
    renameSync(join(tmp, name), join(out, name));
  }
  rmSync(tmp, { recursive: true, force: true });
}
