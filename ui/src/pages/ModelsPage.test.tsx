import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { serveRegistry, version, type FakeRegistry } from "../test/registry";
import { ModelsPage } from "./ModelsPage";

let registry: FakeRegistry;

beforeEach(() => {
  window.history.replaceState(null, "", "/models");
  registry = serveRegistry(
    [
      {
        name: "churn",
        creation_timestamp: 1,
        last_updated_timestamp: 1_700_000_000_000,
        tags: [{ key: "team", value: "growth" }],
        latest_versions: [version("churn", 1, { current_stage: "Production" }), version("churn", 2)],
      },
      { name: "fraud", creation_timestamp: 1, last_updated_timestamp: 1 },
    ],
    [version("churn", 1, { current_stage: "Production" }), version("churn", 2, { aliases: ["champion"] })],
  );
});

describe("ModelsPage", () => {
  it("lists each model with its latest versions, aliases and tags", async () => {
    render(<ModelsPage />);
    const row = (await screen.findByRole("link", { name: "churn" })).closest("tr")!;
    expect(within(row).getAllByRole("link").map((a) => a.getAttribute("href"))).toEqual([
      "/models/churn",
      "/models/churn/versions/2",
      "/models/churn/versions/1",
      "/models/churn/versions/2",
    ]);
    expect(within(row).getByRole("link", { name: "churn version 1, Production" })).toBeTruthy();
    expect(within(row).getByText("→ v2", { exact: false }).textContent).toBe("@champion → v2");
    expect(within(row).getByText("team=growth")).toBeTruthy();
    expect(within(screen.getByRole("link", { name: "fraud" }).closest("tr")!).getByText("no versions")).toBeTruthy();
  });

  it("searches a plain word by name and shows a bad filter's message under the box", async () => {
    render(<ModelsPage />);
    const box = await screen.findByLabelText("Search models");
    await userEvent.type(box, "fra{Enter}");
    expect(window.location.search).toBe("?q=fra");
    expect(await screen.findByRole("link", { name: "fraud" })).toBeTruthy();
    expect(screen.queryByRole("link", { name: "churn" })).toBeNull();
    const search = registry.calls.filter((c) => c.url.includes("registered-models/search")).at(-1)!;
    expect(new URL(search.url, "http://x").searchParams.get("filter")).toBe("name ILIKE '%fra%'");

    await userEvent.clear(box);
    await userEvent.type(box, "nme = 'x'{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("Invalid attribute key 'nme'");
    expect(box.getAttribute("aria-invalid")).toBe("true");
  });

  it("creates a model and opens it; a taken name is refused inline", async () => {
    render(<ModelsPage />);
    const name = await screen.findByLabelText("New model");
    await userEvent.type(name, "churn{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("Registered Model (name=churn) already exists.");
    await userEvent.clear(name);
    await userEvent.type(name, "ranker{Enter}");
    await waitFor(() => expect(window.location.pathname).toBe("/models/ranker"));
    expect(registry.models.map((m) => m.name)).toContain("ranker");
  });

  it("says when nothing is registered, and how to register", async () => {
    registry.models.length = 0;
    render(<ModelsPage />);
    expect(await screen.findByText("No models registered yet.")).toBeTruthy();
  });
});
