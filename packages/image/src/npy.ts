/**
 * NumPy's .npy format (numpy/lib/format.py, versions 1.0, 2.0 and 3.0): magic, header length, a
 * Python dict literal {'descr', 'fortran_order', 'shape'} padded to 64 bytes, then the raw data.
 * Supported: little-endian float32, float64, int32, int64, and uint8 (e.g. image pixels), in C order.
 */

export type NpyDtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

/** An n-d array whose typed array matches its dtype; `shape` [] is a 0-d (scalar) array. */
export type NpyArray =
  | { readonly dtype: 'float32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'float64'; readonly shape: readonly number[]; readonly data: Float64Array }
  | { readonly dtype: 'int32'; readonly shape: readonly number[]; readonly data: Int32Array }
  | { readonly dtype: 'int64'; readonly shape: readonly number[]; readonly data: BigInt64Array }
  | { readonly dtype: 'uint8'; readonly shape: readonly number[]; readonly data: Uint8Array };

/** A .npy file that is malformed or uses a layout denoise does not read; `source` is the file. */
export class NpyFormatError extends Error {
  override readonly name = 'NpyFormatError';
  readonly source: string;
  constructor(source: string, problem: string, options?: ErrorOptions) {
    super(`${source}: ${problem}`, options);
    this.source = source;
  }
}

const DTYPES = {
  float32: { descr: '<f4', itemSize: 4, array: Float32Array },
  float64: { descr: '<f8', itemSize: 8, array: Float64Array },
  int32: { descr: '<i4', itemSize: 4, array: Int32Array },
  int64: { descr: '<i8', itemSize: 8, array: BigInt64Array },
  uint8: { descr: '|u1', itemSize: 1, array: Uint8Array },
} as const;

const SUPPORTED = Object.entries(DTYPES)
  .map(([dtype, { descr }]) => `${dtype} ('${descr}')`)
  .join(', ');

const MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59); // \x93NUMPY
const ALIGN = 64;
/** numpy ≥ 1.23 pads the header so the first axis can grow in place (format.py GROWTH_AXIS_MAX_DIGITS). */
const GROWTH_AXIS_MAX_DIGITS = 21;

/** What a .npy header declares: the dtype, the shape, where the data starts and how many bytes it takes. */
export interface NpyLayout {
  readonly dtype: NpyDtype;
  readonly shape: number[];
  readonly dataStart: number;
  readonly dataLength: number;
}

/**
 * Reads and checks the magic, version and header of a .npy file; `bytes` need only hold the header
 * (the data is not looked at), so a caller can learn the file's full size from its first bytes.
 */
export function readNpyLayout(bytes: Uint8Array, source = '<.npy buffer>'): NpyLayout {
  const fail = (problem: string): never => {
    throw new NpyFormatError(source, problem);
  };
  checkLittleEndianHost();
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail('not a .npy file (bad magic; expected \\x93NUMPY)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6] as number;
  if (major !== 1 && major !== 2 && major !== 3) fail(`unsupported .npy format version ${major}.${String(bytes[7])}`);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) fail('truncated: file ends inside the header length');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    fail(`truncated: header declares ${headerLength} bytes, only ${bytes.length - headerStart} present`);
  }
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + headerStart, headerLength).toString(
    major === 3 ? 'utf8' : 'latin1',
  );
  const { descr, fortranOrder, shape } = parseHeader(header, fail);

  const dtype = dtypeOf(descr, fail);
  if (fortranOrder) {
    fail("Fortran-order (column-major) data is not supported; save a C-order array (np.ascontiguousarray)");
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const dataLength = count * DTYPES[dtype].itemSize;
  if (!Number.isSafeInteger(dataLength)) fail(`shape (${shape.join(', ')}) of ${dtype} is beyond 2^53 bytes`);
  return { dtype, shape, dataStart, dataLength };
}

export function parseNpy(bytes: Uint8Array, source = '<.npy buffer>'): NpyArray {
  const fail = (problem: string): never => {
    throw new NpyFormatError(source, problem);
  };
  const { dtype, shape, dataStart, dataLength } = readNpyLayout(bytes, source);
  const { itemSize, array } = DTYPES[dtype];
  const count = dataLength / itemSize;
  const present = bytes.length - dataStart;
  if (present < dataLength) {
    fail(
      `truncated: shape (${shape.join(', ')}) of ${dtype} needs ${dataLength} data bytes, only ${present} present`,
    );
  }
  if (present > dataLength) {
    fail(`${present - dataLength} unexpected bytes after the data of shape (${shape.join(', ')}) ${dtype}`);
  }
  // Copy into a fresh buffer: the data offset need not be aligned for the typed array.
  const copy = new Uint8Array(dataLength);
  copy.set(bytes.subarray(dataStart, dataStart + dataLength));
  const data = new array(copy.buffer, 0, count);
  return { dtype, shape, data } as NpyArray;
}

