import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { finiteNumber, integerOption, MAX_THREADS, nonNegativeNumber, threadCount } from '../src/index.js';

const refusal = (parse: (value: string) => unknown, value: string): string => {
  try {
    parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return (error as Error).message;
  }
  throw new Error(`'${value}' was accepted`);
};

describe('integerOption', () => {
  it('takes digits with a sign and blanks around them, from min to max', () => {
    const parse = integerOption(0);
    expect(['0', ' 7 ', '+12', '9007199254740991'].map(parse)).toEqual([0, 7, 12, 9007199254740991]);
    expect(integerOption(-3)('-3')).toBe(-3);
    expect(integerOption(1, undefined, 5)('5')).toBe(5);
  });

  it('refuses what is not a safe integer in range, quoting the value', () => {
    const parse = integerOption(1);
    for (const value of ['', ' ', '1.5', '1e3', '0x10', 'ten', '1 2', '-1', '0', '9007199254740992', '99999999999999999999']) {
      expect(refusal(parse, value)).toBe(`expected an integer ≥ 1, got '${value}'`);
    }
    expect(refusal(integerOption(1, undefined, 5), '6')).toBe("expected an integer from 1 to 5, got '6'");
    expect(refusal(integerOption(20, 'an integer ≥ 20'), '19')).toBe("expected an integer ≥ 20, got '19'");
  });

  it('cuts a long value to 80 characters in the message', () => {
    const message = refusal(integerOption(1), 'x'.repeat(10_000));
    expect(message.length).toBeLessThan(120);
    expect(message).toMatch(/x{77}\.\.\.'$/);
  });
});

describe('threadCount', () => {
  it('takes 1 to 4 threads per core and refuses more', () => {
    expect(threadCount('1')).toBe(1);
    expect(threadCount(String(MAX_THREADS))).toBe(MAX_THREADS);
    expect(refusal(threadCount, String(MAX_THREADS + 1))).toMatch(new RegExp(`^expected an integer from 1 to ${MAX_THREADS} \\(4 × \\d+ cores\\), got '${MAX_THREADS + 1}'$`));
    expect(refusal(threadCount, '99999')).toMatch(/got '99999'$/);
  });
});

describe('numbers', () => {
  it('finiteNumber takes any finite number and refuses blanks, NaN and infinities', () => {
    expect(['0', '-2.5', '7.5', '1e3'].map(finiteNumber)).toEqual([0, -2.5, 7.5, 1000]);
    for (const value of ['', 'NaN', 'Infinity', '-Infinity', 'seven']) expect(refusal(finiteNumber, value)).toBe(`expected a number, got '${value}'`);
  });

  it('nonNegativeNumber refuses negatives', () => {
    expect(nonNegativeNumber('0')).toBe(0);
    expect(refusal(nonNegativeNumber, '-0.1')).toBe("expected a number ≥ 0, got '-0.1'");
  });
});
