import type * as ort from 'onnxruntime-node';
import { createSession } from './create-session.js';
import type { DeepCacheOptions } from './deep-cache-schedule.js';
import type { SessionSettings } from './session-settings.js';

/** DeepCache's second session, the shallow forward, and when to call it (see loadModel's `deepCache`). */
export interface DeepCacheSessions {
  readonly shallow: ort.InferenceSession;
  readonly options: DeepCacheOptions;
}

/**
 * The shallow forward's session of a UNet built with a DeepCache branch, made like the full one's but without thread
 * spinning (as the full one's must be too): the two take turns, and a session's idle spinning would take the cores from
 * the other (2.6× slower calls on the embedded model).
 */
export async function openDeepCacheSessions(
  shallow: { readonly bytes: Uint8Array; readonly externalDataFolder?: string },
  path: string,
  settings: SessionSettings,
  options: DeepCacheOptions,
): Promise<DeepCacheSessions> {
  return { shallow: await createSession(shallow, path, { ...settings, spinning: false }), options };
}
