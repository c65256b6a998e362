/**
 * Time limits on the network, named as huggingface_hub names them: HF_HUB_ETAG_TIMEOUT for an answer to a request
 * (the headers), HF_HUB_DOWNLOAD_TIMEOUT for a download that stops sending (no byte for that long). Both 10 s by
 * default, as in Python. A run's abort signal (Ctrl-C, SIGTERM, SIGHUP) stops a request or a download at once.
 */

/** A request or download that went past its time limit; the message names the variable that sets it. */
export class HubTimeoutError extends Error {
  override readonly name = 'HubTimeoutError';
}

export const DEFAULT_TIMEOUT_SECONDS = 10;

/** fetch that gives up when the answer's headers take longer than `timeoutMs`, or when `signal` aborts. */
export function fetchWithin(timeoutMs: number, variable: string, signal?: AbortSignal): typeof fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const url = input instanceof Request ? input.url : String(input);
    const timer = setTimeout(
      () => controller.abort(new HubTimeoutError(`${new URL(url).origin} did not answer within ${timeoutMs / 1000} s (${variable}; raise it for a slow link)`)),
      timeoutMs,
    );
    // The run's signal also ends the body's stream, after the headers; AbortSignal.any holds no listener on it that
    // would outlive the request.
    const sources = [init?.signal, controller.signal, signal].filter((s): s is AbortSignal => s != null);
    const combined = AbortSignal.any(sources);
    try {
      return await fetch(input, { ...init, signal: combined });
    } catch (error) {
      if (combined.aborted) throw combined.reason as Error;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** The next chunk of a download, or a HubTimeoutError when none comes within `timeoutMs` (the stream is cancelled). */
export async function readWithin<T>(reader: ReadableStreamDefaultReader<T>, timeoutMs: number, what: string): Promise<Awaited<ReturnType<ReadableStreamDefaultReader<T>['read']>>> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Rejected before the cancel, which settles the pending read as done and would otherwise win the race.
      reject(new HubTimeoutError(`${what} stalled: no data for ${timeoutMs / 1000} s (HF_HUB_DOWNLOAD_TIMEOUT)`));
      void reader.cancel().catch(() => undefined);
    }, timeoutMs);
  });
  try {
    return await Promise.race([reader.read(), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/** How one resolve talks to the hub: its fetch for API requests, its fetch and stall limit for downloads. */
export interface HubNetwork {
  readonly requestFetch: typeof fetch;
  readonly downloadFetch: typeof fetch;
  readonly downloadTimeoutMs: number;
  readonly signal?: AbortSignal;
}

export function hubNetwork(env: { readonly requestTimeoutSeconds?: number; readonly downloadTimeoutSeconds?: number }, signal?: AbortSignal): HubNetwork {
  const requestMs = 1000 * (env.requestTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
  const downloadMs = 1000 * (env.downloadTimeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS);
  return {
    requestFetch: fetchWithin(requestMs, 'HF_HUB_ETAG_TIMEOUT', signal),
    downloadFetch: fetchWithin(downloadMs, 'HF_HUB_DOWNLOAD_TIMEOUT', signal),
    downloadTimeoutMs: downloadMs,
    ...(signal ? { signal } : {}),
  };
}
