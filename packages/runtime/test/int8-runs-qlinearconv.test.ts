import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { locateDiffusersUNet } from '@denoise/diffusers';
import { buildInt8UNetModel } from '../src/int8-model.js';
import { parseInt8Options } from '../src/int8-options.js';

const FMNIST = fileURLToPath(new URL('../../../fixtures/models/fmnist-unet', import.meta.url));

describe('the int8 graph as onnxruntime runs it', () => {
  it('runs every quantized convolution as one QLinearConv kernel (the QDQ groups are fused)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'denoise-int8-profile-'));
    const { model, int8 } = await buildInt8UNetModel(await locateDiffusersUNet(FMNIST), parseInt8Options({ runs: 1, steps: 2, cacheDir: dir }), {
      sha256: 'test',
      schedulerConfig: { _class_name: 'DDPMScheduler' },
    });
    const session = await ort.InferenceSession.create(model.bytes, {
      intraOpNumThreads: 1,
      logSeverityLevel: 3,
      enableProfiling: true,
      profileFilePrefix: join(dir, 'profile'),
      extra: { session: { model_external_initializers_file_folder_path: model.externalDataFolder! } },
    });
    await session.run({ sample: new ort.Tensor('float32', new Float32Array(32 * 32).fill(0.5), [1, 1, 32, 32]), timestep: new ort.Tensor('float32', Float32Array.of(10), [1]) });
    session.endProfiling();
    await session.release();
    const profile = readdirSync(dir).find((f) => f.startsWith('profile'))!;
    const kernels = (JSON.parse(readFileSync(join(dir, profile), 'utf8')) as { cat?: string; name: string; args?: { op_name?: string } }[]).filter(
      (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'),
    );
    const ran = (op: string) => kernels.filter((e) => e.args?.op_name === op).length;
    expect(ran('QLinearConv')).toBe(int8.quantizedConvs);
    // conv_in and conv_out stay float.
    expect(ran('Conv')).toBe(2);
  });
});
