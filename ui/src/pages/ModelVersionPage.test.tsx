import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { json } from "../test/server";
import { LINEAGE, serveRegistry, version, type FakeRegistry } from "../test/registry";
import { ModelVersionPage } from "./ModelVersionPage";

let registry: FakeRegistry;

const FILES: Record<string, { path: string; is_dir: boolean; file_size?: number }[]> = {
  "registry/u-1": [
    { path: "MLmodel", is_dir: false, file_size: 40 },
    { path: "data", is_dir: true },
  ],
  "registry/u-1/data": [{ path: "weights.bin", is_dir: false, file_size: 9 }],
};

beforeEach(() => {
  window.history.replaceState(null, "", "/models/churn/versions/1");
  registry = serveRegistry(
    [{ name: "churn", creation_timestamp: 1, last_updated_timestamp: 2 }],
    [version("churn", 1, { current_stage: "Staging", aliases: ["champion"], source: "runs:/run1/model" }), version("churn", 2, { aliases: ["challenger"] })],
    {
      "/keel/registry/lineage": () => LINEAGE,
      "/mlflow-artifacts/artifacts/registry/u-1/MLmodel": () => new Response("flavors:\n  sklearn:\n    v: 1\n"),
      "/mlflow-artifacts/artifacts?": (call) => ({ files: FILES[new URL(call.url, "http://x").searchParams.get("path") ?? ""] }),
    },
  );
});

describe("ModelVersionPage", () => {
  it("shows the version's facts and its aliases, and adds one", async () => {
    render(<ModelVersionPage name="churn" version="1" />);
    expect(await screen.findByRole("heading", { level: 1, name: "churn · version 1" })).toBeTruthy();
    expect(screen.getByText("runs:/run1/model")).toBeTruthy();
    expect(screen.getByRole("link", { name: "run1" }).getAttribute("href")).toBe("/runs/run1");
    // Only this version's aliases.
    const aliases = await screen.findByRole("list", { name: "Aliases" });
    expect(within(aliases).getAllByRole("listitem").map((li) => li.textContent)).toEqual(["@champion×"]);
    const form = screen.getByRole("form", { name: "Add an alias to version 1" });
    await userEvent.type(within(form).getByLabelText("Alias"), "challenger");
    expect(within(form).getByText("@challenger is on version 2: this moves it to version 1.")).toBeTruthy();
    await userEvent.click(within(form).getByRole("button", { name: "Add alias" }));
    await waitFor(() => expect(within(screen.getByRole("list", { name: "Aliases" })).getAllByRole("listitem")).toHaveLength(2));
    await userEvent.click(screen.getByRole("button", { name: "Remove alias champion" }));
    await waitFor(() => expect(within(screen.getByRole("list", { name: "Aliases" })).getAllByRole("listitem")).toHaveLength(1));
    expect(registry.versions[0]!.aliases).toEqual(["challenger"]);
    const history = screen.getByRole("list", { name: "History of version 1" });
    await waitFor(() => expect(within(history).getAllByRole("listitem")).toHaveLength(2));
  });

  it("browses the registry's copy of the files through the proxy", async () => {
    window.history.replaceState(null, "", "/models/churn/versions/1?tab=files");
    render(<ModelVersionPage name="churn" version="1" />);
    const files = await screen.findByRole("navigation", { name: "Artifact files" });
    expect(screen.getByText("mlflow-artifacts:/registry/u-1")).toBeTruthy();
    await userEvent.click(await within(files).findByRole("button", { name: "data/" }));
    expect(await within(files).findByRole("button", { name: /weights\.bin/ })).toBeTruthy();
    await userEvent.click(within(files).getByRole("button", { name: /MLmodel/ }));
    expect(window.location.search).toBe("?tab=files&artifact=MLmodel");
  });

  it("previews a file from a deep link, with its download link", async () => {
    window.history.replaceState(null, "", "/models/churn/versions/1?tab=files&artifact=MLmodel");
    render(<ModelVersionPage name="churn" version="1" />);
    const preview = await screen.findByRole("region", { name: "Preview of MLmodel" });
    await within(preview).findByText("sklearn", { selector: ".chip" });
    expect(within(preview).getByRole("link", { name: "Download MLmodel" }).getAttribute("href")).toBe(
      "/ajax-api/2.0/mlflow-artifacts/artifacts/registry/u-1/MLmodel",
    );
  });

  it("draws the lineage, each box linking to its page", async () => {
    window.history.replaceState(null, "", "/models/churn/versions/1?tab=lineage");
    render(<ModelVersionPage name="churn" version="1" />);
    const figure = await screen.findByRole("figure");
    expect(figure.getAttribute("aria-label")).toBe("Lineage: Dataset train, then Run trainer, then Logged model model, then Model version churn v1");
    const links = within(figure).getAllByRole("link");
    expect(links.map((a) => [a.textContent, a.getAttribute("href")])).toEqual([
      ["train", "/experiments/4/runs/run1"],
      ["trainer", "/experiments/4/runs/run1"],
      ["model", "/experiments/4/runs/run1?tab=artifacts"],
      ["churn v1", "/models/churn/versions/1"],
    ]);
    expect(links[3]!.getAttribute("aria-current")).toBe("page");
    expect(within(figure).getByText("s3://data/train.csv")).toBeTruthy();
    expect(figure.querySelectorAll(".lineage-edge")).toHaveLength(3);
  });

  it("says so when the version does not exist", async () => {
    render(<ModelVersionPage name="churn" version="9" />);
    expect(await screen.findByRole("heading", { level: 1, name: "Version not found" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "See the versions of churn" }).getAttribute("href")).toBe("/models/churn");
  });

  it("shows a lineage error with a retry", async () => {
    window.history.replaceState(null, "", "/models/churn/versions/1?tab=lineage");
    registry.calls.length = 0;
    serveRegistry(registry.models, registry.versions, {
      "/keel/registry/lineage": () => json({ error_code: "INTERNAL_ERROR", message: "boom" }, 500),
    });
    render(<ModelVersionPage name="churn" version="1" />);
    expect((await screen.findByRole("alert")).textContent).toContain("boom");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });
});
