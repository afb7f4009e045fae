import { render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { makeRun } from "../test/fixtures";
import { dataColumn } from "./runColumns";

describe("dataColumn", () => {
  it("gives metric columns a group mean over the runs that logged the metric", () => {
    const column = dataColumn({ kind: "metric", key: "accuracy" });
    const runs = [makeRun(10), makeRun(30), makeRun(5, { metrics: [] })]; // accuracy 0.1 and 0.3
    const { container } = render(<>{column.aggregate?.(runs)}</>);
    expect(container.textContent).toBe("mean 0.2");
    expect(container.querySelector("[title]")?.getAttribute("title")).toBe("Mean of 2 runs");
    expect(column.aggregate?.([makeRun(1, { metrics: [] })])).toBeNull();
  });

  it("leaves params and tags without an aggregate", () => {
    expect(dataColumn({ kind: "param", key: "lr" }).aggregate).toBeUndefined();
    expect(dataColumn({ kind: "tag", key: "team" }).header).toBe("team");
  });
});
