/**
 * A pickle reader (protocols 2–5) that turns the pickle of a torch.save state_dict into plain data and
 * never runs anything. Where Python's unpickler imports and calls, this one only records: a global is a
 * `{ kind: 'global' }` value, a call is a `{ kind: 'call' }` value that the caller interprets. Globals pass
 * only through an allow-list as narrow as what `torch.load(weights_only=True)` needs for a plain
 * state_dict (torch/_weights_only_unpickler.py); anything else is refused the moment it is named.
 * Opcode semantics follow CPython's Lib/pickle.py and Lib/pickletools.py.
 */
import { describePickleValue, isPickleKind, type PickleGlobal, type PickleValue } from './pickle-value.js';
import { TORCH_STORAGE_DTYPES } from './torch-storage-types.js';
import { WeightsFileError } from './weights-file.js';

/** The file and the member in it, for error messages. */
export interface PickleSource {
  readonly path: string;
  readonly member: string;
}

/** The rebuild functions and containers a plain state_dict's pickle names, besides the storage classes. */
const ALLOWED_GLOBALS: ReadonlySet<string> = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  'torch.Size',
  '_codecs.encode', // protocol 2 writes bytes as _codecs.encode(latin-1 str, 'latin1')
  'builtins.set',
  ...Object.keys(TORCH_STORAGE_DTYPES).map((storage) => `torch.${storage}`),
]);
/** Python 2 module names that protocol 2 writes for Python 3 ones (pickle's fix_imports). */
const PYTHON2_MODULES: Readonly<Record<string, string>> = { __builtin__: 'builtins' };

/** Pickle opcodes (Lib/pickletools.py), all of them, so that a refusal can name the one it met. */
const OP = {
  MARK: 0x28, STOP: 0x2e, POP: 0x30, POP_MARK: 0x31, DUP: 0x32, FLOAT: 0x46, INT: 0x49, BININT: 0x4a, BININT1: 0x4b,
  LONG: 0x4c, BININT2: 0x4d, NONE: 0x4e, PERSID: 0x50, BINPERSID: 0x51, REDUCE: 0x52, STRING: 0x53, BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55, UNICODE: 0x56, BINUNICODE: 0x58, APPEND: 0x61, BUILD: 0x62, GLOBAL: 0x63, DICT: 0x64,
  EMPTY_DICT: 0x7d, APPENDS: 0x65, GET: 0x67, BINGET: 0x68, INST: 0x69, LONG_BINGET: 0x6a, LIST: 0x6c, EMPTY_LIST: 0x5d,
  OBJ: 0x6f, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72, SETITEM: 0x73, TUPLE: 0x74, EMPTY_TUPLE: 0x29, SETITEMS: 0x75,
  BINFLOAT: 0x47, PROTO: 0x80, NEWOBJ: 0x81, EXT1: 0x82, EXT2: 0x83, EXT4: 0x84, TUPLE1: 0x85, TUPLE2: 0x86,
  TUPLE3: 0x87, NEWTRUE: 0x88, NEWFALSE: 0x89, LONG1: 0x8a, LONG4: 0x8b, BINBYTES: 0x42, SHORT_BINBYTES: 0x43,
  SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d, BINBYTES8: 0x8e, EMPTY_SET: 0x8f, ADDITEMS: 0x90, FROZENSET: 0x91,
  NEWOBJ_EX: 0x92, STACK_GLOBAL: 0x93, MEMOIZE: 0x94, FRAME: 0x95, BYTEARRAY8: 0x96, NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;
const OPCODE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(OP).map(([name, code]) => [code, name]));

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Budgets far above what any state_dict pickle uses (torch.save pushes a dict's items in batches of 1,000 and memoizes
 * a few entries per tensor; its integers are storage sizes and offsets), so that a crafted pickle fails at once
 * instead of growing the stack, the marks or the memo until Node dies, or spending minutes on one huge integer.
 */
export const PICKLE_LIMITS = { stack: 1_000_000, marks: 100_000, memo: 1_000_000, longBytes: 64 } as const;

