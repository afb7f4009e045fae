import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { makeRun } from "../test/fixtures";
import { json, never, serve } from "../test/server";
import { ComparePage } from "./ComparePage";

beforeEach(() => {
  window.history.replaceState(null, "", "/compare?runs=run1,run2,gone&x=time");
  serve({
    "/runs/get": (call) => {
      const id = new URL(call.url, "http://x").searchParams.get("run_id");
      if (id === "gone") return json({ error_code: "RESOURCE_DOES_NOT_EXIST", message: "Run with id=gone not found" }, 404);
      const i = Number(id?.slice(3));
      return { run: makeRun(i, { params: [{ key: "lr", value: String(i / 10) }] }) };
    },
    // Charts stay loading: jsdom has no canvas to draw them on.
    "/metrics/get-history-bulk-interval": never,
  });
});

describe("ComparePage", () => {
  it("compares the runs that load and names the ones that do not", async () => {
    render(<ComparePage runIds={["run1", "run2", "gone"]} />);
    const chips = await screen.findByRole("list", { name: "Compared runs" });
    expect(within(chips).getAllByRole("link").map((a) => a.textContent)).toEqual(["run-001", "run-002"]);
    expect(screen.getByText(/is left out/).textContent).toBe("Run gone is left out: Run with id=gone not found");
    expect(screen.getByRole("heading", { name: "Metrics (1)" })).toBeTruthy();
    expect(document.querySelector('figure[data-metric="accuracy"]')?.getAttribute("data-state")).toBe("loading");
    expect((screen.getByLabelText("X axis") as HTMLSelectElement).value).toBe("time");
    expect(document.querySelectorAll("path.pc-line")).toHaveLength(2);
    expect(screen.getByRole("row", { name: /differs: lr/ })).toBeTruthy();
  });

  it("drops a run from the comparison, keeping the other settings in the URL", async () => {
    render(<ComparePage runIds={["run1", "run2", "gone"]} />);
    await userEvent.click(await screen.findByRole("button", { name: "Remove run-001 from the comparison" }));
    expect(window.location.search).toBe("?runs=run2,gone&x=time");
  });

  it("explains how to start when no runs are given", () => {
    render(<ComparePage runIds={[]} />);
    expect(screen.getByText("No runs to compare yet.")).toBeTruthy();
  });
});
