import { describe, expect, it } from "vitest";
import { listParam, matchRoute, pathFromMlflowHash, paths } from "./router";

describe("router", () => {
  it("matches every page and its deep link", () => {
    expect(matchRoute("/")).toEqual({ page: "experiments" });
    expect(matchRoute("/experiments")).toEqual({ page: "experiments" });
    expect(matchRoute("/experiments/12")).toEqual({ page: "runs", experimentId: "12" });
    expect(matchRoute("/experiments/12/runs/abc")).toEqual({ page: "run", experimentId: "12", runId: "abc" });
    expect(matchRoute("/runs")).toEqual({ page: "multiRuns" });
    expect(matchRoute("/compare")).toEqual({ page: "compare" });
    expect(matchRoute("/nope")).toEqual({ page: "notFound", path: "/nope" });
    expect(matchRoute("/models")).toEqual({ page: "models" });
    expect(matchRoute("/models/churn")).toEqual({ page: "model", name: "churn" });
    expect(matchRoute("/models/churn/versions/3")).toEqual({ page: "modelVersion", name: "churn", version: "3" });
    expect(matchRoute("/models/churn/versions")).toEqual({ page: "notFound", path: "/models/churn/versions" });
    expect(matchRoute("/runs/abc")).toEqual({ page: "runById", runId: "abc" });
  });

  it("keeps a model name with slashes or spaces in one segment", () => {
    expect(paths.model("team/churn v2")).toBe("/models/team%2Fchurn%20v2");
    expect(matchRoute(paths.modelVersion("team/churn v2", "1"))).toEqual({ page: "modelVersion", name: "team/churn v2", version: "1" });
    expect(pathFromMlflowHash("#/models/churn/versions/2")).toBe("/models/churn/versions/2");
  });

  it("builds the paths it matches", () => {
    expect(matchRoute(paths.run("7", "r 1"))).toEqual({ page: "run", experimentId: "7", runId: "r 1" });
    expect(paths.runs("7", new URLSearchParams({ filter: "metrics.a > 1" }))).toBe("/experiments/7?filter=metrics.a+%3E+1");
  });

  it("turns MLflow's hash links into paths", () => {
    expect(pathFromMlflowHash("#/experiments/3/runs/x")).toBe("/experiments/3/runs/x");
    expect(pathFromMlflowHash("#section")).toBeNull();
  });

  it("turns MLflow's comparison links into the comparison pages", () => {
    expect(pathFromMlflowHash('#/compare-runs?runs=["a1","b2"]&experiments=["1"]')).toBe("/compare?runs=a1,b2");
    expect(pathFromMlflowHash(`#/compare-experiments/s?experiments=${encodeURIComponent('["1","2"]')}`)).toBe(
      "/runs?experiments=1,2",
    );
    expect(pathFromMlflowHash("#/compare?runs=a,b")).toBe("/compare?runs=a,b");
  });

  it("reads comma lists from the URL, each item once", () => {
    expect(listParam("a, b,,a")).toEqual(["a", "b"]);
    expect(listParam(null)).toEqual([]);
    expect(paths.compare(["a", "b"])).toBe("/compare?runs=a,b");
  });
});