/** Reads one pickle into plain data. Throws `WeightsFileError` for anything a state_dict would not contain. */
export function unpickle(bytes: Uint8Array, source: PickleSource): PickleValue {
  return new RestrictedUnpickler(bytes, source, 0).load();
}

/**
 * Reads the pickle that starts at byte `start` of `bytes` (one of several written back to back, as torch's legacy
 * format does) and says where it ended (the byte after its STOP). Same refusals as `unpickle`; a pickle that runs
 * past the end of `bytes` throws `PickleTruncatedError`, so a caller holding only a prefix of a file can read more.
 */
export function unpickleAt(bytes: Uint8Array, start: number, source: PickleSource): { value: PickleValue; end: number } {
  const unpickler = new RestrictedUnpickler(bytes, source, start);
  const value = unpickler.load();
  return { value, end: unpickler.end };
}

/** The pickle needs bytes beyond those it was given: the file is truncated, or the caller read too little of it. */
export class PickleTruncatedError extends WeightsFileError {}

class RestrictedUnpickler {
  private position: number;
  private opcodeAt: number;
  private readonly stack: PickleValue[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly data: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: PickleSource,
    private readonly start: number,
  ) {
    this.position = start;
    this.opcodeAt = start;
    this.data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** The byte after STOP, once load() has returned. */
  get end(): number {
    return this.position;
  }

  load(): PickleValue {
    if (this.bytes[this.start] !== OP.PROTO) this.fail('does not start with PROTO: it is not a protocol 2–5 pickle as torch.save writes');
    for (;;) {
      if (this.position >= this.bytes.length) this.truncated(`ends at byte ${this.position} before STOP: it is truncated`);
      this.opcodeAt = this.position;
      const code = this.bytes[this.position++]!;
      if (code === OP.STOP) return this.pop();
      this.step(code);
    }
  }

  private step(code: number): void {
    switch (code) {
      case OP.PROTO: {
        const protocol = this.u8();
        if (protocol < 2 || protocol > 5) this.fail(`is pickle protocol ${protocol}; denoise reads protocols 2–5 (torch.save writes 2)`);
        break;
      }
      case OP.FRAME: // framing only groups opcodes for buffered reading (PEP 3154)
        this.take(8);
        break;
      case OP.MARK:
        if (this.marks.length >= PICKLE_LIMITS.marks) this.overBudget(`more than ${PICKLE_LIMITS.marks} open MARKs`);
        this.marks.push(this.stack.length);
        break;
      case OP.POP:
        this.pop();
        break;
      case OP.POP_MARK:
        this.popMark();
        break;
      case OP.DUP:
        this.push(this.top());
        break;
      case OP.NONE:
        this.push(null);
        break;
      case OP.NEWTRUE:
      case OP.NEWFALSE:
        this.push(code === OP.NEWTRUE);
        break;
      case OP.BININT:
        this.push(this.data.getInt32(this.take(4), true));
        break;
      case OP.BININT1:
        this.push(this.u8());
        break;
      case OP.BININT2:
        this.push(this.data.getUint16(this.take(2), true));
        break;
      case OP.LONG1:
        this.push(this.long(this.u8()));
        break;
      case OP.LONG4:
        this.push(this.long(this.length(this.data.getInt32(this.take(4), true))));
        break;
      case OP.BINFLOAT:
        this.push(this.data.getFloat64(this.take(8), false));
        break;
      case OP.SHORT_BINUNICODE:
      case OP.SHORT_BINSTRING: // torch.load decodes a Python 2 str as UTF-8
        this.push(this.text(this.u8()));
        break;
      case OP.BINUNICODE:
        this.push(this.text(this.u32()));
        break;
      case OP.BINSTRING:
        this.push(this.text(this.length(this.data.getInt32(this.take(4), true))));
        break;
      case OP.BINUNICODE8:
        this.push(this.text(this.u64()));
        break;
      case OP.SHORT_BINBYTES:
        this.push(this.bytesOf(this.u8()));
        break;
      case OP.BINBYTES:
        this.push(this.bytesOf(this.u32()));
        break;
      case OP.BINBYTES8:
        this.push(this.bytesOf(this.u64()));
        break;
      case OP.EMPTY_TUPLE:
        this.push({ kind: 'tuple', items: [] });
        break;
      case OP.TUPLE:
        this.push({ kind: 'tuple', items: this.popMark() });
        break;
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3:
        this.push({ kind: 'tuple', items: this.popN(code - OP.TUPLE1 + 1) });
        break;
      case OP.EMPTY_LIST:
        this.push({ kind: 'list', items: [] });
        break;
      case OP.EMPTY_DICT:
        this.push({ kind: 'dict', entries: new Map(), attributes: null });
        break;
      case OP.EMPTY_SET:
        this.push({ kind: 'set', items: [] });
        break;
      case OP.APPEND: {
        const item = this.pop();
        this.itemsOf('list').push(item);
        break;
      }
      case OP.APPENDS: {
        const items = this.popMark();
        const list = this.itemsOf('list');
        for (const item of items) list.push(item); // not push(...items): a huge batch would overflow the call stack
        break;
      }
      case OP.ADDITEMS: {
        const items = this.popMark();
        const set = this.itemsOf('set');
        for (const item of items) set.push(item);
        break;
      }
      case OP.SETITEM: {
        const [key, value] = this.popN(2) as [PickleValue, PickleValue];
        this.entriesOf().set(key, value);
        break;
      }
      case OP.SETITEMS: {
        const items = this.popMark();
        if (items.length % 2 !== 0) this.fail(`SETITEMS at byte ${this.opcodeAt} has an odd number of keys and values`);
        const entries = this.entriesOf();
        for (let i = 0; i < items.length; i += 2) entries.set(items[i]!, items[i + 1]!);
        break;
      }
      case OP.BINPUT:
        this.remember(this.u8(), this.top());
        break;
      case OP.LONG_BINPUT:
        this.remember(this.u32(), this.top());
        break;
      case OP.MEMOIZE:
        this.remember(this.memo.size, this.top());
        break;
      case OP.BINGET:
        this.push(this.recall(this.u8()));
        break;
      case OP.LONG_BINGET:
        this.push(this.recall(this.u32()));
        break;
      case OP.GLOBAL: {
        const module = this.line();
        this.push(this.global(module, this.line()));
        break;
      }
      case OP.STACK_GLOBAL: {
        const [module, name] = this.popN(2);
        if (typeof module !== 'string' || typeof name !== 'string') this.fail(`STACK_GLOBAL at byte ${this.opcodeAt} needs two strings`);
        this.push(this.global(module as string, name as string));
        break;
      }
      case OP.INST: {
        // INST imports and calls in one opcode: check its global first, so the refusal names what it wanted.
        const module = this.line();
        this.global(module, this.line());
        this.unsupported(code);
        break;
      }
      case OP.EXT1:
      case OP.EXT2:
      case OP.EXT4:
        this.fail(
          `${this.opcodeName()} at byte ${this.opcodeAt} imports through copyreg's extension registry, which a plain state_dict never needs; ` +
            'denoise never executes pickles',
        );
        break;
      case OP.BINPERSID:
        this.push({ kind: 'persistent-id', id: this.pop() });
        break;
      case OP.REDUCE:
      case OP.NEWOBJ: {
        const [callee, args] = this.popN(2) as [PickleValue, PickleValue];
        this.push(this.call(callee, args));
        break;
      }
      case OP.BUILD:
        this.build(this.pop(), this.top());
        break;
      default:
        this.unsupported(code);
    }
  }

  /** BUILD records the state (Python would set attributes); only an OrderedDict or a rebuilt tensor takes one. */
  private build(state: PickleValue, target: PickleValue): void {
    if (!isPickleKind(target, 'dict') && !isPickleKind(target, 'call')) {
      this.fail(`BUILD at byte ${this.opcodeAt} sets state on ${describePickleValue(target)}; only an OrderedDict or a tensor takes state`);
    }
    // The values are built here, so the readonly view the caller gets is the only one there is.
    if (isPickleKind(target, 'dict')) (target as { attributes: PickleValue }).attributes = state;
    else (target as { state: PickleValue }).state = state;
  }

  /** Resolves a global through the allow-list, refusing anything else before it goes any further. */
  private global(rawModule: string, name: string): PickleGlobal {
    const module = PYTHON2_MODULES[rawModule] ?? rawModule;
    const qualified = `${module}.${name}`;
    if (ALLOWED_GLOBALS.has(qualified)) return { kind: 'global', module, name };
    const written = `${rawModule}.${name}`;
    if (module === 'torch' && name.endsWith('Storage')) {
      this.fail(
        `stores a tensor as ${written} (byte ${this.opcodeAt}), a storage type denoise does not read; supported: ${Object.keys(TORCH_STORAGE_DTYPES).join(', ')}`,
      );
    }
    return this.fail(
      `wants to import ${written} (byte ${this.opcodeAt}), which a plain state_dict never needs: the file wants to run code. ` +
        `denoise never executes pickles; it reads only tensors, their storages and OrderedDict`,
    );
  }

  /** REDUCE/NEWOBJ: containers become data; the rebuild functions stay recorded calls. */
  private call(callee: PickleValue, args: PickleValue): PickleValue {
    const opcode = this.opcodeName();
    if (!isPickleKind(callee, 'global')) {
      return this.fail(`${opcode} at byte ${this.opcodeAt} calls ${describePickleValue(callee)}, not an allowed global`);
    }
    if (!isPickleKind(args, 'tuple')) {
      return this.fail(`${opcode} at byte ${this.opcodeAt} passes ${describePickleValue(args)} as arguments, not a tuple`);
    }
    const qualified = `${callee.module}.${callee.name}`;
    const [first, second] = args.items;
    const bad = (expected: string): never =>
      this.fail(`${opcode} at byte ${this.opcodeAt} calls ${qualified} with ${args.items.length} arguments; expected ${expected}`);
    switch (qualified) {
      case 'collections.OrderedDict':
        if (args.items.length !== 0) bad('none');
        return { kind: 'dict', entries: new Map(), attributes: null };
      case 'torch.Size':
        if (args.items.length !== 1 || !isPickleKind(first, 'tuple')) return bad('one tuple');
        return first;
      case 'builtins.set':
        if (args.items.length === 0) return { kind: 'set', items: [] };
        if (args.items.length !== 1 || !isPickleKind(first, 'list')) return bad('none or one list');
        return { kind: 'set', items: [...first.items] };
      case '_codecs.encode':
        if (args.items.length !== 2 || typeof first !== 'string' || (second !== 'latin1' && second !== 'latin-1')) bad("(str, 'latin1')");
        return latin1Bytes(first as string, () => this.fail(`_codecs.encode at byte ${this.opcodeAt} has a character beyond latin-1`));
      default:
        return { kind: 'call', callee, args: args.items, state: null };
    }
  }

  private unsupported(code: number): never {
    const name = OPCODE_NAMES.get(code);
    const hex = `0x${code.toString(16).padStart(2, '0')}`;
    return this.fail(
      name === undefined
        ? `has an unknown pickle opcode ${hex} at byte ${this.opcodeAt}`
        : `uses pickle opcode ${name} (${hex}) at byte ${this.opcodeAt}, which a torch.save state_dict never contains`,
    );
  }

  private fail(reason: string): never {
    throw new WeightsFileError(this.source.path, `${this.source.member} ${reason}`);
  }

  private truncated(reason: string): never {
    throw new PickleTruncatedError(this.source.path, `${this.source.member} ${reason}`);
  }

  private push(value: PickleValue): void {
    if (this.stack.length >= PICKLE_LIMITS.stack) this.overBudget(`more than ${PICKLE_LIMITS.stack} values on its stack`);
    this.stack.push(value);
  }

  private remember(index: number, value: PickleValue): void {
    if (this.memo.size >= PICKLE_LIMITS.memo && !this.memo.has(index)) this.overBudget(`more than ${PICKLE_LIMITS.memo} memo entries`);
    this.memo.set(index, value);
  }

  private overBudget(what: string): never {
    this.fail(`holds ${what} at byte ${this.opcodeAt} (${this.opcodeName()}), far beyond any state_dict: not a checkpoint denoise reads`);
  }

  private pop(): PickleValue {
    if (this.stack.length === 0 || this.stack.length === this.marks.at(-1)) this.underflow();
    return this.stack.pop()!;
  }

  private popN(count: number): PickleValue[] {
    if (this.stack.length - count < (this.marks.at(-1) ?? 0)) this.underflow();
    return this.stack.splice(this.stack.length - count, count);
  }

  private top(): PickleValue {
    if (this.stack.length === 0 || this.stack.length === this.marks.at(-1)) this.underflow();
    return this.stack[this.stack.length - 1]!;
  }

  private popMark(): PickleValue[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail(`${this.opcodeName()} at byte ${this.opcodeAt} has no MARK before it`);
    return this.stack.splice(mark!);
  }

  private underflow(): never {
    return this.fail(`${this.opcodeName()} at byte ${this.opcodeAt} finds too few values on the stack`);
  }

  private itemsOf(kind: 'list' | 'set'): PickleValue[] {
    const target = this.top();
    if (!isPickleKind(target, kind)) {
      return this.fail(`${this.opcodeName()} at byte ${this.opcodeAt} adds to ${describePickleValue(target)}, not a ${kind}`);
    }
    return target.items as PickleValue[];
  }

  private entriesOf(): Map<PickleValue, PickleValue> {
    const target = this.top();
    if (!isPickleKind(target, 'dict')) {
      return this.fail(`${this.opcodeName()} at byte ${this.opcodeAt} sets an item on ${describePickleValue(target)}, not a dict`);
    }
    return target.entries as Map<PickleValue, PickleValue>;
  }

  private recall(index: number): PickleValue {
    if (!this.memo.has(index)) this.fail(`${this.opcodeName()} at byte ${this.opcodeAt} recalls memo ${index}, which was never stored`);
    return this.memo.get(index)!;
  }

  /** Advances over `count` bytes and returns where they start. */
  private take(count: number): number {
    const start = this.position;
    if (count > this.bytes.length - start) {
      this.truncated(`${this.opcodeName()} at byte ${this.opcodeAt} needs ${count} bytes but the pickle ends at ${this.bytes.length}: it is truncated`);
    }
    this.position += count;
    return start;
  }

  private opcodeName(): string {
    return OPCODE_NAMES.get(this.bytes[this.opcodeAt]!) ?? 'an opcode';
  }

  private u8(): number {
    return this.bytes[this.take(1)]!;
  }

  private u32(): number {
    return this.data.getUint32(this.take(4), true);
  }

  private u64(): number {
    const value = this.data.getBigUint64(this.take(8), true);
    return this.length(value > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(value));
  }

  private length(value: number): number {
    if (value < 0) this.fail(`${this.opcodeName()} at byte ${this.opcodeAt} has an impossible length`);
    return value;
  }

  private bytesOf(count: number): Uint8Array {
    const start = this.take(count);
    return this.bytes.slice(start, start + count);
  }

  private text(count: number): string {
    try {
      return utf8.decode(this.bytes.subarray(this.take(count), this.position));
    } catch (error) {
      if (error instanceof WeightsFileError) throw error;
      return this.fail(`has a string at byte ${this.opcodeAt} that is not UTF-8`);
    }
  }

  /** GLOBAL/INST operand: a newline-terminated line. */
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.position);
    if (end < 0) this.truncated(`${this.opcodeName()} at byte ${this.opcodeAt} has no end of line: it is truncated`);
    const text = this.text(end - this.position);
    this.position++; // the newline
    return text;
  }

  /** LONG1/LONG4: little-endian two's complement; a number when exactly representable, else a bigint. */
  private long(count: number): number | bigint {
    if (count > PICKLE_LIMITS.longBytes) this.overBudget(`an integer of ${count} bytes (a state_dict's fit in ${PICKLE_LIMITS.longBytes})`);
    const start = this.take(count);
    let value = 0n;
    for (let i = count - 1; i >= 0; i--) value = (value << 8n) | BigInt(this.bytes[start + i]!);
    if (count > 0 && this.bytes[start + count - 1]! >= 0x80) value -= 1n << BigInt(8 * count);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
}

function latin1Bytes(text: string, onWide: () => never): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) onWide();
    bytes[i] = code;
  }
  return bytes;
}
