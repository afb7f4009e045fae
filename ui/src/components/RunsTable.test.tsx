import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Run } from "../api/types";
import { makeRuns } from "../test/fixtures";
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
      runs={makeRuns(30)}
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
    renderTable({ runs: makeRuns(100_000) });
    const rows = bodyRows();
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(60);
    expect(within(rows[0]!).getByText("run-000")).toBeTruthy();
    expect(screen.queryByText("run-099")).toBeNull();
  });

  it("renders the rows of the scrolled-to window", () => {
    renderTable({ runs: makeRuns(10_000) });
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
        runs={makeRuns(30)}
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
    const { onLoadMore } = renderTable({ runs: makeRuns(20), hasMore: true });
    expect(onLoadMore).toHaveBeenCalled();
    expect(screen.getByRole("grid").getAttribute("aria-rowcount")).toBe("-1");
  });

  it("asks for nothing more when every run is loaded or a page is on its way", () => {
    const done = renderTable({ runs: makeRuns(20), hasMore: false });
    expect(done.onLoadMore).not.toHaveBeenCalled();
    expect(screen.getByRole("grid").getAttribute("aria-rowcount")).toBe("21");
    done.unmount();
    const busy = renderTable({ runs: makeRuns(20), hasMore: true, loading: true });
    expect(busy.onLoadMore).not.toHaveBeenCalled();
  });
});
