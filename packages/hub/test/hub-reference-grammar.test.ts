import { describe, expect, it } from 'vitest';
import { formatHubReference, parseHubReference } from '../src/hub-reference.js';

describe('hf:OWNER/NAME[@REVISION][/SUBFOLDER]', () => {
  it('parses the forms users write', () => {
    expect(parseHubReference('hf:google/ddpm-cifar10-32')).toEqual({ repo: 'google/ddpm-cifar10-32' });
    expect(parseHubReference('hf:google/ddpm-cifar10-32@main')).toEqual({ repo: 'google/ddpm-cifar10-32', revision: 'main' });
    expect(parseHubReference('hf:acme/pipe@v1.0/unet')).toEqual({ repo: 'acme/pipe', revision: 'v1.0', subfolder: 'unet' });
    expect(parseHubReference('hf:acme/pipe/unet')).toEqual({ repo: 'acme/pipe', subfolder: 'unet' });
    expect(parseHubReference('hf:acme/pipe@refs%2Fpr%2F3')).toEqual({ repo: 'acme/pipe', revision: 'refs/pr/3' });
    const commit = 'a'.repeat(40);
    expect(parseHubReference(`hf:acme/pipe@${commit}/a/b/`)).toEqual({ repo: 'acme/pipe', revision: commit, subfolder: 'a/b' });
    expect(formatHubReference({ repo: 'acme/pipe', revision: 'refs/pr/3', subfolder: 'unet' })).toBe('hf:acme/pipe@refs%2Fpr%2F3/unet');
  });

  it('refuses what is not a model reference, saying the grammar', () => {
    for (const bad of ['hf:', 'hf:google', 'hf:/x', 'hf:a/b@', 'hf:a/b/../c', 'hf:a b/c', 'hf:a/b//c']) {
      expect(() => parseHubReference(bad), bad).toThrow(/expected hf:OWNER\/NAME\[@REVISION\]\[\/SUBFOLDER\]/);
    }
  });

  it('refuses a revision that would name a file outside the cache\'s refs/, or one git would not allow', () => {
    // The revision is the path of a file under refs/: '..' parts walked out of the cache, online and offline.
    for (const rev of ['main%2F..%2F..%2F..%2Fescape', '..%2F..%2Fx', 'a..b', 'refs%2F.hidden', 'v1.lock', 'refs%2F%2Fpr', 'refs%2Fpr%2F']) {
      expect(() => parseHubReference(`hf:a/b@${rev}`), rev).toThrow(`revision '${rev}' is not a branch, tag or commit`);
    }
    expect(() => parseHubReference('hf:a/b@%E0%A4%A')).toThrow("revision '%E0%A4%A' is not URL-encoded correctly (write '/' as %2F)");
    expect(parseHubReference('hf:a/b@release-1.0_rc')).toEqual({ repo: 'a/b', revision: 'release-1.0_rc' });
  });
});
