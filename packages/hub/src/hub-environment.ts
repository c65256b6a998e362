import { readFileSync } from 'node:fs';
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
}

const TRUE_VALUES = ['1', 'ON', 'YES', 'TRUE'];

export function readHubEnvironment(env: NodeJS.ProcessEnv = process.env): HubEnvironment {
  const home = env['HF_HOME'] || join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'huggingface');
  const cacheDir = env['HF_HUB_CACHE'] || env['HUGGINGFACE_HUB_CACHE'] || join(home, 'hub');
  const endpoint = (env['HF_ENDPOINT'] || 'https://huggingface.co').replace(/\/+$/, '');
  const token = env['HF_TOKEN'] || env['HUGGING_FACE_HUB_TOKEN'] || readTokenFile(env['HF_TOKEN_PATH'] || join(home, 'token'));
  const offline = TRUE_VALUES.includes((env['HF_HUB_OFFLINE'] ?? '').trim().toUpperCase());
  return { cacheDir, endpoint, ...(token ? { token } : {}), offline };
}

function readTokenFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
