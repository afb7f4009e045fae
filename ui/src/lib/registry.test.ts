import { describe, expect, it } from "vitest";
import type { Lineage, RegistryEvent } from "../api/registry";
import { fitLineage, layoutLineage, MIN_NODE_WIDTH, NODE_WIDTH, stepsOf } from "./lineage";
import { describeEvent, modelFilter, versionsOf } from "./registry";

const event = (event_id: number, action: string, extra: Partial<RegistryEvent> = {}): RegistryEvent => ({
  event_id,
  timestamp: 1_700_000_000_000 + event_id,
  action,
  name: "churn",
  ...extra,
});

describe("the models search box", () => {
  it("sends a plain word as a name match and a filter as written", () => {
    expect(modelFilter("  churn ")).toBe("name ILIKE '%churn%'");
    expect(modelFilter("o'brien")).toBe("name ILIKE '%o''brien%'");
    expect(modelFilter("name LIKE 'churn%'")).toBe("name LIKE 'churn%'");
    expect(modelFilter("tags.team = 'ml'")).toBe("tags.team = 'ml'");
    expect(modelFilter("")).toBeUndefined();
    expect(versionsOf("it's")).toBe("name = 'it''s'");
  });
});

describe("history events", () => {
  it("read as sentences", () => {
    expect(describeEvent(event(1, "model_version_alias.created", { version: "2", key: "champion", to_value: "2" }))).toBe(
      "Alias @champion set on version 2",
    );
    expect(
      describeEvent(event(2, "model_version_alias.created", { version: "3", key: "champion", from_value: "2", to_value: "3" })),
    ).toBe("Alias @champion moved from version 2 to version 3");
    expect(describeEvent(event(3, "model_version.stage_changed", { version: "3", from_value: "None", to_value: "Production" }))).toBe(
      "Version 3: stage None → Production",
    );
    expect(describeEvent(event(4, "model_version_alias.deleted", { version: "3", key: "champion", from_value: "3" }))).toBe(
      "Alias @champion removed from version 3",
    );
    expect(describeEvent(event(5, "something.new", { key: "k", to_value: "v" }))).toBe("something.new k ∅ → v");
  });
});

const GRAPH: Lineage = {
  nodes: [
    { id: "model_version:m/1", type: "model_version", name: "m", version: "1" },
    { id: "logged_model:m-1", type: "logged_model", model_id: "m-1" },
    { id: "run:r", type: "run", run_id: "r", experiment_id: "1" },
    { id: "dataset:a", type: "dataset", name: "a" },
    { id: "dataset:b", type: "dataset", name: "b" },
  ],
  edges: [
    { from: "logged_model:m-1", to: "model_version:m/1", relation: "registered_as" },
    { from: "run:r", to: "logged_model:m-1", relation: "produced" },
    { from: "dataset:a", to: "run:r", relation: "input" },
    { from: "dataset:b", to: "run:r", relation: "input" },
  ],
};

describe("the lineage layout", () => {
  it("puts each node at its step: data, run, logged model, version", () => {
    expect(Object.fromEntries(stepsOf(GRAPH))).toEqual({
      "model_version:m/1": 3,
      "logged_model:m-1": 2,
      "run:r": 1,
      "dataset:a": 0,
      "dataset:b": 0,
    });
    const layout = layoutLineage(GRAPH, "across");
    expect(layout.nodes.map((p) => p.node.id)).toEqual(["dataset:a", "dataset:b", "run:r", "logged_model:m-1", "model_version:m/1"]);
    const [a, b, run] = layout.nodes;
    expect(a!.x).toBe(b!.x);
    expect(run!.x).toBeGreaterThan(a!.x + NODE_WIDTH);
    // The run sits between its two datasets.
    expect(run!.y).toBe((a!.y + b!.y) / 2);
    expect(layout.edges).toHaveLength(4);
    expect(layout.edges[0]!.path).toMatch(/^M[\d.]+,[\d.]+ C/);
  });

  it("reads top to bottom, with narrower boxes, when the window is narrow", () => {
    const wide = fitLineage(GRAPH, 2000);
    expect(new Set(wide.nodes.map((p) => p.x)).size).toBe(4); // a column per step
    const narrow = fitLineage(GRAPH, 360);
    expect(narrow.nodeWidth).toBe(172);
    expect(narrow.width).toBeLessThanOrEqual(360);
    expect(narrow.nodes.map((p) => p.y)).toEqual([...narrow.nodes.map((p) => p.y)].sort((x, y) => x - y));
    expect(fitLineage(GRAPH, 200).nodeWidth).toBe(MIN_NODE_WIDTH);
  });

  it("survives a cycle", () => {
    const cyclic: Lineage = { nodes: [{ id: "a", type: "run" }, { id: "b", type: "run" }], edges: [{ from: "a", to: "b", relation: "x" }, { from: "b", to: "a", relation: "x" }] };
    expect(layoutLineage(cyclic, "across").nodes).toHaveLength(2);
  });
});
