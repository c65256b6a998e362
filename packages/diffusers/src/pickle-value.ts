/**
 * The plain data the restricted unpickler produces: Python's values without Python. Nothing here can be
 * called; a global or a call is only a record of what the pickle named.
 */

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleTuple
  | PickleList
  | PickleDict
  | PickleSet
  | PickleGlobal
  | PickleCall
  | PicklePersistentId;

export interface PickleTuple {
  readonly kind: 'tuple';
  readonly items: readonly PickleValue[];
}
export interface PickleList {
  readonly kind: 'list';
  readonly items: readonly PickleValue[];
}
export interface PickleSet {
  readonly kind: 'set';
  readonly items: readonly PickleValue[];
}
export interface PickleDict {
  readonly kind: 'dict';
  /** In insertion order, as Python keeps it. */
  readonly entries: ReadonlyMap<PickleValue, PickleValue>;
  /** What BUILD set on it, e.g. an OrderedDict's `_metadata` from `model.state_dict()`. */
  readonly attributes: PickleValue;
}
/** An allow-listed global, by its Python 3 name (`__builtin__` is read as `builtins`). */
export interface PickleGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}
/** `callee(*args)` as REDUCE or NEWOBJ asked for it: recorded, never performed. */
export interface PickleCall {
  readonly kind: 'call';
  readonly callee: PickleGlobal;
  readonly args: readonly PickleValue[];
  /** What BUILD set on the result, or null. */
  readonly state: PickleValue;
}
/** BINPERSID: an object the pickle refers to by id (torch: a storage kept as its own zip entry). */
export interface PicklePersistentId {
  readonly kind: 'persistent-id';
  readonly id: PickleValue;
}

type StructuredValue = Exclude<PickleValue, null | boolean | number | bigint | string | Uint8Array>;

/** Narrows a value to one of the structured kinds (tuple, list, dict, set, global, call, persistent-id). */
export function isPickleKind<K extends StructuredValue['kind']>(
  value: PickleValue | undefined,
  kind: K,
): value is Extract<StructuredValue, { kind: K }> {
  return value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && value.kind === kind;
}

/** Describes a value for an error message: what was found where something else was expected. */
export function describePickleValue(value: PickleValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return `the number ${value}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  switch (value.kind) {
    case 'global':
      return `the global ${value.module}.${value.name}`;
    case 'call':
      return `a call to ${value.callee.module}.${value.callee.name}`;
    case 'persistent-id':
      return 'a persistent id';
    default:
      return `a ${value.kind}`;
  }
}
