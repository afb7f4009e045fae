import { describe, expect, it } from "vitest";
import { matchRoute, pathFromMlflowHash, paths } from "./router";

describe("router", () => {
  it("matches every page and its deep link", () => {
    expect(matchRoute("/")).toEqual({ page: "experiments" });
    expect(matchRoute("/experiments")).toEqual({ page: "experiments" });
    expect(matchRoute("/experiments/12")).toEqual({ page: "runs", experimentId: "12" });
    expect(matchRoute("/experiments/12/runs/abc")).toEqual({ page: "run", experimentId: "12", runId: "abc" });
    expect(matchRoute("/nope")).toEqual({ page: "notFound", path: "/nope" });
  });

  it("builds the paths it matches", () => {
    expect(matchRoute(paths.run("7", "r 1"))).toEqual({ page: "run", experimentId: "7", runId: "r 1" });
    expect(paths.runs("7", new URLSearchParams({ filter: "metrics.a > 1" }))).toBe("/experiments/7?filter=metrics.a+%3E+1");
  });

  it("turns MLflow's hash links into paths", () => {
    expect(pathFromMlflowHash("#/experiments/3/runs/x")).toBe("/experiments/3/runs/x");
    expect(pathFromMlflowHash("#section")).toBeNull();
  });
});
