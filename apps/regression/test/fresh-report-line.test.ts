// The fresh process's report lines are checked by a schema, not cast: a line that is not exactly
// {"caseName": non-empty, "floatSha256": 64 hex digits} is reported as unexpected output, saying why.
import { describe, expect, it } from 'vitest';
import { formatFreshReport, parseFreshReport } from '../src/fresh-report.js';

const SHA = 'ab'.repeat(32);

describe('fresh-process report lines', () => {
  it('reads back what fresh-run-main writes', () => {
    const line = formatFreshReport({ caseName: 'ddim-10-seed0', floatSha256: SHA });
    expect(line.endsWith('\n')).toBe(true);
    expect(parseFreshReport(line.trim())).toEqual({ report: { caseName: 'ddim-10-seed0', floatSha256: SHA } });
  });

  it.each([
    ['not JSON', 'warning: something', /^not JSON/],
    ['a hash that is not 64 hex digits', JSON.stringify({ caseName: 'a', floatSha256: 'abc' }), /^floatSha256: /],
    ['an empty case name', JSON.stringify({ caseName: '', floatSha256: SHA }), /^caseName: /],
    ['a missing hash', JSON.stringify({ caseName: 'a' }), /^floatSha256: /],
    ['an extra key', JSON.stringify({ caseName: 'a', floatSha256: SHA, extra: 1 }), /^line: .*extra/],
    ['an array', '[1]', /^line: /],
    ['null', 'null', /^line: /],
  ])('refuses %s, saying why', (_what, line, why) => {
    const read = parseFreshReport(line);
    expect('error' in read && read.error).toMatch(why);
  });
});
