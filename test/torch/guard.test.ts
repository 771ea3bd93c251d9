/**
 * Objects in use by a background job are guarded (native/binding/job_use.h): while a job uses a module or an
 * optimizer, JS calls that would change or free it throw an Error naming the job instead of racing it. A job that
 * writes (trainEpoch) excludes every other use; jobs that only read (decoding) share. Disposed modules, optimizers
 * and tensors say so when used.
 * A job's marks are cleared on the JS thread when it settles, so synchronous code right after starting a job
 * always sees it running: these tests do not depend on timing.
 */
import { describe, expect, it } from 'vitest';
import { translate, translateMany } from '../../src/decode/translate.js';
import { Vocab } from '../../src/data/vocab.js';
import { Decoder } from '../../src/model/decoder.js';
import { Encoder } from '../../src/model/encoder.js';
import { modelParts } from '../../src/model/parts.js';
import * as torch from '../../src/torch/index.js';
import { native } from '../../src/torch/addon.js';
import type { BatchArrays } from '../../src/torch/addon-types.js';

const VOCAB = 6;
const OPTIONS = { device: 'cpu', sos: 0, eos: 1 };
// Two sentences of three words, row-major [step][sentence].
const TRAIN_BATCH: BatchArrays = {
  source: new Int32Array([2, 3, 4, 5, 3, 2]),
  sourceLengths: new Int32Array([3, 3]),
  target: new Int32Array([2, 3, 4, 5, 1, 1]),
};
const DECODE_BATCH: BatchArrays = {
  source: TRAIN_BATCH.source,
  sourceLengths: TRAIN_BATCH.sourceLengths,
  maxLengths: new Int32Array([4, 4]),
};

function model() {
  const encoder = new Encoder(VOCAB, 8, 4, 2);
  const decoder = new Decoder(VOCAB, 8, 4, 2);
  const encoderOpt = new torch.optim.Adam(encoder.parameters());
  const decoderOpt = new torch.optim.Adam(decoder.parameters());
  return { encoder, decoder, encoderOpt, decoderOpt, parts: modelParts(encoder, decoder, encoderOpt, decoderOpt) };
}

const TRAINING = /is in use by a running trainEpoch job, which writes its parameters: wait for the job/;

