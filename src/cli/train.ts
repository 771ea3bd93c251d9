/** `seq2seq train`: the notebook's run from a corpus file to a model folder, loss JSON and loss plot. */
import { join } from 'node:path';
import { formatReport, readCorpus } from '../data/corpus.js';
import { buildDataset, samplePairs } from '../data/dataset.js';
import { EOS, SOS } from '../data/tokenize.js';
import { greedyDecode } from '../decode/greedy.js';
import { displayWords } from '../decode/translate.js';
import { saveModel } from '../io/model-files.js';
import { exportRunLosses, exportRunStart } from '../io/run-export.js';
import { resolveConfig, type ModelConfig } from '../model/config.js';
import { Decoder } from '../model/decoder.js';
import { Encoder } from '../model/encoder.js';
import { writeLossPlot } from '../plot/loss-plot.js';
import * as torch from '../torch/index.js';
import { trainFused } from '../train/fused.js';
import { trainNotebook, type NotebookLosses } from '../train/notebook.js';
import { writeFileAtomic } from '../util/atomic.js';
import { createProgress } from './progress.js';

export interface TrainCommand extends Partial<ModelConfig> {
  corpus: string;
  out: string;
  swap?: boolean;
  exportRun?: string;
  /** `notebook`: the TypeScript mirror, op by op (default); `fused`: each sentence's step in one addon call. */
  mode?: 'notebook' | 'fused';
  /** libtorch intra-op threads; default: every core. */
  threads?: number;
  /** Sample translations printed at the end. */
  samples?: number;
  log?: (line: string) => void;
}

/** Runs the whole notebook and writes DIR/{config.json, model.pt, loss.json, loss.png}. */
export async function runTrain(cmd: TrainCommand): Promise<NotebookLosses> {
  const log = cmd.log ?? ((line: string) => console.log(line));
  const config = resolveConfig(cmd);
  if (cmd.threads !== undefined) torch.setNumThreads(cmd.threads);
  torch.zeros([1], { device: config.device }).dispose(); // an unusable device fails here, before any work

  const corpus = readCorpus(cmd.corpus, { swap: cmd.swap });
  log(formatReport(corpus.report));
  const data = buildDataset(samplePairs(corpus.pairs, config.instances, config.seed));
  log(
    `${config.instances} pairs drawn; vocabularies: ${data.sourceVocab.size} source, ${data.targetVocab.size} target words; ` +
      `longest source ${data.maxSentLen} tokens`,
  );

  torch.manualSeed(config.seed);
  const encoder = new Encoder(data.sourceVocab.size, config.hidden, config.embedding, config.layers).to(config.device);
  const decoder = new Decoder(data.targetVocab.size, config.hidden, config.embedding, config.layers).to(config.device);
  if (cmd.exportRun) exportRunStart(cmd.exportRun, data, encoder, decoder, config);

  const progress = createProgress();
  let losses: NotebookLosses;
  try {
    const train = cmd.mode === 'fused' ? trainFused : trainNotebook;
    losses = await train(encoder, decoder, data, { ...config, onProgress: (p) => progress.update(p) });
  } finally {
    progress.stop();
  }
  if (cmd.exportRun) exportRunLosses(cmd.exportRun, losses);

  saveModel(cmd.out, { config, sourceVocab: data.sourceVocab, targetVocab: data.targetVocab, encoder, decoder });
  const lossJson = { current_loss: losses.currentLoss, mean_loss: losses.meanLoss };
  writeFileAtomic(join(cmd.out, 'loss.json'), `${JSON.stringify(lossJson, null, 2)}\n`);
  await writeLossPlot(join(cmd.out, 'loss.png'), [
    { values: losses.currentLoss, label: 'current_loss (last sentence of the epoch)', color: 'red' },
    { values: losses.meanLoss, label: 'mean sentence loss of the epoch', color: '#1f77b4' },
  ]);
  log(`current_loss per epoch: ${losses.currentLoss.map((l) => l.toFixed(3)).join(' ')}`);
  log(`mean loss per epoch:    ${losses.meanLoss.map((l) => l.toFixed(3)).join(' ')}`);

  const sos = data.targetVocab.index(SOS);
  const eos = data.targetVocab.index(EOS);
  encoder.eval();
  decoder.eval();
  for (let j = 0; j < Math.min(cmd.samples ?? 5, data.sources.length); j++) {
    const src = data.sourceVocab.decode([...data.sources[j]!].reverse()).slice(1, -1);
    const out = greedyDecode(encoder, decoder, data.sources[j]!, {
      sos,
      eos,
      maxLength: data.targets[j]!.length,
      device: config.device,
    });
    const words = displayWords(data.targetVocab.decode(out));
    log(`  ${src.join(' ')}  ->  ${words.join(' ')}`);
  }
  log(`model, loss.json and loss.png written to ${cmd.out}`);
  return losses;
}
