import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { makeRuns } from "../test/fixtures";
import { RunsPage } from "./RunsPage";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

let searches: Record<string, unknown>[] = [];

beforeEach(() => {
  searches = [];
  window.history.replaceState(null, "", "/experiments/1");
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init?: RequestInit) => {
      if (url.includes("/experiments/get")) return json({ experiment: { experiment_id: "1", name: "demo", lifecycle_stage: "active" } });
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      searches.push(body);
      if (String(body.filter ?? "").includes("oops")) {
        return json({ error_code: "INVALID_PARAMETER_VALUE", message: "Invalid filter: unexpected 'oops'" }, 400);
      }
      return json({ runs: makeRuns(3) });
    }),
  );
});

afterEach(() => vi.unstubAllGlobals());

describe("RunsPage", () => {
  it("lists the runs of the experiment with the metric and param columns they have", async () => {
    render(<RunsPage experimentIds={["1"]} />);
    expect(await screen.findByText("run-002")).toBeTruthy();
    expect(screen.getByRole("heading", { name: "demo" })).toBeTruthy();
    expect(screen.getByRole("columnheader", { name: /accuracy/ })).toBeTruthy();
    expect(screen.getByRole("columnheader", { name: /lr/ })).toBeTruthy();
  });

  it("sends the sort as order_by and keeps it in the URL", async () => {
    render(<RunsPage experimentIds={["1"]} />);
    await screen.findByText("run-002");
    await userEvent.click(screen.getByRole("button", { name: /accuracy/ }));
    await waitFor(() => expect(searches.at(-1)?.order_by).toEqual(["metrics.`accuracy` DESC"]));
    expect(window.location.search).toContain("sort=metrics.accuracy");
  });

  it("shows the server's INVALID_PARAMETER_VALUE message under the filter box", async () => {
    render(<RunsPage experimentIds={["1"]} />);
    await screen.findByText("run-002");
    await userEvent.type(screen.getByLabelText("Filter runs"), "metrics.oops >{Enter}");
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("Invalid filter: unexpected 'oops'");
    expect(searches.at(-1)?.filter).toBe("metrics.oops >");
  });
});
