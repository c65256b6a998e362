import { describe, expect, it } from 'vitest';
import { listExecutionProviders, resolveExecutionProvider } from '../src/execution-provider.js';
import { loadModel } from '../src/load-model.js';
import { ExecutionProviderError } from '../src/model-errors.js';
import { testModel } from './fixtures.js';

describe('execution providers', () => {
  it('lists cpu as usable and every provider with a verdict', async () => {
    const statuses = await listExecutionProviders();
    expect(statuses.map((s) => s.name)).toEqual(['cpu', 'webgpu', 'cuda']);
    expect(statuses.find((s) => s.name === 'cpu')).toMatchObject({ usable: true, bundled: true });
    for (const s of statuses) if (!s.usable) expect(s.reason).toBeTruthy();
  });

  it('fails for a provider that is not usable here, naming the usable ones: never a silent fallback', async () => {
    const statuses = await listExecutionProviders();
    const unusable = statuses.filter((s) => !s.usable);
    const usable = statuses.filter((s) => s.usable).map((s) => s.name).join(', ');
    for (const s of unusable) {
      await expect(loadModel(testModel('closed-form'), { executionProvider: s.name })).rejects.toThrow(
        new RegExp(`'${s.name}' is not usable here .*; usable: ${usable}$`),
      );
    }
    // Not on a GPU machine: CUDA's provider libraries are not installed by the workspace.
    expect(unusable.length + statuses.filter((s) => s.usable).length).toBe(3);
  });

  it("'auto' picks a usable provider and says which", async () => {
    const statuses = await listExecutionProviders();
    const chosen = await resolveExecutionProvider('auto');
    expect(statuses.find((s) => s.name === chosen)?.usable).toBe(true);
  });

  it('rejects an unknown provider name, listing the allowed ones', async () => {
    await expect(resolveExecutionProvider('tpu' as 'cpu')).rejects.toBeInstanceOf(ExecutionProviderError);
    await expect(resolveExecutionProvider('tpu' as 'cpu')).rejects.toThrow(/unknown execution provider 'tpu'; allowed: cpu, webgpu, cuda, auto/);
  });
});
