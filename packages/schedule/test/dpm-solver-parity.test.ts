import { describe, expect, it } from 'vitest';
import { DPMSolverMultistepScheduler } from '../src/dpm-solver-multistep-scheduler.js';
import { describeSamplerParity, loadSamplerReference } from './sampler-parity.js';

const ref = loadSamplerReference('dpmsolver_multistep.json.gz');

describeSamplerParity(ref, (config) => DPMSolverMultistepScheduler.fromConfig(config), {});
