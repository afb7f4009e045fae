import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Run } from "../api/types";
import { buildRows, flatRows, PARENT_TAG } from "../lib/runTree";
import { makeRun, makeRuns } from "../test/fixtures";
import { RunsTable, type RunsTableProps, type TableColumn } from "./RunsTable";

const columns: TableColumn[] = [
  { id: "attributes.run_name", header: "Run", width: 200, sortable: true, render: (run: Run) => run.info.run_name },
  { id: "duration", header: "Duration", width: 80, sortable: false, render: () => "1m" },
  {
    id: "metrics.accuracy",
    header: "accuracy",
    group: "metric",
    width: 120,
    sortable: true,
    numeric: true,
    render: (run: Run) => String(run.data.metrics?.[0]?.value),
  },
];

function renderTable(props: Partial<RunsTableProps> = {}) {
  const handlers = { onSort: vi.fn(), onOpenRun: vi.fn(), onLoadMore: vi.fn() };
  const view = render(
    <RunsTable
      label="Runs"
      rows={flatRows(makeRuns(30))}
      columns={columns}
      sort={null}
      hasMore={false}
      loading={false}
      {...handlers}
      {...props}
    />,
  );
  return { ...handlers, ...view };
}

const bodyRows = () => screen.getAllByRole("row").filter((row) => row.getAttribute("aria-rowindex") !== "1");

