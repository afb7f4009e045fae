// The rows of the runs table: runs grouped by a param or tag value, child runs nested under their
// parent (MLflow's `mlflow.parentRunId` tag), each group and parent collapsible.
import type { Run } from "../api/types";
import { cellValue, type ColumnRef } from "./columns";

export const PARENT_TAG = "mlflow.parentRunId";

export type TableRow =
  | {
      kind: "group";
      key: string;
      column: ColumnRef;
      value: string | null;
      count: number;
      runIds: string[];
      /** Every run of the group, nested ones included: what its header row aggregates. */
      runs: Run[];
      expanded: boolean;
    }
  | { kind: "run"; key: string; run: Run; depth: number; childCount: number; expanded: boolean };

export interface TreeOptions {
  groupBy?: ColumnRef | null;
  /** Group keys (`TableRow.key`) the user closed: groups start open. */
  collapsedGroups?: ReadonlySet<string>;
  /** Run ids whose children are shown: parents start closed. */
  expandedRuns?: ReadonlySet<string>;
}

export function parentRunId(run: Run): string | null {
  return run.data.tags?.find((tag) => tag.key === PARENT_TAG)?.value || null;
}

/** One row per run, in order: what the table shows with no grouping and no nested runs. */
export function flatRows(runs: readonly Run[]): TableRow[] {
  return runs.map((run) => ({ kind: "run", key: run.info.run_id, run, depth: 0, childCount: 0, expanded: false }));
}

/** Runs whose parent is among `runs` go under it; the rest stay top-level, in their order. */
function nest(runs: readonly Run[], expanded: ReadonlySet<string>, out: TableRow[]): void {
  const ids = new Set(runs.map((run) => run.info.run_id));
  const children = new Map<string, Run[]>();
  for (const run of runs) {
    const parent = parentRunId(run);
    if (parent && parent !== run.info.run_id && ids.has(parent)) {
      const list = children.get(parent);
      if (list) list.push(run);
      else children.set(parent, [run]);
    }
  }
  const placed = new Set<string>();
  const visit = (run: Run, depth: number) => {
    const id = run.info.run_id;
    if (placed.has(id)) return;
    placed.add(id);
    const kids = children.get(id) ?? [];
    const open = kids.length > 0 && expanded.has(id);
    out.push({ kind: "run", key: id, run, depth, childCount: kids.length, expanded: open });
    if (open) for (const kid of kids) visit(kid, depth + 1);
    else for (const kid of kids) markPlaced(kid);
  };
  // A collapsed parent hides its whole subtree.
  const markPlaced = (run: Run) => {
    if (placed.has(run.info.run_id)) return;
    placed.add(run.info.run_id);
    for (const kid of children.get(run.info.run_id) ?? []) markPlaced(kid);
  };
  for (const run of runs) {
    const parent = parentRunId(run);
    if (!parent || parent === run.info.run_id || !ids.has(parent)) visit(run, 0);
  }
  // Runs in a parent cycle have no top: show them top-level rather than lose them.
  for (const run of runs) if (!placed.has(run.info.run_id)) visit(run, 0);
}

export function groupKey(column: ColumnRef, value: string | null): string {
  return `group:${column.kind}.${column.key}=${value === null ? "\u0000" : value}`;
}

/** The table's rows: groups in the order their first run appears (so the sort still leads), runs nested. */
export function buildRows(runs: readonly Run[], options: TreeOptions = {}): TableRow[] {
  const { groupBy = null, collapsedGroups = new Set(), expandedRuns = new Set() } = options;
  const out: TableRow[] = [];
  if (!groupBy) {
    nest(runs, expandedRuns, out);
    return out;
  }
  const groups = new Map<string | null, Run[]>();
  for (const run of runs) {
    const raw = cellValue(run, groupBy);
    const value = raw === null ? null : String(raw);
    const list = groups.get(value);
    if (list) list.push(run);
    else groups.set(value, [run]);
  }
  // Runs without the key come last.
  const ordered = [...groups.entries()].sort(([a], [b]) => (a === null ? 1 : 0) - (b === null ? 1 : 0));
  for (const [value, members] of ordered) {
    const key = groupKey(groupBy, value);
    const expanded = !collapsedGroups.has(key);
    out.push({
      kind: "group",
      key,
      column: groupBy,
      value,
      count: members.length,
      runIds: members.map((run) => run.info.run_id),
      runs: members,
      expanded,
    });
    if (expanded) nest(members, expandedRuns, out);
  }
  return out;
}
