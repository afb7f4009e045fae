import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Run } from "../api/types";
import { readChartSettings } from "../lib/chartSettings";
import type { CompareRun } from "../lib/compareRuns";
import { colorOf } from "../lib/palette";
import { makeRun } from "../test/fixtures";
import { ChartOptions } from "./ChartOptions";
import { DiffTable } from "./DiffTable";
import { ParallelCoordinates, ParallelCoordinatesPanel } from "./ParallelCoordinates";
import { ScatterPanel } from "./ScatterPlot";

function compared(runs: Run[]): CompareRun[] {
  return runs.map((run, i) => ({ run, name: run.info.run_name ?? run.info.run_id, color: colorOf(i) }));
}

const runs = compared(
  [0, 1, 2].map((i) =>
    makeRun(i, {
      params: [
        { key: "lr", value: String(0.1 * (i + 1)) },
        { key: "model", value: i === 1 ? "tree" : "linear" },
        { key: "seed", value: "7" },
      ],
      metrics: [
        { key: "accuracy", value: 0.5 + i / 10, timestamp: 0, step: 0 },
        { key: "loss", value: 1 - i / 10, timestamp: 0, step: 0 },
      ],
      tags: [{ key: "team", value: "vision" }],
    }),
  ),
);

describe("ParallelCoordinates", () => {
  it("draws a line per run through each axis, in the run's colour", () => {
    const { container } = render(<ParallelCoordinates runs={runs} params={["lr", "model"]} metric="accuracy" />);
    const lines = [...container.querySelectorAll("path.pc-line")];
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => line.getAttribute("stroke"))).toEqual([colorOf(0), colorOf(1), colorOf(2)]);
    for (const line of lines) expect(line.getAttribute("d")).toMatch(/^M[\d.]+,[\d.]+L[\d.]+,[\d.]+L[\d.]+,[\d.]+$/);
    expect([...container.querySelectorAll(".axis-title")].map((t) => t.textContent)).toEqual(["lr", "model", "accuracy"]);
    // The best accuracy sits at the top of its axis, the worst at the bottom.
    const lastY = (line: Element) => Number(line.getAttribute("d")!.split(",").pop());
    expect(lastY(lines[2]!)).toBeLessThan(lastY(lines[0]!));
  });

  it("breaks a line where a run lacks a value", () => {
    const partial = compared([makeRun(0, { params: [{ key: "lr", value: "0.1" }] }), makeRun(1, { params: [] })]);
    const { container } = render(<ParallelCoordinates runs={partial} params={["lr", "depth"]} metric="accuracy" />);
    const paths = [...container.querySelectorAll("path.pc-line")].map((p) => p.getAttribute("d"));
    expect(paths[0]).toMatch(/^M[\d.]+,[\d.]+L/); // lr → accuracy (no depth axis: nobody has it)
    expect(paths[1]).toMatch(/^M[\d.]+,[\d.]+$/); // only accuracy
  });

  it("starts from the params that differ, and lets the axes be chosen", async () => {
    render(<ParallelCoordinatesPanel runs={runs} />);
    const axes = screen.getByRole("group", { name: "Axes (parameters)" });
    expect((within(axes).getByLabelText("lr") as HTMLInputElement).checked).toBe(true);
    expect((within(axes).getByLabelText("seed") as HTMLInputElement).checked).toBe(false);
    await userEvent.click(within(axes).getByLabelText("seed"));
    await userEvent.selectOptions(screen.getByLabelText("Metric"), "loss");
    const titles = [...document.querySelectorAll(".axis-title")].map((t) => t.textContent);
    expect(titles).toEqual(["lr", "model", "seed", "loss"]);
  });

  it("picks a run out when its legend entry has the focus", () => {
    const { container } = render(<ParallelCoordinates runs={runs} params={["lr"]} metric="accuracy" />);
    fireEvent.focus(screen.getByRole("button", { name: "run-001" }));
    const opacities = [...container.querySelectorAll("path.pc-line")].map((p) => p.getAttribute("stroke-opacity"));
    expect(opacities).toEqual(["0.15", "0.9", "0.15"]);
  });
});

describe("ScatterPanel", () => {
  it("puts a dot per run at the chosen columns", async () => {
    const { container } = render(<ScatterPanel runs={runs} />);
    expect(container.querySelectorAll("circle.scatter-point")).toHaveLength(3);
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("Scatter of accuracy against lr for 3 runs");
    await userEvent.selectOptions(screen.getByLabelText("Scatter y"), "metrics.loss");
    await userEvent.selectOptions(screen.getByLabelText("Scatter x"), "params.model");
    expect(screen.getByRole("img").getAttribute("aria-label")).toBe("Scatter of loss against model for 3 runs");
    const xs = [...container.querySelectorAll("circle.scatter-point")].map((c) => Number(c.getAttribute("cx")));
    expect(xs[0]).toBe(xs[2]); // both "linear"
    expect(xs[1]).toBeGreaterThan(xs[0]!);
  });
});

describe("DiffTable", () => {
  it("marks rows whose values differ and can hide the rest", async () => {
    render(<DiffTable runs={runs} />);
    const row = (name: RegExp) => screen.getByRole("row", { name });
    expect(row(/lr/).className).toBe("is-different");
    expect(row(/seed/).className).toBe("");
    expect(within(row(/seed/)).getAllByRole("cell").map((c) => c.textContent)).toEqual(["7", "7", "7"]);
    expect(screen.getByText("4 values differ")).toBeTruthy();
    await userEvent.click(screen.getByLabelText("Show only differences"));
    expect(screen.queryByRole("row", { name: /seed/ })).toBeNull();
    expect(screen.getAllByText("All the same.")).toHaveLength(1); // the tags
  });
});

describe("ChartOptions", () => {
  it("reports each change with the rest of the settings kept", async () => {
    const onChange = vi.fn();
    render(<ChartOptions showXAxis value={readChartSettings(new URLSearchParams("smooth=0.5"))} onChange={onChange} />);
    expect(screen.getByText("0.50")).toBeTruthy();
    await userEvent.click(screen.getByLabelText("Log scale"));
    expect(onChange).toHaveBeenLastCalledWith({ logScale: true, smoothing: 0.5, xAxis: "step" });
    await userEvent.selectOptions(screen.getByLabelText("X axis"), "Wall time");
    expect(onChange).toHaveBeenLastCalledWith({ logScale: false, smoothing: 0.5, xAxis: "time" });
    fireEvent.change(screen.getByLabelText("Smoothing"), { target: { value: "0.9" } });
    expect(onChange).toHaveBeenLastCalledWith({ logScale: false, smoothing: 0.9, xAxis: "step" });
  });

  it("leaves out the x axis where charts only have steps", () => {
    render(<ChartOptions value={readChartSettings(new URLSearchParams())} onChange={vi.fn()} />);
    expect(screen.queryByLabelText("X axis")).toBeNull();
    expect(screen.getByText("off")).toBeTruthy();
  });
});
