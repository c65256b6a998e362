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
});
