import { CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError } from '@denoise/schedule';
import { ExecutionProviderError, formatGpuAdapter, InsufficientMemoryError, ModelLoadError, listExecutionProviders, webGpuAdapter } from '@denoise/runtime';
import { InputError, SamplingAbortedError } from '@denoise/sampler';
import { NpyFormatError } from '@denoise/image';
import { versionLine } from '@denoise/repo-layout';
import { buildSampleProgram, readSampleCommand } from './sample-command.js';
import { OutputPathError, OutputStaging } from './output-files.js';
import { runSample } from './run-sample.js';
import { InterruptedError, UsageError } from './usage-error.js';

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
/** 128 + the signal number, as a shell reports a process killed by it. */
const EXIT_SIGNAL: Readonly<Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** `denoise sample ARGS`: runs the command and returns its exit code (0 ok, 1 failure, 2 bad input, 128 + signal). */
export async function sampleMain(argv: readonly string[]): Promise<number> {
  const program = buildSampleProgram();
  // `pnpm sample -- --steps 20` passes the `--` through; drop it so that the options are read as options.
  const args = argv[0] === '--' ? argv.slice(1) : argv;
  let command: ReturnType<typeof readSampleCommand>;
  try {
    program.parse([...args], { from: 'user' });
    command = readSampleCommand(program);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    throw error;
  }
  if (command.version) {
    process.stdout.write(`${versionLine()}\n`);
    return EXIT_OK;
  }
  if (command.listProviders) {
    for (const status of await listExecutionProviders()) {
      const adapter = status.usable && status.name === 'webgpu' ? webGpuAdapter() : undefined;
      const usable = adapter ? `usable on ${formatGpuAdapter(adapter)}` : 'usable';
      process.stdout.write(`${status.name.padEnd(7)} ${status.usable ? usable : `not usable: ${status.reason ?? ''}`}\n`);
    }
    return EXIT_OK;
  }
  // SIGINT, SIGTERM and SIGHUP (the terminal closed) alike, at every phase: abort the run (a download at once, keeping
  // its .incomplete file for the next run; the loop within a step; the writes before the next file), remove this
  // run's temporary files and exit 130 / 143 / 129. A second signal exits at once, after the same clean-up.
  const controller = new AbortController();
  const staging = new OutputStaging();
  let received: 'SIGINT' | 'SIGTERM' | 'SIGHUP' | undefined;
  const onSignal = (name: 'SIGINT' | 'SIGTERM' | 'SIGHUP') => {
    if (received !== undefined) {
      staging.discard();
      process.exit(EXIT_SIGNAL[name]);
    }
    received = name;
    controller.abort(new Error(`interrupted (${name})`));
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  const onHup = () => onSignal('SIGHUP');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  try {
    const summary = await runSample(command, process.stderr, controller.signal, staging);
    if (command.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      process.stderr.write(
        `wrote ${summary.files.length} image(s) to ${command.out}${summary.grid ? ` and ${summary.grid}` : ''}` +
          `${summary.npy ? ` and ${summary.npy}` : ''}: ${summary.sampler}-${summary.steps}, ` +
          `${(summary.totalMs / 1000).toFixed(2)} s, ${summary.modelCalls} model calls (${summary.modelCallsPerSec.toFixed(1)}/s) on ${summary.executionProvider}\n`,
      );
    }
    return EXIT_OK;
  } catch (error) {
    staging.discard();
    const usage =
      error instanceof UsageError ||
      error instanceof OutputPathError ||
      error instanceof ConfigError ||
      error instanceof ModelLoadError ||
      error instanceof InsufficientMemoryError ||
      error instanceof ExecutionProviderError ||
      error instanceof NpyFormatError ||
      error instanceof InputError ||
      error instanceof InvalidArgumentError;
    const cancelled = error instanceof SamplingAbortedError || error instanceof InterruptedError;
    process.stderr.write(`denoise sample: ${(error as Error).message}\n`);
    if (!usage && !cancelled && error instanceof Error && error.cause) process.stderr.write(`  cause: ${String(error.cause)}\n`);
    if (cancelled || received !== undefined) return EXIT_SIGNAL[received ?? 'SIGINT'];
    return usage ? EXIT_USAGE : EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  }
}
