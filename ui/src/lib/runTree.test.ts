import { describe, expect, it } from "vitest";
import type { Run } from "../api/types";
import { makeRun } from "../test/fixtures";
import { buildRows, flatRows, groupKey, PARENT_TAG, type TableRow } from "./runTree";

const childOf = (i: number, parent: string, extra: Partial<Run["data"]> = {}) =>
  makeRun(i, { tags: [{ key: PARENT_TAG, value: parent }], ...extra });

const withParam = (run: Run, key: string, value: string): Run => ({
  ...run,
  data: { ...run.data, params: [...(run.data.params ?? []), { key, value }] },
});

const shape = (rows: TableRow[]) =>
  rows.map((row) => (row.kind === "group" ? `[${row.value ?? "-"}:${row.count}]` : `${"  ".repeat(row.depth)}${row.run.info.run_id}`));

describe("buildRows", () => {
  it("keeps runs in order when there is nothing to nest or group", () => {
    const runs = [makeRun(2), makeRun(1)];
    expect(shape(buildRows(runs))).toEqual(["run2", "run1"]);
    expect(shape(flatRows(runs))).toEqual(["run2", "run1"]);
  });

  it("folds child runs under their parent, closed until expanded", () => {
    const runs = [childOf(3, "run1"), makeRun(2), makeRun(1), childOf(4, "run3")];
    const closed = buildRows(runs);
    expect(shape(closed)).toEqual(["run2", "run1"]);
    expect(closed[1]).toMatchObject({ childCount: 1, expanded: false });
    expect(shape(buildRows(runs, { expandedRuns: new Set(["run1"]) }))).toEqual(["run2", "run1", "  run3"]);
    expect(shape(buildRows(runs, { expandedRuns: new Set(["run1", "run3"]) }))).toEqual(["run2", "run1", "  run3", "    run4"]);
  });

  it("shows a child whose parent is not loaded at the top level", () => {
    expect(shape(buildRows([childOf(1, "elsewhere"), makeRun(2)]))).toEqual(["run1", "run2"]);
  });

  it("never loses runs that name each other as parents", () => {
    const runs = [childOf(1, "run2"), childOf(2, "run1")];
    expect(shape(buildRows(runs))).toEqual(["run1"]);
    expect(shape(buildRows(runs, { expandedRuns: new Set(["run1"]) }))).toEqual(["run1", "  run2"]);
  });

  it("groups by a param in the order groups first appear, runs without it last", () => {
    const runs = [withParam(makeRun(1), "model", "tree"), makeRun(2), withParam(makeRun(3), "model", "linear"), withParam(makeRun(4), "model", "tree")];
    const groupBy = { kind: "param" as const, key: "model" };
    const rows = buildRows(runs, { groupBy });
    expect(shape(rows)).toEqual(["[tree:2]", "run1", "run4", "[linear:1]", "run3", "[-:1]", "run2"]);
    expect(rows[0]).toMatchObject({ kind: "group", runIds: ["run1", "run4"], expanded: true });
    const closed = buildRows(runs, { groupBy, collapsedGroups: new Set([groupKey(groupBy, "tree")]) });
    expect(shape(closed)).toEqual(["[tree:2]", "[linear:1]", "run3", "[-:1]", "run2"]);
  });

  it("nests inside a group and counts every run of the group", () => {
    const runs = [withParam(childOf(2, "run1"), "model", "tree"), withParam(makeRun(1), "model", "tree")];
    const rows = buildRows(runs, { groupBy: { kind: "param", key: "model" }, expandedRuns: new Set(["run1"]) });
    expect(shape(rows)).toEqual(["[tree:2]", "run1", "  run2"]);
  });

  it("groups by a tag", () => {
    const runs = [makeRun(1, { tags: [{ key: "team", value: "vision" }] }), makeRun(2, { tags: [{ key: "team", value: "nlp" }] })];
    expect(shape(buildRows(runs, { groupBy: { kind: "tag", key: "team" } }))).toEqual(["[vision:1]", "run1", "[nlp:1]", "run2"]);
  });
});
