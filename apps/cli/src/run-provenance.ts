import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PNG_TEXT_KEYS } from '@denoise/image';
import { denoiseVersion } from '@denoise/repo-layout';
import type { OpenedModel } from '@denoise/runtime';
import type { SampleCommand } from './sample-command.js';
import type { SchedulerSetup } from './scheduler-setup.js';

/** The provenance every image of a run carries: the model, the sampler and its settings, the seeds, the software. */
export async function runProvenance(
  model: OpenedModel,
  command: SampleCommand,
  setup: SchedulerSetup,
): Promise<Record<string, string>> {
  return {
    [PNG_TEXT_KEYS.model]: command.model,
    [PNG_TEXT_KEYS.modelSha256]: model.sha256,
    ...(model.hub ? { [PNG_TEXT_KEYS.modelRevision]: model.hub.commit } : {}),
    [PNG_TEXT_KEYS.sampler]: setup.sampler,
    [PNG_TEXT_KEYS.steps]: String(setup.steps),
    [PNG_TEXT_KEYS.eta]: String(setup.eta),
    [PNG_TEXT_KEYS.timestepSpacing]: setup.scheduler.config.timestepSpacing,
    [PNG_TEXT_KEYS.generator]: command.generator,
    [PNG_TEXT_KEYS.seed]: String(command.seed),
    ...(command.perImageSeeds ? { [PNG_TEXT_KEYS.seedScheme]: 'per-image' } : {}),
    ...(command.noise ? { [PNG_TEXT_KEYS.noiseSha256]: await sha256Of(command.noise) } : {}),
    [PNG_TEXT_KEYS.executionProvider]: model.executionProvider,
    [PNG_TEXT_KEYS.version]: denoiseVersion(),
    [PNG_TEXT_KEYS.software]: `denoise ${denoiseVersion()}`,
  };
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

