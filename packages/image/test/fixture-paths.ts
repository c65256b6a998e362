/** Paths of the committed fixtures the tests read (made by tools/denoise_tools/make_npy_fixtures/make.py). */
import { fileURLToPath } from 'node:url';

export const NPY_FIXTURES = fileURLToPath(new URL('../../../fixtures/npy/', import.meta.url));
export const IMAGE_FIXTURES = fileURLToPath(new URL('../../../fixtures/images/', import.meta.url));
/** Made by tools/denoise_tools/make_npz_fixtures/make.py (np.savez, np.savez_compressed). */
export const NPZ_FIXTURES = fileURLToPath(new URL('../../../fixtures/fid-stats/', import.meta.url));
/** Made by tools/denoise_tools/make_fid_input_fixtures/make.py from the fid-inception reference. */
export const FID_FIXTURES = fileURLToPath(new URL('../../../fixtures/fid-inception/', import.meta.url));