describe('objects in use by a background job', () => {
  it('refuses to(), train(), loadStateDict and dispose of a module a training job uses, naming the job', async () => {
    const { encoder, decoder, parts } = model();
    const state = encoder.stateDict();
    const job = native.trainEpoch(parts, [TRAIN_BATCH], OPTIONS);
    expect(() => encoder.lstm.to('float64')).toThrow(/This LSTM is in use by a running trainEpoch job/);
    expect(() => decoder.to('float64')).toThrow(TRAINING);
    expect(() => encoder.train(false)).toThrow(TRAINING);
    expect(() => encoder.loadStateDict(state)).toThrow(TRAINING);
    expect(() => decoder.dense.dispose()).toThrow(/This Linear is in use by a running trainEpoch job/);
    expect(() => encoder.lstm.forward(torch.zeros([3, 1, 4]))).toThrow(TRAINING);
    await job.promise;
    // Free again once the job has settled.
    encoder.loadStateDict(state);
    encoder.train(false);
    expect(encoder.lstm.forward(torch.zeros([3, 1, 4]))[0].shape).toEqual([3, 1, 8]);
    decoder.dense.dispose();
  });

  it("refuses an optimizer's step, zeroGrad, setLr, loadStateDict and dispose during a training job", async () => {
    const { encoderOpt, parts } = model();
    const saved = encoderOpt.stateDict();
    const job = native.trainEpoch(parts, [TRAIN_BATCH], OPTIONS);
    const adam = /This Adam optimizer is in use by a running trainEpoch job/;
    expect(() => encoderOpt.step()).toThrow(adam);
    expect(() => encoderOpt.zeroGrad()).toThrow(adam);
    expect(() => (encoderOpt.lr = 0.1)).toThrow(adam);
    expect(() => encoderOpt.loadStateDict(saved)).toThrow(adam);
    expect(() => encoderOpt.dispose()).toThrow(adam);
    await job.promise;
    encoderOpt.zeroGrad();
    encoderOpt.lr = 0.1;
    expect(encoderOpt.lr).toBe(0.1);
    encoderOpt.dispose();
  });

  it('refuses in-place writes through parameter tensors while their module trains', async () => {
    const { encoder, parts } = model();
    const [, weight] = encoder.namedParameters()[0]!;
    const job = native.trainEpoch(parts, [TRAIN_BATCH], OPTIONS);
    expect(() => weight.copy_(torch.zeros(weight.shape))).toThrow(/This Embedding is in use by a running trainEpoch/);
    expect(() => weight.add_(1)).toThrow(TRAINING);
    // Reading is not refused, and a copy is not the module's.
    const copy = weight.clone();
    copy.add_(1);
    await job.promise;
    torch.noGrad(() => weight.copy_(copy));
    expect(weight.toArray()).toEqual(copy.toArray());
  });

  it('refuses a second training job, and decoding, on a model being trained', async () => {
    const { parts } = model();
    const job = native.trainEpoch(parts, [TRAIN_BATCH], OPTIONS);
    expect(() => native.trainEpoch(parts, [TRAIN_BATCH], OPTIONS)).toThrow(TRAINING);
    expect(() => native.translateBatches(parts, [DECODE_BATCH], OPTIONS)).toThrow(TRAINING);
    expect(() => native.notebookStep(parts, [2, 3], [2, 1], 0, 1, 'cpu')).toThrow(TRAINING);
    await job.promise;
    const next = await native.trainEpoch(parts, [TRAIN_BATCH], OPTIONS).promise;
    expect(next.completed).toBe(1);
  });

  it('lets decoding jobs share a model, and refuses training and changes while they run', async () => {
    const { encoder, parts } = model();
    const first = native.translateBatches(parts, [DECODE_BATCH], OPTIONS);
    const second = native.translateBatches(parts, [DECODE_BATCH], OPTIONS);
    const reading = /is in use by a running translateBatches job: wait for the job/;
    expect(() => native.trainEpoch(parts, [TRAIN_BATCH], OPTIONS)).toThrow(reading);
    expect(() => native.notebookStep(parts, [2, 3], [2, 1], 0, 1, 'cpu')).toThrow(reading);
    expect(() => encoder.to('float64')).toThrow(reading);
    // Reading on the JS thread meanwhile is fine.
    expect(encoder.lstm.forward(torch.zeros([3, 1, 4]))[0].shape).toEqual([3, 1, 8]);
    const [a, b] = await Promise.all([first.promise, second.promise]);
    expect(a).toEqual(b);
    expect((await native.trainEpoch(parts, [TRAIN_BATCH], OPTIONS).promise).completed).toBe(1);
  });

  it('frees the objects of a job that fails', async () => {
    const { encoder, parts } = model();
    const job = native.trainEpoch(parts, [TRAIN_BATCH], OPTIONS, () => {
      throw new Error('stop');
    });
    await expect(job.promise).rejects.toThrow('stop');
    encoder.to('float64');
    expect(encoder.lstm.forward(torch.zeros([3, 1, 4], { dtype: 'float64' }))[0].dtype).toBe('float64');
  });
});

describe('disposed objects', () => {
  it('say so when a disposed module, optimizer or tensor is used', () => {
    const lstm = new torch.nn.LSTM(4, 8);
    const [, weight] = lstm.namedParameters()[0]!;
    lstm.dispose();
    expect(() => lstm.forward(torch.zeros([3, 1, 4]))).toThrow('This LSTM was disposed: it cannot be used');
    expect(() => lstm.to('float64')).toThrow('This LSTM was disposed');
    expect(() => weight.shape).toThrow(/Tensor used after dispose/);
    lstm.dispose(); // twice is harmless
    const adam = new torch.optim.Adam(new torch.nn.Linear(2, 2).parameters());
    adam.dispose();
    expect(() => adam.step()).toThrow('This Adam optimizer was disposed: it cannot be used');
    const t = torch.zeros([2]);
    t.dispose();
    expect(() => t.add(1)).toThrow(/Tensor used after dispose/);
  });

  it('makes translating with a disposed model throw instead of returning translations', async () => {
    const sourceVocab = new Vocab(['<sos>', 'i', 'see', '<eos>']);
    const targetVocab = new Vocab(['<sos>', 'ich', 'sehe', '<eos>']);
    const trained = {
      sizes: { hidden: 8, embedding: 4, layers: 2 },
      device: 'cpu' as const,
      sourceVocab,
      targetVocab,
      encoder: new Encoder(sourceVocab.size, 8, 4, 2),
      decoder: new Decoder(targetVocab.size, 8, 4, 2),
    };
    expect(translate(trained, 'I see', 5).length).toBeLessThanOrEqual(5);
    trained.encoder.dispose();
    expect(() => translate(trained, 'I see', 5)).toThrow(/was disposed: it cannot be used/);
    await expect(translateMany(trained, ['I see'], 5)).rejects.toThrow(/was disposed: it cannot be used/);
  });
});
