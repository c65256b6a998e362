// GPT-2/CLIP's byte-level alphabet (`bytes_to_unicode` in transformers' tokenization_clip.py): each of the 256
// byte values stands for one printable character, so that BPE works on any UTF-8 text without a whitespace or
// control symbol. Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the other 68 bytes
// take U+0100, U+0101, ... in byte order (so the space, 0x20, is 'Ġ').

let byteSymbols: readonly string[] | undefined;

/** The character each byte value stands for. */
export function byteToUnicode(): readonly string[] {
  if (byteSymbols === undefined) {
    const symbols = new Array<string>(256);
    const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    let next = 256;
    for (let b = 0; b < 256; b++) symbols[b] = String.fromCharCode(printable(b) ? b : next++);
    byteSymbols = symbols;
  }
  return byteSymbols;
}

const utf8 = new TextEncoder();

/** A pre-token's UTF-8 bytes written in the byte alphabet (CLIPTokenizer._tokenize's `byte_encoder` step). */
export function byteEncode(token: string): string {
  const symbols = byteToUnicode();
  let out = '';
  for (const byte of utf8.encode(token)) out += symbols[byte]!;
  return out;
}
