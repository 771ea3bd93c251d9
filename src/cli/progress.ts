/**
 * tqdm-like progress on stderr: two bars (epochs, sentences) with rate and time left on a terminal, plain
 * lines every few seconds and at each epoch's end otherwise (logs, CI).
 */
import cliProgress from 'cli-progress';
import type { NotebookProgress } from '../train/notebook.js';

export interface Progress {
  update(p: NotebookProgress): void;
  stop(): void;
}

const formatTime = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const [h, m] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60)];
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
};

export function createProgress(stream: NodeJS.WriteStream = process.stderr, plainEverySeconds = 10): Progress {
  const start = performance.now();
  let epochStart = start;
  let lastEpoch = 0;
  const rate = (p: NotebookProgress): number => p.sentence / ((performance.now() - epochStart) / 1000);

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
    let epochs: cliProgress.SingleBar | undefined;
    let sentences: cliProgress.SingleBar | undefined;
    return {
      update(p) {
        if (p.epoch !== lastEpoch) {
          epochStart = performance.now();
          lastEpoch = p.epoch;
          epochs ??= multibar.create(p.epochs, 0, {
            label: 'epochs   ',
            elapsed: '0m00s',
            left: '?',
            rate: '',
            extra: '',
          });
          sentences?.stop();
          if (sentences) multibar.remove(sentences);
          sentences = multibar.create(p.sentences, 0, {
            label: 'sentences',
            elapsed: '0m00s',
            left: '?',
            rate: '',
            extra: '',
          });
        }
        const r = rate(p);
        sentences?.update(p.sentence, {
          elapsed: formatTime((performance.now() - epochStart) / 1000),
          left: formatTime((p.sentences - p.sentence) / r),
          rate: `, ${r.toFixed(1)} sent/s`,
          extra: `loss ${p.loss.toFixed(3)}`,
        });
        const done = p.epoch - 1 + p.sentence / p.sentences;
        const total = (performance.now() - start) / 1000;
        epochs?.update(p.sentence === p.sentences ? p.epoch : p.epoch - 1, {
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
      if (p.epoch !== lastEpoch) {
        epochStart = performance.now();
        lastEpoch = p.epoch;
      }
      const now = performance.now();
      const endOfEpoch = p.sentence === p.sentences;
      if (!endOfEpoch && now - lastLine < plainEverySeconds * 1000) return;
      lastLine = now;
      const r = rate(p);
      const done = p.epoch - 1 + p.sentence / p.sentences;
      const total = (now - start) / 1000;
      stream.write(
        `epoch ${p.epoch}/${p.epochs} sentence ${p.sentence}/${p.sentences} ${r.toFixed(1)} sent/s ` +
          `loss ${p.loss.toFixed(3)} elapsed ${formatTime(total)} left ${formatTime((total / done) * (p.epochs - done))}\n`,
      );
    },
    stop() {},
  };
}
