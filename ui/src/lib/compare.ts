// What the compare page reads from runs: the keys they have, each key's values side by side, and
// which of those differ.
import { toNumber, type Run } from "../api/types";
import { isPickableTag, type ColumnRef } from "./columns";
import { formatNumber } from "./format";

export type DiffKind = "metric" | "param" | "tag";

export interface DiffRow {
  key: string;
  /** Per run, as shown: null where the run lacks the key. */
  values: (string | null)[];
  differs: boolean;
}

function entries(run: Run, kind: DiffKind): { key: string; value: string }[] {
  if (kind === "metric") return (run.data.metrics ?? []).map((m) => ({ key: m.key, value: formatNumber(toNumber(m.value)) }));
  if (kind === "param") return run.data.params ?? [];
  return (run.data.tags ?? []).filter((t) => isPickableTag(t.key) && !t.key.startsWith("mlflow."));
}

export function keysOf(runs: readonly Run[], kind: DiffKind): string[] {
  const keys = new Set<string>();
  for (const run of runs) for (const entry of entries(run, kind)) keys.add(entry.key);
  return [...keys].sort((a, b) => a.localeCompare(b));
}

/** One row per key any run has; a key some runs lack differs. */
export function diffRows(runs: readonly Run[], kind: DiffKind): DiffRow[] {
  const maps = runs.map((run) => new Map(entries(run, kind).map((e) => [e.key, e.value])));
  return keysOf(runs, kind).map((key) => {
    const values = maps.map((map) => map.get(key) ?? null);
    return { key, values, differs: values.some((value) => value !== values[0]) };
  });
}

/** Params whose values differ between the runs: the ones worth a parallel-coordinates axis. */
export function varyingParams(runs: readonly Run[]): string[] {
  return diffRows(runs, "param")
    .filter((row) => row.differs)
    .map((row) => row.key);
}

/** Every metric and param as a column for the scatter plot. */
export function scatterColumns(runs: readonly Run[]): ColumnRef[] {
  return [
    ...keysOf(runs, "metric").map((key) => ({ kind: "metric" as const, key })),
    ...keysOf(runs, "param").map((key) => ({ kind: "param" as const, key })),
  ];
}