/** The .npy bytes numpy ≥ 1.23's `np.save` writes for the same array (version 1.0, or 2.0 if the header needs it). */
export function serializeNpy(array: NpyArray): Buffer {
  checkLittleEndianHost();
  const spec = DTYPES[array.dtype];
  if (spec === undefined) {
    throw new RangeError(`unsupported dtype ${JSON.stringify(array.dtype)}; supported: ${SUPPORTED}`);
  }
  if (!(array.data instanceof spec.array)) {
    throw new TypeError(`dtype ${array.dtype} needs data as ${spec.array.name}, got ${array.data.constructor.name}`);
  }
  for (const [i, dim] of array.shape.entries()) {
    if (!Number.isInteger(dim) || dim < 0) {
      throw new RangeError(`shape[${i}] must be a non-negative integer, got ${dim}`);
    }
  }
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (count !== array.data.length) {
    throw new RangeError(`shape [${array.shape.join(', ')}] holds ${count} values, data has ${array.data.length}`);
  }
  const shapeRepr = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${spec.descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  const firstAxis = array.shape[0];
  if (firstAxis !== undefined) header += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(firstAxis).length);
  // format.py _wrap_header: pad with spaces and a final newline so the data starts 64-aligned.
  const wrap = (lengthBytes: number): string => {
    const unpadded = MAGIC.length + 2 + lengthBytes + header.length + 1;
    return `${header}${' '.repeat(ALIGN - (unpadded % ALIGN))}\n`;
  };
  let padded = wrap(2);
  const major = padded.length < 0x10000 ? 1 : 2;
  if (major === 2) padded = wrap(4);
  const lengthBytes = major === 1 ? 2 : 4;
  const out = Buffer.alloc(MAGIC.length + 2 + lengthBytes + padded.length + array.data.byteLength);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  if (major === 1) out.writeUInt16LE(padded.length, 8);
  else out.writeUInt32LE(padded.length, 8);
  const dataStart = 8 + lengthBytes + out.write(padded, 8 + lengthBytes, 'latin1');
  out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), dataStart);
  return out;
}

interface NpyHeader {
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: number[];
}

/** Reads the three keys of the header dict literal; anything else (e.g. a structured dtype) is an error. */
function parseHeader(header: string, fail: (problem: string) => never): NpyHeader {
  const text = header.trim();
  const bad = (what: string): never => fail(`malformed header (${what}): ${JSON.stringify(text)}`);
  if (!text.startsWith('{') || !text.endsWith('}')) bad('not a dict literal');
  const descr = /['"]descr['"]\s*:\s*(?:'([^']*)'|"([^"]*)"|(\[))/.exec(text);
  if (descr === null) bad("no 'descr'");
  if (descr?.[3] !== undefined) {
    fail(`unsupported dtype: structured arrays are not supported; supported: ${SUPPORTED}`);
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (fortran === null) bad("no 'fortran_order'");
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (shape === null) bad("no 'shape'");
  const dims = (shape?.[1] ?? '')
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s !== '');
  if (!dims.every((d) => /^\d+$/.test(d))) bad('shape must be a tuple of non-negative integers');
  const tooBig = dims.find((d) => !Number.isSafeInteger(Number(d)));
  if (tooBig !== undefined) fail(`shape dimension ${tooBig.length > 24 ? `${tooBig.slice(0, 24)}… (${tooBig.length} digits)` : tooBig} is beyond 2^53`);
  return {
    descr: descr?.[1] ?? descr?.[2] ?? '',
    fortranOrder: fortran?.[1] === 'True',
    shape: dims.map(Number),
  };
}

function dtypeOf(descr: string, fail: (problem: string) => never): NpyDtype {
  const byteOrder = descr[0];
  const kind = descr.slice(1);
  const dtype = (Object.keys(DTYPES) as NpyDtype[]).find((d) => DTYPES[d].descr.slice(1) === kind);
  if (dtype === undefined || (byteOrder !== '<' && byteOrder !== '>' && byteOrder !== '|' && byteOrder !== '=')) {
    return fail(`unsupported dtype '${descr}'${describe(kind)}; supported: ${SUPPORTED}`);
  }
  if (byteOrder === '>') {
    return fail(`big-endian dtype '${descr}' is not supported; save it little-endian (arr.astype('<${kind}'))`);
  }
  if (byteOrder === '=') {
    // numpy writes '<' or '>' explicitly; '=' would mean the writer's unknown native order.
    return fail(`native-order dtype '${descr}' is ambiguous in a file; expected '<${kind}'`);
  }
  return dtype;
}

/** Names a few common unsupported dtypes so the error says what the file holds. */
function describe(kind: string): string {
  const names: Record<string, string> = {
    f2: 'float16', u1: 'uint8', i1: 'int8', u2: 'uint16', i2: 'int16', u4: 'uint32', u8: 'uint64',
    b1: 'bool', c8: 'complex64', c16: 'complex128',
  };
  const name = names[kind];
  return name === undefined ? '' : ` (${name})`;
}

/** Typed arrays use the host's byte order; .npy data here is little-endian. */
function checkLittleEndianHost(): void {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
    throw new Error('.npy IO needs a little-endian host; this one is big-endian');
  }
}
