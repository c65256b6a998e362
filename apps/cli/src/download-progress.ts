import { SingleBar } from 'cli-progress';
import type { DownloadProgress } from '@denoise/hub';

/**
 * Hub downloads as a user sees them: on a terminal one bar per file with size and rate; on a pipe or in CI a
 * plain line when a file starts, every 10 %, and when it is done.
 */
export function createDownloadProgress(stream: NodeJS.WriteStream): (progress: DownloadProgress) => void {
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  let current: { path: string; bar?: SingleBar; started: number; nextTenth: number } | undefined;
  return (progress) => {
    if (current?.path !== progress.path) {
      current?.bar?.stop();
      current = { path: progress.path, started: performance.now(), nextTenth: 1 };
      const resumed = progress.resumedFromBytes > 0 ? `, resuming at ${mib(progress.resumedFromBytes)} MiB` : '';
      if (stream.isTTY) {
        current.bar = new SingleBar({
          stream,
          format: `${progress.path} {bar} {value}/{total} MiB | {rate} MiB/s${resumed}`,
          hideCursor: true,
          clearOnComplete: false,
        });
        current.bar.start(Number(mib(progress.totalBytes)), Number(mib(progress.receivedBytes)), { rate: '-' });
      } else {
        stream.write(`downloading ${progress.path} (${mib(progress.totalBytes)} MiB${resumed})\n`);
      }
    }
    const seconds = (performance.now() - current.started) / 1000;
    const rate = seconds > 0 ? mib((progress.receivedBytes - progress.resumedFromBytes) / seconds) : '-';
    if (current.bar) {
      current.bar.update(Number(mib(progress.receivedBytes)), { rate });
      if (progress.done) current.bar.stop();
      return;
    }
    const fraction = progress.totalBytes > 0 ? progress.receivedBytes / progress.totalBytes : 1;
    if (progress.done) stream.write(`downloaded ${progress.path}: ${mib(progress.receivedBytes)} MiB at ${rate} MiB/s\n`);
    else if (fraction * 10 >= current.nextTenth) {
      current.nextTenth = Math.floor(fraction * 10) + 1;
      stream.write(`  ${progress.path}: ${mib(progress.receivedBytes)}/${mib(progress.totalBytes)} MiB, ${rate} MiB/s\n`);
    }
  };
}
