/**
 * Whether the golden suite can run the cases of a provider other than the CPU (webgpu) here. Where the
 * provider is not usable, its cases are skipped, saying why, unless DENOISE_EXPECT_WEBGPU=1 says it must be
 * (CI on Debian 12 sets it after installing the Vulkan driver): then they fail.
 */
import { formatGpuAdapter, listExecutionProviders, webGpuAdapter, type ExecutionProviderStatus } from '@denoise/runtime';
import type { GoldenCase, GoldenExecutionProvider } from './golden-manifest.js';

/** Set to 1 where the webgpu provider must be usable: its golden cases then fail instead of skipping. */
export const EXPECT_WEBGPU_ENV = 'DENOISE_EXPECT_WEBGPU';

export type ProviderDecision =
  | { readonly action: 'run'; readonly provider: GoldenExecutionProvider; readonly message: string }
  | { readonly action: 'skip'; readonly provider: GoldenExecutionProvider; readonly message: string }
  | { readonly action: 'fail'; readonly provider: GoldenExecutionProvider; readonly message: string };

/** What to do with the cases of `provider`, given what listExecutionProviders() found and the environment. */
export function decideProvider(
  provider: GoldenExecutionProvider,
  statuses: readonly ExecutionProviderStatus[],
  env: Readonly<Record<string, string | undefined>>,
  adapter?: string,
): ProviderDecision {
  if (provider === 'cpu') return { action: 'run', provider, message: 'cpu' };
  const status = statuses.find((s) => s.name === provider);
  if (status?.usable) return { action: 'run', provider, message: `${provider} is usable${adapter ? `: ${adapter}` : ''}` };
  const why = `the ${provider} provider is not usable here (${status?.reason ?? 'onnxruntime-node does not list it'})`;
  if (env[EXPECT_WEBGPU_ENV] === '1') {
    return {
      action: 'fail',
      provider,
      message: `${why}, but ${EXPECT_WEBGPU_ENV}=1 says it must be: install a Vulkan driver (Mesa's lavapipe serves without a GPU; .ci/run installs it on Debian 12)`,
    };
  }
  return {
    action: 'skip',
    provider,
    message: `skipped: ${why}. Install a Vulkan driver (Mesa's lavapipe serves without a GPU) to run it; ${EXPECT_WEBGPU_ENV}=1 makes this a failure instead.`,
  };
}

/** One decision per provider the cases use; probes the providers only when a case leaves the CPU. */
export async function decideProviders(
  cases: readonly GoldenCase[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ReadonlyMap<GoldenExecutionProvider, ProviderDecision>> {
  const providers = [...new Set(cases.map((c) => c.executionProvider))];
  const statuses = providers.some((p) => p !== 'cpu') ? await listExecutionProviders() : [];
  const adapter = providers.includes('webgpu') ? webGpuAdapter() : undefined;
  return new Map(providers.map((p) => [p, decideProvider(p, statuses, env, p === 'webgpu' && adapter ? formatGpuAdapter(adapter) : undefined)]));
}
