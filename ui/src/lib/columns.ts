// Runs-table columns: which run field each shows, how it sorts (MLflow order_by) and how it reads in a URL.
import { toNumber, type Run } from "../api/types";

export type ColumnKind = "attribute" | "metric" | "param" | "tag";

export interface ColumnRef {
  kind: ColumnKind;
  key: string;
}

const PREFIX: Record<ColumnKind, string> = {
  attribute: "attributes",
  metric: "metrics",
  param: "params",
  tag: "tags",
};

const KIND_OF_PREFIX: Record<string, ColumnKind> = {
  attributes: "attribute",
  metrics: "metric",
  params: "param",
  tags: "tag",
};

/** `metrics.val_loss`: MLflow's own name for the field, used in URLs and as a React key. */
export function columnId(column: ColumnRef): string {
  return `${PREFIX[column.kind]}.${column.key}`;
}

export function parseColumnId(id: string): ColumnRef | null {
  const dot = id.indexOf(".");
  if (dot <= 0) return null;
  const kind = KIND_OF_PREFIX[id.slice(0, dot)];
  const key = id.slice(dot + 1);
  return kind && key ? { kind, key } : null;
}

/** An order_by clause the search grammar reads: keys are backquoted so spaces and dots are safe. */
export function orderByClause(column: ColumnRef, descending: boolean): string {
  const field = column.kind === "attribute" ? `attributes.${column.key}` : `${PREFIX[column.kind]}.\`${column.key}\``;
  return `${field} ${descending ? "DESC" : "ASC"}`;
}

export type CellValue = string | number | null;

export function cellValue(run: Run, column: ColumnRef): CellValue {
  const { info, data } = run;
  switch (column.kind) {
    case "attribute": {
      const value = (info as unknown as Record<string, unknown>)[column.key];
      return typeof value === "string" || typeof value === "number" ? value : null;
    }
    case "metric": {
      const metric = data.metrics?.find((m) => m.key === column.key);
      return metric ? toNumber(metric.value) : null;
    }
    case "param":
      return data.params?.find((p) => p.key === column.key)?.value ?? null;
    case "tag":
      return data.tags?.find((t) => t.key === column.key)?.value ?? null;
  }
}

/** Tags MLflow's clients set for their own bookkeeping: the table shows them another way, or not at all. */
const HIDDEN_TAGS = new Set(["mlflow.runName", "mlflow.parentRunId", "mlflow.note.content", "mlflow.log-model.history"]);

export function isPickableTag(key: string): boolean {
  return !HIDDEN_TAGS.has(key);
}

export interface KeySets {
  metrics: Set<string>;
  params: Set<string>;
  tags: Set<string>;
}

/** The metric, param and tag keys present in some runs, for the column picker and group-by. */
export function collectKeys(runs: readonly Run[], into: KeySets): void {
  for (const run of runs) {
    for (const metric of run.data.metrics ?? []) into.metrics.add(metric.key);
    for (const param of run.data.params ?? []) into.params.add(param.key);
    for (const tag of run.data.tags ?? []) if (isPickableTag(tag.key)) into.tags.add(tag.key);
  }
}

/** User tags first, then MLflow's own (`mlflow.user`, `mlflow.source.name`…), each alphabetical. */
export function sortTagKeys(keys: Iterable<string>): string[] {
  const all = [...keys].sort();
  return [...all.filter((k) => !k.startsWith("mlflow.")), ...all.filter((k) => k.startsWith("mlflow."))];
}
