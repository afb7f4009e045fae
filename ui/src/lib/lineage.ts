// Where each box of a lineage graph goes: a column per step (dataset → run → logged model →
// version), read left to right, or top to bottom in a narrow window; and the arrows between them.
import type { Lineage, LineageEdge, LineageNode } from "../api/registry";

export const NODE_WIDTH = 230;
/** The narrowest a box gets when a narrow window fits several boxes of one step side by side. */
export const MIN_NODE_WIDTH = 150;
export const NODE_HEIGHT = 104;
const GAP_ALONG = 64; // between steps, where the arrows run
const GAP_ACROSS = 16; // between boxes of one step

export type Direction = "across" | "down";

export interface PlacedNode {
  node: LineageNode;
  x: number;
  y: number;
  step: number;
}

export interface PlacedEdge {
  edge: LineageEdge;
  /** An SVG path from the source box's side to the target box's. */
  path: string;
}

export interface LineageLayout {
  nodeWidth: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/** Each node's step: the longest chain of edges leading to it (datasets 0, their run 1, …). */
export function stepsOf(graph: Lineage): Map<string, number> {
  const steps = new Map(graph.nodes.map((n) => [n.id, 0]));
  // Longest path by relaxation; a graph with a cycle stops after |nodes| rounds.
  for (let round = 0; round < graph.nodes.length; round += 1) {
    let changed = false;
    for (const { from, to } of graph.edges) {
      const next = (steps.get(from) ?? 0) + 1;
      if (steps.has(to) && next > steps.get(to)!) {
        steps.set(to, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return steps;
}

/** The most boxes any one step has. */
export function widestStep(graph: Lineage): number {
  const counts = new Map<number, number>();
  for (const step of stepsOf(graph).values()) counts.set(step, (counts.get(step) ?? 0) + 1);
  return Math.max(1, ...counts.values());
}

/**
 * Across when it fits in `available` pixels; else down, the boxes narrowed (to MIN_NODE_WIDTH at
 * most) so that a step's boxes fit side by side.
 */
export function fitLineage(graph: Lineage, available: number): LineageLayout {
  const across = layoutLineage(graph, "across");
  if (across.width <= available) return across;
  const boxes = widestStep(graph);
  const fit = Math.floor((available - GAP_ACROSS * (boxes - 1)) / boxes);
  return layoutLineage(graph, "down", Math.max(MIN_NODE_WIDTH, Math.min(NODE_WIDTH, fit)));
}

export function layoutLineage(graph: Lineage, direction: Direction, nodeWidth = NODE_WIDTH): LineageLayout {
  const steps = stepsOf(graph);
  const columns: LineageNode[][] = [];
  for (const node of graph.nodes) {
    const step = steps.get(node.id) ?? 0;
    (columns[step] ??= []).push(node);
  }
  const filled = Array.from(columns, (column) => column ?? []);
  const deepest = Math.max(1, ...filled.map((column) => column.length));
  const along = direction === "across" ? nodeWidth : NODE_HEIGHT;
  const across = direction === "across" ? NODE_HEIGHT : nodeWidth;
  const span = deepest * across + (deepest - 1) * GAP_ACROSS;

  const placed = new Map<string, PlacedNode>();
  filled.forEach((column, step) => {
    const size = column.length * across + (column.length - 1) * GAP_ACROSS;
    const offset = (span - size) / 2; // centre short columns against the longest
    column.forEach((node, i) => {
      const a = step * (along + GAP_ALONG);
      const b = offset + i * (across + GAP_ACROSS);
      placed.set(node.id, { node, step, x: direction === "across" ? a : b, y: direction === "across" ? b : a });
    });
  });

  const edges: PlacedEdge[] = [];
  for (const edge of graph.edges) {
    const from = placed.get(edge.from);
    const to = placed.get(edge.to);
    if (!from || !to) continue;
    if (direction === "across") {
      const [x1, y1, x2, y2] = [from.x + nodeWidth, from.y + NODE_HEIGHT / 2, to.x, to.y + NODE_HEIGHT / 2];
      const bend = (x2 - x1) / 2;
      edges.push({ edge, path: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}` });
    } else {
      const [x1, y1, x2, y2] = [from.x + nodeWidth / 2, from.y + NODE_HEIGHT, to.x + nodeWidth / 2, to.y];
      const bend = (y2 - y1) / 2;
      edges.push({ edge, path: `M${x1},${y1} C${x1},${y1 + bend} ${x2},${y2 - bend} ${x2},${y2}` });
    }
  }

  const length = filled.length * along + (filled.length - 1) * GAP_ALONG;
  return {
    nodeWidth,
    nodes: [...placed.values()].sort((a, b) => a.step - b.step),
    edges,
    width: direction === "across" ? length : span,
    height: direction === "across" ? span : length,
  };
}
