import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { makeRun, makeRuns } from "../test/fixtures";
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

  it("offers tag columns in the column picker", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) =>
        url.includes("/experiments/get")
          ? json({ experiment: { experiment_id: "1", name: "demo", lifecycle_stage: "active" } })
          : json({ runs: [makeRun(1, { tags: [{ key: "team", value: "vision" }, { key: "mlflow.runName", value: "x" }] })] }),
      ),
    );
    render(<RunsPage experimentIds={["1"]} />);
    await screen.findByText("run-001");
    const tags = within(document.querySelector<HTMLElement>(".column-picker")!).getByRole("group", { name: "Tags" });
    expect(within(tags).getAllByRole("checkbox").map((box) => box.parentElement?.textContent)).toEqual(["team"]);
    await userEvent.click(within(tags).getByLabelText("team"));
    expect(window.location.search).toContain("col=tags.team");
    expect(await screen.findByRole("gridcell", { name: "vision" })).toBeTruthy();
  });

  it("shows the runs of several experiments with a column naming each run's experiment", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init?: RequestInit) => {
        if (url.includes("/experiments/get")) {
          const id = new URL(url, "http://x").searchParams.get("experiment_id");
          return json({ experiment: { experiment_id: id, name: `exp ${id}`, lifecycle_stage: "active" } });
        }
        searches.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
        return json({ runs: [makeRun(1), { ...makeRun(2), info: { ...makeRun(2).info, experiment_id: "4" } }] });
      }),
    );
    render(<RunsPage experimentIds={["1", "4"]} />);
    expect(await screen.findByRole("heading", { name: "Runs of 2 experiments" })).toBeTruthy();
    expect(searches[0]?.experiment_ids).toEqual(["1", "4"]);
    expect(await screen.findByRole("gridcell", { name: "exp 4" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "run-002" }).getAttribute("href")).toBe("/experiments/4/runs/run2");
  });

  it("loads every page before grouping, then shows the groups", async () => {
    let page = 0;
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        if (url.includes("/experiments/get")) return json({ experiment: { experiment_id: "1", name: "demo", lifecycle_stage: "active" } });
        page += 1;
        const runs = makeRuns(4).map((run, i) => ({ ...run, info: { ...run.info, run_id: `p${page}-${i}` } }));
        return json(page < 3 ? { runs, next_page_token: `t${page}` } : { runs });
      }),
    );
    window.history.replaceState(null, "", "/experiments/1?group=params.lr");
    render(<RunsPage experimentIds={["1"]} />);
    expect(await screen.findByText("12 runs in 4 groups")).toBeTruthy();
    expect(page).toBe(3);
    expect(screen.getAllByRole("button", { name: /^lr\s*=/ })).toHaveLength(4);
  });

  it("sends the ticked runs to the comparison", async () => {
    render(<RunsPage experimentIds={["1"]} />);
    await screen.findByText("run-002");
    const compare = screen.getByRole("button", { name: "Compare" }) as HTMLButtonElement;
    expect(compare.disabled).toBe(true);
    await userEvent.click(screen.getByLabelText("Select run-000"));
    await userEvent.click(screen.getByLabelText("Select run-002"));
    await userEvent.click(screen.getByRole("button", { name: "Compare 2" }));
    expect(window.location.pathname + window.location.search).toBe("/compare?runs=run0,run2");
  });
});
