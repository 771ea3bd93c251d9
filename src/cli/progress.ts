/**
 * tqdm-like progress on stderr: two bars (epochs, and the sentences or batches of the current epoch) with rate
 * and time left on a terminal; plain lines every few seconds and at each epoch's end otherwise (logs, CI).
 */
import cliProgress from 'cli-progress';
import type { TrainProgress } from '../train/run-context.js';

/** Where training stands: `done` of `total` steps (sentences or batches) of the epoch; `sentences` is the rate's numerator. */
export type ProgressState = Omit<TrainProgress, 'unit'>;

export interface Progress {
  update(p: ProgressState): void;
  stop(): void;
}

const formatTime = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
};

/** `unit` names what `done`/`total` count: `sentence` (the notebook loops) or `batch`. */
export function createProgress(
  unit: 'sentence' | 'batch' = 'sentence',
  stream: NodeJS.WriteStream = process.stderr,
  plainEverySeconds = 10,
): Progress {
  const start = performance.now();
  let epochStart = start;
  let lastReport = start;
  let lastEpoch = 0;
  let firstEpoch = 0;
  const rate = (p: ProgressState): number => p.sentences / Math.max((performance.now() - epochStart) / 1000, 1e-3);
  // An epoch is taken to start at the previous report (reports come about ten times a second), so that an
  // epoch whose first report is its last still gets a true rate. A resumed run counts from its first epoch.
  const newEpoch = (p: ProgressState): boolean => {
    const now = performance.now();
    const fresh = p.epoch !== lastEpoch;
    if (fresh) {
      epochStart = lastReport;
      lastEpoch = p.epoch;
      if (firstEpoch === 0) firstEpoch = p.epoch;
    }
    lastReport = now;
    return fresh;
  };

  if (stream.isTTY) {
    const multibar = new cliProgress.MultiBar(
      {
        stream,
        clearOnComplete: false,
        hideCursor: true,
        format: '{label} |{bar}| {value}/{total} [{elapsed}<{left}{rate}] {extra}',
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    const blank = { elapsed: '0m00s', left: '?', rate: '', extra: '' };
    let epochs: cliProgress.SingleBar | undefined;
    let steps: cliProgress.SingleBar | undefined;
    return {
      update(p) {
        if (newEpoch(p)) {
          epochs ??= multibar.create(p.epochs, 0, { label: 'epochs   ', ...blank });
          steps?.stop();
          if (steps) multibar.remove(steps);
          steps = multibar.create(p.total, 0, { label: unit === 'batch' ? 'batches  ' : 'sentences', ...blank });
        }
        const r = rate(p);
        const epochElapsed = (performance.now() - epochStart) / 1000;
        steps?.update(p.done, {
          elapsed: formatTime(epochElapsed),
          left: formatTime((epochElapsed / p.done) * (p.total - p.done)),
          rate: `, ${r.toFixed(1)} sent/s`,
          extra: `loss ${p.loss.toFixed(3)}`,
        });
        const done = p.epoch - 1 + p.done / p.total;
        const total = (performance.now() - start) / 1000;
        epochs?.update(p.done === p.total ? p.epoch : p.epoch - 1, {
          elapsed: formatTime(total),
          left: formatTime((total / done) * (p.epochs - done)),
          rate: '',
          extra: '',
        });
      },
      stop() {
        multibar.stop();
      },
    };
  }

  let lastLine = start;
  return {
    update(p) {
      newEpoch(p);
      const now = performance.now();
      const endOfEpoch = p.done === p.total;
      if (!endOfEpoch && now - lastLine < plainEverySeconds * 1000) return;
      lastLine = now;
      const done = p.epoch - firstEpoch + p.done / p.total;
      const total = (now - start) / 1000;
      const left = (total / done) * (p.epochs - (p.epoch - 1 + p.done / p.total));
      stream.write(
        `epoch ${p.epoch}/${p.epochs} ${unit} ${p.done}/${p.total} ${rate(p).toFixed(1)} sent/s ` +
          `loss ${p.loss.toFixed(3)} elapsed ${formatTime(total)} left ${formatTime(left)}\n`,
      );
    },
    stop() {},
  };
}
