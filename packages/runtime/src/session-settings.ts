import type { ExecutionProvider } from './execution-provider.js';

export const GRAPH_OPTIMIZATION_LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;
export type GraphOptimizationLevel = (typeof GRAPH_OPTIMIZATION_LEVELS)[number];

/** How every session of a model (or of a pipeline's components) is created. */
export interface SessionSettings {
  readonly executionProvider: ExecutionProvider;
  /** onnxruntime intra-op threads; default: onnxruntime's choice (one per physical core). */
  readonly threads?: number;
  /** Default 'all'. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * false: the session's worker threads sleep as soon as a run ends instead of spinning for more work. For sessions
   * that take turns (DeepCache's full and shallow forwards), whose idle spinning would take the cores from the other.
   */
  readonly spinning?: boolean;
}
