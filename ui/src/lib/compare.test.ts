import { describe, expect, it } from "vitest";
import { makeRun } from "../test/fixtures";
import { diffRows, keysOf, scatterColumns, varyingParams } from "./compare";
import { alignSeries, seriesFromHistory, styleSeries } from "./overlay";
import { position, scaleFor, ticks } from "./scales";

const a = makeRun(0, {
  params: [
    { key: "lr", value: "0.1" },
    { key: "model", value: "tree" },
  ],
  tags: [
    { key: "team", value: "vision" },
    { key: "mlflow.user", value: "ada" },
  ],
});
const b = makeRun(1, {
  params: [
    { key: "lr", value: "0.2" },
    { key: "model", value: "tree" },
    { key: "depth", value: "3" },
  ],
  tags: [{ key: "team", value: "vision" }],
});

describe("diffRows", () => {
  it("lines up each key's values and marks the ones that differ", () => {
    expect(diffRows([a, b], "param")).toEqual([
      { key: "depth", values: [null, "3"], differs: true },
      { key: "lr", values: ["0.1", "0.2"], differs: true },
      { key: "model", values: ["tree", "tree"], differs: false },
    ]);
    expect(diffRows([a, b], "tag")).toEqual([{ key: "team", values: ["vision", "vision"], differs: false }]);
    expect(diffRows([a, b], "metric")).toEqual([{ key: "accuracy", values: ["0", "0.01"], differs: true }]);
  });

  it("finds the params that vary and every plottable column", () => {
    expect(varyingParams([a, b])).toEqual(["depth", "lr"]);
    expect(keysOf([a, b], "metric")).toEqual(["accuracy"]);
    expect(scatterColumns([a, b]).map((c) => `${c.kind}.${c.key}`)).toEqual(["metric.accuracy", "param.depth", "param.lr", "param.model"]);
  });
});

describe("scales", () => {
  it("are numeric when every value reads as a number, categorical otherwise", () => {
    const numeric = scaleFor(["0.1", 0.3, null, "0.2"]);
    expect(numeric).toEqual({ kind: "numeric", min: 0.1, max: 0.3 });
    expect(position(numeric!, "0.2")).toBeCloseTo(0.5);
    expect(position(numeric!, null)).toBeNull();
    const categorical = scaleFor(["tree", "linear", "tree", "knn10", "knn2"]);
    expect(categorical).toEqual({ kind: "categorical", categories: ["knn2", "knn10", "linear", "tree"] });
    expect(position(categorical!, "tree")).toBe(1);
    expect(scaleFor([null, ""])).toBeNull();
  });

  it("put ticks on round numbers inside the range", () => {
    expect(ticks({ kind: "numeric", min: 0.05, max: 0.95 }, 4).map((t) => t.label)).toEqual(["0.2", "0.4", "0.6", "0.8"]);
    expect(ticks({ kind: "numeric", min: 2, max: 2 })).toEqual([{ at: 0.5, label: "2" }]);
    expect(ticks({ kind: "categorical", categories: ["a", "b"] })).toEqual([
      { at: 0, label: "a" },
      { at: 1, label: "b" },
    ]);
  });
});

describe("overlay", () => {
  const history = [
    { key: "loss", run_id: "r1", step: 0, timestamp: 1000, value: 4 },
    { key: "loss", run_id: "r1", step: 2, timestamp: 3000, value: 2 },
    { key: "loss", run_id: "r2", step: 1, timestamp: 5000, value: "NaN" as const },
    { key: "loss", run_id: "r2", step: 2, timestamp: 6000, value: 1 },
  ];

  it("places each run's points on the chosen x axis", () => {
    expect(seriesFromHistory(history, ["r1", "r2"], "step")).toEqual([
      { runId: "r1", x: [0, 2], y: [4, 2] },
      { runId: "r2", x: [1, 2], y: [null, 1] },
    ]);
    expect(seriesFromHistory(history, ["r1"], "time")[0]!.x).toEqual([1, 3]);
    expect(seriesFromHistory(history, ["r2"], "relative", new Map([["r2", 4000]]))[0]!.x).toEqual([1, 2]);
    expect(seriesFromHistory(history, ["r2"], "relative", new Map([["r2", 5500]]))[0]!.x).toEqual([0, 1]);
  });

  it("aligns runs on the union of their x values", () => {
    const series = seriesFromHistory(history, ["r1", "r2"], "step");
    expect(alignSeries(series)).toEqual([
      [0, 1, 2],
      [4, undefined, 2],
      [undefined, null, 1],
    ]);
  });

  it("applies log scale and smoothing per run", () => {
    const styled = styleSeries([{ runId: "r", x: [0, 1, 2], y: [0, 10, 20] }], { logScale: true, smoothing: 0.5 });
    expect(styled[0]!.y[0]).toBeNull();
    expect(styled[0]!.y[1]).toBeCloseTo(10);
    expect(styled[0]!.y[2]).toBeGreaterThan(10);
  });
});
