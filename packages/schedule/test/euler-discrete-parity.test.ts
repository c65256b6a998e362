import { describe, expect, it } from 'vitest';
import { EulerDiscreteScheduler } from '../src/euler-discrete-scheduler.js';
import { describeSamplerParity, loadSamplerReference } from './sampler-parity.js';

const ref = loadSamplerReference('euler_discrete.json.gz');

describeSamplerParity(ref, (config) => EulerDiscreteScheduler.fromConfig(config));
