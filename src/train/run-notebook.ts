/**
 * The notebook modes of a run: the notebook's loop op by op (`notebook`) or its per-sentence step in one addon
 * call (`fused`), with a checkpoint and the loss files after every epoch and, for `exportRun`, the run written
 * out for the PyTorch cross-check.
 */
import { exportRunLosses, exportRunStart } from '../io/run-export.js';
import * as torch from '../torch/index.js';
import { trainFused } from './fused.js';
import { trainNotebook, type NotebookLosses } from './notebook.js';
import { stoppedMessage, type RunContext, type RunOutcome } from './run-context.js';
import { checkpointsWritten, saveEpoch, writeLossFiles } from './run-files.js';
import { sampleTranslations } from './validation.js';

/** Trains the run's remaining epochs one sentence at a time, as the notebook does. */
export async function trainNotebookRun(run: RunContext): Promise<RunOutcome> {
  const { options, data, encoder, decoder, say, device, hooks } = run;
  if (run.exportRun) {
    const { instances, epochs, hidden, embedding, layers, lr, seed } = options;
    exportRunStart(run.exportRun, data, encoder, decoder, {
      instances: instances === 'all' ? data.sources.length : instances,
      epochs,
      hidden,
      embedding,
      layers,
      lr,
      seed,
      device,
    });
  }
  let losses: NotebookLosses;
  let started = performance.now();
  try {
    const loop = options.mode === 'fused' ? trainFused : trainNotebook;
    losses = await loop(encoder, decoder, data, {
      epochs: options.epochs,
      lr: options.lr,
      device,
      signal: hooks.signal,
      startEpoch: run.trainer.epoch,
      optimizers: notebookOptimizers(run),
      onProgress: hooks.onProgress
        ? (p) =>
            hooks.onProgress!({ unit: 'sentence', ...p, done: p.sentence, total: p.sentences, sentences: p.sentence })
        : undefined,
      onEpoch: async (epoch, sentenceLosses) => {
        const mean = sentenceLosses.reduce((a, b) => a + b, 0) / sentenceLosses.length;
        const current = sentenceLosses[sentenceLosses.length - 1]!;
        const seconds = (performance.now() - started) / 1000;
        say(
          `epoch ${epoch}/${options.epochs}: current_loss ${current.toFixed(3)}, mean ${mean.toFixed(3)} (${seconds.toFixed(1)} s)`,
        );
        const record = { epoch, train_loss: mean, current_loss: current, seconds };
        await saveEpoch(run, record);
        await writeLossFiles(run);
        await hooks.onEpoch?.(record, run.trainer);
        started = performance.now();
      },
    });
    // What follows says the run is over, its checkpoints in place: the last one's write is waited for first.
    await checkpointsWritten(run);
  } catch (err) {
    if (hooks.signal?.aborted) {
      await checkpointsWritten(run);
      say(stoppedMessage(run));
      return {
        stopped: true,
        earlyStopped: false,
        samples: [],
        losses: { perSentence: [], currentLoss: [], meanLoss: [] },
      };
    }
    throw err;
  }
  if (run.exportRun) exportRunLosses(run.exportRun, losses);
  const samples = await sampleTranslations(run, data.sources.map((_, i) => i).slice(0, run.samples));
  for (const s of samples) say(`  ${s.source}  ->  ${s.translation}`);
  say(`checkpoints, loss.json and loss.png written to ${run.out}`);
  return { stopped: false, earlyStopped: false, samples, losses };
}

/** The run's optimizers as the notebook's loop takes them: Adam (the notebook modes refuse the others). */
function notebookOptimizers(run: RunContext): { encoder: torch.optim.Adam; decoder: torch.optim.Adam } {
  const { encoder, decoder } = run.optimizers;
  if (!(encoder instanceof torch.optim.Adam) || !(decoder instanceof torch.optim.Adam)) {
    throw new Error("the notebook modes train with the notebook's Adam");
  }
  return { encoder, decoder };
}
