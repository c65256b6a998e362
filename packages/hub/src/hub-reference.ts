import { HubError } from './hub-errors.js';

/** `hf:OWNER/NAME[@REVISION][/SUBFOLDER]`: a model on the Hugging Face Hub (or a mirror), as diffusers names it. */
export interface HubReference {
  /** OWNER/NAME */
  readonly repo: string;
  /** A branch, tag or commit hash; undefined means the repo's default branch ('main'). */
  readonly revision?: string;
  /** A folder inside the repo holding the model (e.g. 'unet' of a pipeline), without slashes at either end. */
  readonly subfolder?: string;
}

export const HUB_PREFIX = 'hf:';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

export function isHubReference(reference: string): boolean {
  return reference.startsWith(HUB_PREFIX);
}

/**
 * Parses `hf:OWNER/NAME[@REVISION][/SUBFOLDER]`. A revision holding slashes (a branch such as `refs/pr/1`) is
 * written URL-encoded (`refs%2Fpr%2F1`); the subfolder follows the first slash after the revision.
 */
export function parseHubReference(reference: string): HubReference {
  const fail = (why: string): never => {
    throw new HubError(reference, `${why}; expected hf:OWNER/NAME[@REVISION][/SUBFOLDER], e.g. hf:google/ddpm-cifar10-32`, 'reference');
  };
  if (!isHubReference(reference)) fail(`does not start with '${HUB_PREFIX}'`);
  const body = reference.slice(HUB_PREFIX.length);
  const [owner, rest] = splitOnce(body, '/');
  if (!owner || rest === undefined) return fail('no OWNER/NAME');
  const at = rest.indexOf('@');
  const slash = rest.indexOf('/');
  let name: string;
  let revision: string | undefined;
  let subfolder: string | undefined;
  if (at >= 0 && (slash < 0 || at < slash)) {
    name = rest.slice(0, at);
    const [rev, sub] = splitOnce(rest.slice(at + 1), '/');
    try {
      revision = decodeURIComponent(rev);
    } catch {
      return fail(`revision '${rev}' is not URL-encoded correctly (write '/' as %2F)`);
    }
    subfolder = sub;
    if (!revision || !isRevisionName(revision)) fail(`revision '${rev}' is not a branch, tag or commit`);
  } else {
    [name, subfolder] = splitOnce(rest, '/') as [string, string | undefined];
  }
  if (!NAME.test(owner) || !NAME.test(name)) fail(`'${owner}/${name}' is not a valid repo id`);
  if (subfolder !== undefined) {
    subfolder = subfolder.replace(/\/+$/, '');
    if (subfolder === '' || subfolder.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      fail(`subfolder '${subfolder}' is not a plain relative folder`);
    }
  }
  return { repo: `${owner}/${name}`, ...(revision ? { revision } : {}), ...(subfolder ? { subfolder } : {}) };
}

/**
 * A branch, tag or commit as git allows it (git check-ref-format's rules that matter for a path): '/'-separated parts
 * of [A-Za-z0-9._-], none empty, none starting with '.', none ending with '.lock', no '..'. The revision names a file
 * under the cache's refs/, so a '..' part would lead out of the cache.
 */
function isRevisionName(revision: string): boolean {
  if (!REVISION.test(revision) || revision.includes('..')) return false;
  return revision.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}

export function formatHubReference(reference: HubReference): string {
  const revision = reference.revision ? `@${encodeURIComponent(reference.revision)}` : '';
  return `${HUB_PREFIX}${reference.repo}${revision}${reference.subfolder ? `/${reference.subfolder}` : ''}`;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const i = text.indexOf(separator);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}
