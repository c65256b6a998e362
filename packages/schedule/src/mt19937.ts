/**
 * The 32-bit Mersenne Twister (Matsumoto & Nishimura 1998), as std::mt19937 and PyTorch's CPU
 * generator implement it: seeded by the standard linear recurrence from one 32-bit word.
 */
export class Mt19937 {
  private readonly state = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    const s = this.state;
    s[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = s[i - 1] as number;
      s[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
  }

  /** Regenerates all 624 words (the recurrence x_{k+624} = x_{k+397} ⊕ (upper(x_k) | lower(x_{k+1}))·A). */
  private twist(): void {
    const s = this.state;
    let i = 0;
    for (; i < 227; i++) {
      const y = ((s[i] as number) & 0x80000000) | ((s[i + 1] as number) & 0x7fffffff);
      s[i] = (s[i + 397] as number) ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    for (; i < 623; i++) {
      const y = ((s[i] as number) & 0x80000000) | ((s[i + 1] as number) & 0x7fffffff);
      s[i] = (s[i - 227] as number) ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    }
    const y = ((s[623] as number) & 0x80000000) | ((s[0] as number) & 0x7fffffff);
    s[623] = (s[396] as number) ^ (y >>> 1) ^ (-(y & 1) & 0x9908b0df);
    this.index = 0;
  }

  /** The next 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (this.index >= 624) this.twist();
    let y = this.state[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }
}
