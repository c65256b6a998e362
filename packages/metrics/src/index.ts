export type { Features } from './argument-checks.js';
export { featureStatistics, type FeatureStatistics } from './feature-statistics.js';
export { frechetDistance } from './frechet-distance.js';
export {
  kernelInceptionDistance,
  KID_DEFAULTS,
  type KernelInceptionDistance,
  type KernelInceptionDistanceOptions,
} from './kernel-inception-distance.js';
export { Mulberry32 } from './mulberry32.js';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen.js';
export { basicInterval, bootstrapDistances, percentileInterval, type BootstrapDistances, type BootstrapFidMethod, type BootstrapOptions, type BootstrapReference } from './bootstrap-distances.js';
export { frechetDistanceTo, type FrechetToReference } from './prepared-frechet.js';
