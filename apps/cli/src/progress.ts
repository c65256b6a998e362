import { SingleBar } from 'cli-progress';
import type { StepEvent } from '@denoise/sampler';

export interface Progress {
  update(event: StepEvent): void;
  stop(): void;
}

/** A bar with steps/sec and ETA on a terminal; on a pipe or in CI, a plain line every tenth of the run. */
export function createProgress(stream: NodeJS.WriteStream, label: string): Progress {
  if (stream.isTTY) {
    const bar = new SingleBar({
      stream,
      format: `${label} {bar} {value}/{total} steps | {rate} steps/s | ETA {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: false,
    });
    let started = false;
    return {
      update(event) {
        if (!started) {
          bar.start(event.total, 0, { rate: '-' });
          started = true;
        }
        bar.update(event.index + 1, { rate: ((event.index + 1) / (event.elapsedMs / 1000)).toFixed(1) });
      },
      stop: () => bar.stop(),
    };
  }
  let nextReport = 0;
  return {
    update(event) {
      const done = event.index + 1;
      if (done < nextReport && done !== event.total) return;
      nextReport = done + Math.max(1, Math.ceil(event.total / 10));
      const rate = done / (event.elapsedMs / 1000);
      const etaSec = (event.total - done) / rate;
      stream.write(`${label} ${done}/${event.total} steps, ${rate.toFixed(1)} steps/s, ETA ${etaSec.toFixed(1)} s\n`);
    },
    stop: () => undefined,
  };
}