describe("RunsTable", () => {
  it("renders only the rows near the viewport, however many runs are loaded", () => {
    renderTable({ rows: flatRows(makeRuns(100_000)) });
    const rows = bodyRows();
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(60);
    expect(within(rows[0]!).getByText("run-000")).toBeTruthy();
    expect(screen.queryByText("run-099")).toBeNull();
  });

  it("renders the rows of the scrolled-to window", () => {
    renderTable({ rows: flatRows(makeRuns(10_000)) });
    const grid = screen.getByRole("grid", { name: "Runs" });
    grid.scrollTop = 34 * 5000 + 44;
    fireEvent.scroll(grid);
    return vi.waitFor(() => expect(screen.getByText("run-5000")).toBeTruthy());
  });

  it("sorts by a column when its header is clicked and shows the sort state", async () => {
    const { onSort, rerender } = renderTable();
    await userEvent.click(screen.getByRole("button", { name: /accuracy/ }));
    expect(onSort).toHaveBeenCalledWith("metrics.accuracy");

    rerender(
      <RunsTable
        label="Runs"
        rows={flatRows(makeRuns(30))}
        columns={columns}
        sort={{ columnId: "metrics.accuracy", descending: true }}
        hasMore={false}
        loading={false}
        onSort={onSort}
        onOpenRun={vi.fn()}
        onLoadMore={vi.fn()}
      />,
    );
    const headers = screen.getAllByRole("columnheader");
    expect(headers.map((h) => h.getAttribute("aria-sort"))).toEqual(["none", null, "descending"]);
    expect(within(headers[1]!).queryByRole("button")).toBeNull();
  });

  it("moves through rows with the keyboard and opens one with Enter", async () => {
    const { onOpenRun } = renderTable();
    const grid = screen.getByRole("grid", { name: "Runs" });
    grid.focus();
    await userEvent.keyboard("{ArrowDown}{ArrowDown}{ArrowUp}{Enter}");
    expect(onOpenRun).toHaveBeenCalledTimes(1);
    expect(onOpenRun.mock.calls[0]![0].info.run_name).toBe("run-001");
    const active = document.getElementById(grid.getAttribute("aria-activedescendant")!);
    expect(active?.getAttribute("aria-selected")).toBe("true");
    await userEvent.keyboard("{End}{Enter}");
    expect(onOpenRun.mock.calls[1]![0].info.run_name).toBe("run-029");
  });

  it("asks for the next page when the loaded rows run out and more exist", () => {
    const { onLoadMore } = renderTable({ rows: flatRows(makeRuns(20)), hasMore: true });
    expect(onLoadMore).toHaveBeenCalled();
    expect(screen.getByRole("grid").getAttribute("aria-rowcount")).toBe("-1");
  });

  it("asks for nothing more when every run is loaded or a page is on its way", () => {
    const done = renderTable({ rows: flatRows(makeRuns(20)), hasMore: false });
    expect(done.onLoadMore).not.toHaveBeenCalled();
    expect(screen.getByRole("grid").getAttribute("aria-rowcount")).toBe("21");
    done.unmount();
    const busy = renderTable({ rows: flatRows(makeRuns(20)), hasMore: true, loading: true });
    expect(busy.onLoadMore).not.toHaveBeenCalled();
  });

  it("selects runs with their checkboxes, Space, or all at once", async () => {
    const runs = makeRuns(5);
    const onChange = vi.fn();
    renderTable({ rows: flatRows(runs), selection: { selected: new Set(["run1"]), all: runs.map((r) => r.info.run_id), onChange } });
    expect((screen.getByLabelText("Select run-001") as HTMLInputElement).checked).toBe(true);
    await userEvent.click(screen.getByLabelText("Select run-003"));
    expect(onChange).toHaveBeenLastCalledWith(["run3"], true);
    screen.getByRole("grid").focus();
    await userEvent.keyboard("{ArrowUp}{ArrowUp} "); // the click made run-003 the active row
    expect(onChange).toHaveBeenLastCalledWith(["run1"], false);
    const all = screen.getByLabelText("Select all loaded runs") as HTMLInputElement;
    expect(all.indeterminate).toBe(true);
    await userEvent.click(all);
    expect(onChange).toHaveBeenLastCalledWith(["run0", "run1", "run2", "run3", "run4"], true);
  });

  it("shows group rows with counts that open and close", async () => {
    const runs = makeRuns(6).map((run, i) => ({ ...run, data: { ...run.data, params: [{ key: "model", value: i % 3 ? "tree" : "linear" }] } }));
    const groupBy = { kind: "param" as const, key: "model" };
    const onToggleRow = vi.fn();
    const { rerender } = renderTable({ rows: buildRows(runs, { groupBy }), onToggleRow });
    const toggles = screen.getAllByRole("button", { name: /model =/ });
    expect(toggles.map((t) => t.textContent)).toEqual(["▾ model = linear", "▾ model = tree"]);
    expect(screen.getByText("2 runs")).toBeTruthy();
    expect(screen.getByText("4 runs")).toBeTruthy();
    const linear = screen.getAllByRole("row").find((r) => r.textContent?.includes("model = linear"))!;
    expect(within(linear).getAllByRole("gridcell")).toHaveLength(columns.length);
    await userEvent.click(toggles[1]!);
    expect(onToggleRow.mock.calls[0]![0]).toMatchObject({ kind: "group", value: "tree" });

    const collapsed = buildRows(runs, { groupBy, collapsedGroups: new Set([onToggleRow.mock.calls[0]![0].key]) });
    rerender(
      <RunsTable label="Runs" rows={collapsed} columns={columns} sort={null} hasMore={false} loading={false} onSort={vi.fn()} onOpenRun={vi.fn()} onLoadMore={vi.fn()} />,
    );
    expect(screen.getAllByRole("button", { name: /model = tree/ })[0]!.getAttribute("aria-expanded")).toBe("false");
    expect(screen.queryByText("run-001")).toBeNull();
    expect(screen.getByText("run-000")).toBeTruthy();
  });

  it("folds child runs under their parent, opened with the toggle or the Right arrow", async () => {
    const parent = makeRun(0);
    const child = makeRun(1, { tags: [{ key: PARENT_TAG, value: "run0" }] });
    const onToggleRow = vi.fn();
    const { rerender } = renderTable({ rows: buildRows([child, parent]), onToggleRow });
    expect(screen.queryByText("run-001")).toBeNull();
    const toggle = screen.getByRole("button", { name: "Show 1 child run of run-000" });
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    screen.getByRole("grid").focus();
    await userEvent.keyboard("{ArrowRight}");
    expect(onToggleRow.mock.calls[0]![0]).toMatchObject({ kind: "run", key: "run0" });

    rerender(
      <RunsTable
        label="Runs"
        rows={buildRows([child, parent], { expandedRuns: new Set(["run0"]) })}
        columns={columns}
        sort={null}
        hasMore={false}
        loading={false}
        onSort={vi.fn()}
        onOpenRun={vi.fn()}
        onLoadMore={vi.fn()}
      />,
    );
    expect(screen.getByRole("button", { name: "Hide 1 child run of run-000" })).toBeTruthy();
    expect(bodyRows().map((row) => row.textContent)).toEqual([expect.stringContaining("run-000"), expect.stringContaining("run-001")]);
  });
});
