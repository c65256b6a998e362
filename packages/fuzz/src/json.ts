// JSON structural mutations (drop / replace / rename / add keys incl. __proto__, wrong types, huge numbers, NaN
// strings, deep nesting) of a parsed JSON document.
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/**
 * Deep nesting, built when applied (so that a counterexample prints small): the value wrapped `depth` times.
 * At most 1500: JSON.stringify (the test's, not the parser's) overflows a vitest worker's stack near 5000.
 */
const nesting = fc.option(fc.record({ depth: fc.integer({ min: 50, max: 1500 }), kind: fc.constantFrom('array', 'object') }), { freq: 4 });
function nest(value: Json, how: { depth: number; kind: string } | null): Json {
  if (how === null) return value;
  for (let i = 0; i < how.depth; i++) value = how.kind === 'array' ? [value] : { a: value };
  return value;
}
const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53 + 2, -(2 ** 31), 1e-320, '', 'NaN', 'Infinity', '-Infinity', 'x', [], {}, [1, 2, 3], { a: 1 }),
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
);
const keyName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', '', 'x', '_class_name', 'version', 'schema', 'name', 'dtype'), fc.string({ maxLength: 8 }));
const jsonMutation = fc.record({
  op: fc.constantFrom('drop', 'replace', 'replace', 'addKey', 'wrap', 'rename'),
  target: fc.nat(),
  key: keyName,
  value: replacement,
  nesting,
});
type JsonMutation = typeof jsonMutation extends fc.Arbitrary<infer T> ? T : never;

interface Node {
  readonly parent: Json[] | { [key: string]: Json } | undefined;
  readonly key: string | number | undefined;
  readonly value: Json;
}

function nodesOf(root: Json): Node[] {
  const nodes: Node[] = [];
  const stack: Node[] = [{ parent: undefined, key: undefined, value: root }];
  while (stack.length > 0 && nodes.length < 20_000) {
    const node = stack.pop()!;
    nodes.push(node);
    const v = node.value;
    if (Array.isArray(v)) v.forEach((child, i) => stack.push({ parent: v, key: i, value: child }));
    else if (v !== null && typeof v === 'object') for (const [k, child] of Object.entries(v)) stack.push({ parent: v, key: k, value: child });
  }
  return nodes;
}

function setOwn(target: Json[] | { [key: string]: Json }, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies the mutations to a deep copy of `base` (the root itself may be replaced). */
export function mutateJson(base: Json, mutations: readonly JsonMutation[]): Json {
  let root = structuredClone(base);
  for (const m of mutations) {
    const nodes = nodesOf(root);
    const node = nodes[m.target % nodes.length]!;
    const { parent, key } = node;
    const value = nest(structuredClone(m.value), m.nesting); // fresh: generated values may be shared between runs
    const replace = (value: Json): void => {
      if (parent === undefined) root = value;
      else setOwn(parent, key!, value);
    };
    switch (m.op) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else if (parent !== undefined) delete parent[key as string];
        break;
      case 'replace':
        replace(value);
        break;
      case 'addKey':
        if (node.value !== null && typeof node.value === 'object' && !Array.isArray(node.value)) setOwn(node.value, m.key, value);
        else if (Array.isArray(node.value)) node.value.push(value);
        break;
      case 'wrap':
        replace(Array.isArray(node.value) ? { [m.key]: node.value } : [node.value]);
        break;
      case 'rename':
        if (parent !== undefined && !Array.isArray(parent)) {
          delete parent[key as string];
          setOwn(parent, m.key, node.value);
        }
        break;
    }
  }
  return root;
}

/** One to three JSON mutations, applied in order by `mutateJson`. */
export const jsonMutations = fc.array(jsonMutation, { minLength: 1, maxLength: 3 });
