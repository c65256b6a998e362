import { describe, expect, it } from 'vitest';
import { assertWeightsFitMemory, InsufficientMemoryError } from '../src/index.js';

/**
 * A pipeline whose float32 weights cannot fit in free memory is refused before any session is created, naming each
 * component's share. SDXL base's parameter counts (UNet 2,567,463,684; text encoders 123,060,480 and 694,659,840;
 * VAE decoder 49,490,199): 12.8 GiB in float32, whatever precision its files hold.
 */
const SDXL = [
  { name: 'unet', parameters: 2_567_463_684 },
  { name: 'text_encoder', parameters: 123_060_480 },
  { name: 'text_encoder_2', parameters: 694_659_840 },
  { name: 'vae', parameters: 49_490_199 },
];
const GiB = 2 ** 30;

describe('assertWeightsFitMemory', () => {
  it('refuses SDXL with 8 GiB free, naming the total, each component and what is free', () => {
    let error: unknown;
    try {
      assertWeightsFitMemory('/models/sdxl', SDXL, 8 * GiB);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InsufficientMemoryError);
    expect((error as Error).message).toBe(
      '/models/sdxl: its weights need at least 12.8 GiB of memory in float32 (unet 9.6 GiB, text_encoder 0.46 GiB, text_encoder_2 2.6 GiB, vae 0.18 GiB), but 8.0 GiB is free; ' +
        'denoise computes in float32 whatever precision the files hold, so a machine (or a moment) with more free memory is needed',
    );
  });

  it('lets it load with 16 GiB free, and is exact at the boundary', () => {
    expect(() => assertWeightsFitMemory('/models/sdxl', SDXL, 16 * GiB)).not.toThrow();
    const bytes = 4 * SDXL.reduce((sum, c) => sum + c.parameters, 0);
    expect(() => assertWeightsFitMemory('/models/sdxl', SDXL, bytes)).not.toThrow();
    expect(() => assertWeightsFitMemory('/models/sdxl', SDXL, bytes - 1)).toThrow(InsufficientMemoryError);
  });
});
