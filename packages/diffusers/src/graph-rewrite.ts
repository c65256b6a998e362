import { GraphBuilder, type GraphInitializer, type GraphNode, type GraphValueInfo } from './onnx-graph.js';

/** The parts of a graph a rewrite replaces; what it leaves out is kept as it is. */
export interface GraphParts {
  readonly nodes?: readonly GraphNode[];
  readonly initializers?: readonly GraphInitializer[];
  readonly outputs?: readonly GraphValueInfo[];
}

/**
 * A new graph of `graph`'s inputs and options with `parts` in place of its own, less what no output needs: nodes
 * whose outputs nothing reads and initializers no node reads (the float weights of a layer a rewrite replaced).
 * The nodes must stay in topological order, as ONNX requires.
 */
export function rewrittenGraph(graph: GraphBuilder, parts: GraphParts): GraphBuilder {
  const nodes = parts.nodes ?? graph.nodes;
  const outputs = parts.outputs ?? graph.outputs;
  const needed = new Set(outputs.map((o) => o.name));
  const kept: GraphNode[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const input of node.inputs) if (input) needed.add(input);
  }
  const copy = new GraphBuilder(graph.options);
  copy.nodes.push(...kept.reverse());
  copy.initializers.push(...(parts.initializers ?? graph.initializers).filter((init) => needed.has(init.name)));
  copy.inputs.push(...graph.inputs);
  copy.outputs.push(...outputs);
  return copy;
}
