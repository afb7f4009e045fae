import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { makeRun } from "../test/fixtures";
import { json, never, serve } from "../test/server";
import { RunPage } from "./RunPage";

const run = makeRun(3, {
  tags: [
    { key: "team", value: "vision" },
    { key: "mlflow.note.content", value: "First try" },
    { key: "mlflow.parentRunId", value: "parent0123456789" },
    { key: "mlflow.user", value: "ada" },
  ],
});

beforeEach(() => {
  window.history.replaceState(null, "", "/experiments/1/runs/run3");
  serve({
    "/runs/get": () => ({ run: { ...run, inputs: { dataset_inputs: [{ dataset: { name: "iris", digest: "d1", source_type: "local", source: "/iris.csv" } }] } } }),
    "/keel/metrics/downsampled": never,
    "/artifacts/list": () => ({ root_uri: "mlflow-artifacts:/1/run3/artifacts", files: [{ path: "notes.txt", is_dir: false, file_size: 3 }] }),
  });
});

describe("RunPage", () => {
  it("shows the overview: description, charts, params, editable tags, datasets", async () => {
    render(<RunPage experimentId="1" runId="run3" />);
    expect(await screen.findByRole("heading", { name: "run-003" })).toBeTruthy();
    expect(screen.getByRole("tab", { name: "Overview" }).getAttribute("aria-selected")).toBe("true");
    expect(screen.getByText("First try")).toBeTruthy();
    expect(screen.getByRole("link", { name: "parent012345" }).getAttribute("href")).toBe("/experiments/1/runs/parent0123456789");
    expect(screen.getByLabelText("Log scale")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Edit tag team" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Edit tag mlflow.note.content" })).toBeNull();
    expect(screen.getByText("2 system tags")).toBeTruthy(); // mlflow.user and the parent; the note is the description
    expect(screen.getByText("iris")).toBeTruthy();
  });

  it("switches to the artifacts with the arrow keys and keeps the tab in the URL", async () => {
    render(<RunPage experimentId="1" runId="run3" />);
    const overview = await screen.findByRole("tab", { name: "Overview" });
    overview.focus();
    await userEvent.keyboard("{ArrowRight}");
    expect(window.location.search).toBe("?tab=artifacts");
    expect(document.activeElement).toBe(screen.getByRole("tab", { name: "Artifacts" }));
    const panel = screen.getByRole("tabpanel");
    expect(await within(panel).findByRole("button", { name: /notes\.txt/ })).toBeTruthy();
  });
});

describe("RunPage models", () => {
  it("offers to register the run's logged models and each folder holding an MLmodel", async () => {
    window.history.replaceState(null, "", "/experiments/1/runs/run3?tab=artifacts");
    const calls = serve({
      "/runs/get": () => ({ run }),
      "/logged-models/search": () => ({
        models: [
          {
            info: {
              model_id: "m-1",
              experiment_id: "1",
              name: "model",
              artifact_uri: "mlflow-artifacts:/1/models/m-1/artifacts",
              status: "LOGGED_MODEL_READY",
              tags: [{ key: "mlflow.modelVersions", value: '[{"name": "churn", "version": "1"}]' }],
            },
          },
        ],
      }),
      "/artifacts/list": (call) =>
        new URL(call.url, "http://x").searchParams.get("path") === "outputs"
          ? { files: [{ path: "outputs/MLmodel", is_dir: false, file_size: 9 }] }
          : { files: [{ path: "outputs", is_dir: true }, { path: "notes.txt", is_dir: false, file_size: 3 }] },
    });
    render(<RunPage experimentId="1" runId="run3" />);
    const models = await screen.findByRole("region", { name: "Logged models (1)" });
    expect(within(models).getByRole("link", { name: "churn v1" }).getAttribute("href")).toBe("/models/churn/versions/1");
    expect(within(models).getByRole("button", { name: "Register model model" })).toBeTruthy();
    const search = calls.find((c) => c.url.includes("logged-models/search"))!;
    expect(search.body).toEqual({ experiment_ids: ["1"], filter: "source_run_id = 'run3'", max_results: 100 });

    expect(screen.queryByRole("button", { name: /^Register model from/ })).toBeNull();
    await userEvent.click(await screen.findByRole("button", { name: "outputs/" }));
    await userEvent.click(await screen.findByRole("button", { name: "Register model from outputs/" }));
    expect(screen.getByRole("dialog", { name: "Register model" }).textContent).toContain("runs:/run3/outputs");
  });

  it("leaves the logged models out on a server without them", async () => {
    window.history.replaceState(null, "", "/experiments/1/runs/run3?tab=artifacts");
    serve({
      "/runs/get": () => ({ run }),
      "/logged-models/search": () => json({ error_code: "ENDPOINT_NOT_FOUND", message: "no" }, 404),
      "/artifacts/list": () => ({ files: [{ path: "notes.txt", is_dir: false, file_size: 3 }] }),
    });
    render(<RunPage experimentId="1" runId="run3" />);
    expect(await screen.findByRole("button", { name: /notes\.txt/ })).toBeTruthy();
    expect(screen.queryByRole("region", { name: /Logged models/ })).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
