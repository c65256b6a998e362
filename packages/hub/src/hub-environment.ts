import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What Python's huggingface_hub reads from the environment, read the same way, so both share one cache. */
export interface HubEnvironment {
  /** HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
  readonly cacheDir: string;
  /** HF_ENDPOINT (a mirror), else https://huggingface.co. */
  readonly endpoint: string;
  /** HF_TOKEN, else the token file ($HF_TOKEN_PATH, else $HF_HOME/token) when there is one. */
  readonly token?: string;
  /** HF_HUB_OFFLINE=1 (or true/yes/on): resolve from the cache only, never touch the network. */
  readonly offline: boolean;
  /** HF_HUB_ETAG_TIMEOUT, seconds an API request may wait for its answer (default 10, as huggingface_hub). */
  readonly requestTimeoutSeconds?: number;
  /** HF_HUB_DOWNLOAD_TIMEOUT, seconds a download may wait for its answer or its next byte (default 10). */
  readonly downloadTimeoutSeconds?: number;
}

const TRUE_VALUES = ['1', 'ON', 'YES', 'TRUE'];

export function readHubEnvironment(env: NodeJS.ProcessEnv = process.env): HubEnvironment {
  const home = env['HF_HOME'] || join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'huggingface');
  const cacheDir = env['HF_HUB_CACHE'] || env['HUGGINGFACE_HUB_CACHE'] || join(home, 'hub');
  const endpoint = (env['HF_ENDPOINT'] || 'https://huggingface.co').replace(/\/+$/, '');
  const token = env['HF_TOKEN'] || env['HUGGING_FACE_HUB_TOKEN'] || readTokenFile(env['HF_TOKEN_PATH'] || join(home, 'token'));
  const offline = TRUE_VALUES.includes((env['HF_HUB_OFFLINE'] ?? '').trim().toUpperCase());
  const requestTimeout = env['HF_HUB_ETAG_TIMEOUT'];
  const downloadTimeout = env['HF_HUB_DOWNLOAD_TIMEOUT'];
  return {
    cacheDir,
    endpoint,
    ...(token ? { token } : {}),
    offline,
    ...(requestTimeout ? { requestTimeoutSeconds: Number(requestTimeout) } : {}),
    ...(downloadTimeout ? { downloadTimeoutSeconds: Number(downloadTimeout) } : {}),
  };
}

function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * What in the environment cannot work, before any request: online, HF_ENDPOINT that is not an http(s) URL and a token
 * with a line break or other blank inside (a token file with two lines); always, HF_HUB_CACHE that exists but is not a
 * folder, or (online) not a writable one. Undefined when all is usable.
 */
export function hubEnvironmentProblem(env: HubEnvironment): string | undefined {
  return (env.offline ? undefined : networkProblem(env)) ?? cacheProblem(env);
}

function networkProblem(env: HubEnvironment): string | undefined {
  let url: URL | undefined;
  try {
    url = new URL(env.endpoint);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    return `HF_ENDPOINT '${env.endpoint.slice(0, 80)}' is not an http(s) URL (e.g. https://huggingface.co)`;
  }
  for (const [variable, value] of [['HF_HUB_ETAG_TIMEOUT', env.requestTimeoutSeconds], ['HF_HUB_DOWNLOAD_TIMEOUT', env.downloadTimeoutSeconds]] as const) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) return `${variable} must be a number of seconds > 0, got ${String(value)}`;
  }
  if (env.token !== undefined && /\s/.test(env.token)) {
    return 'the token (HF_TOKEN, or the token file) has a line break or another blank inside; a token is one word';
  }
  return undefined;
}

function cacheProblem(env: HubEnvironment): string | undefined {
  let isFolder: boolean | undefined;
  try {
    isFolder = statSync(env.cacheDir).isDirectory();
  } catch {
    isFolder = undefined; // made on the first download
  }
  if (isFolder === false) return `HF_HUB_CACHE ${env.cacheDir} is not a folder`;
  if (isFolder && !env.offline) {
    try {
      accessSync(env.cacheDir, constants.W_OK | constants.X_OK);
    } catch {
      return `HF_HUB_CACHE ${env.cacheDir} is not writable (set HF_HUB_OFFLINE=1 to use it read-only)`;
    }
  }
  return undefined;
}
