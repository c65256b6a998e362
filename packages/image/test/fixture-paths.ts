/** Paths of the committed fixtures the tests read (made by tools/make-npy-fixtures/make.py). */
import { fileURLToPath } from 'node:url';

export const NPY_FIXTURES = fileURLToPath(new URL('../../../fixtures/npy/', import.meta.url));
export const IMAGE_FIXTURES = fileURLToPath(new URL('../../../fixtures/images/', import.meta.url));
