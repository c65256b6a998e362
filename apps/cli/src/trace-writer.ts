import { join } from 'node:path';
import { writeNpy } from '@denoise/image';
import type { TraceRecord } from '@denoise/sampler';
import type { OutputStaging } from './output-files.js';

/** The trace files, staged with the run's other outputs (the folder was prepared by checkCommand). */
export function traceWriter(dir: string, staging: OutputStaging): (record: TraceRecord) => Promise<void> {
  return async (record) => {
    const stem = join(dir, `step-${String(record.index).padStart(4, '0')}-t${String(record.timestep).padStart(4, '0')}`);
    await writeNpy(staging.stage(`${stem}-xt.npy`), { dtype: 'float32', shape: [...record.shape], data: record.sample });
    await writeNpy(staging.stage(`${stem}-pred_x0.npy`), { dtype: 'float32', shape: [...record.shape], data: record.predOriginalSample });
  };
}

