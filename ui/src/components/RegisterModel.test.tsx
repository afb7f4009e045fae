import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { serveRegistry, version, type FakeRegistry } from "../test/registry";
import { RegisterModelButton } from "./RegisterModel";

let registry: FakeRegistry;

beforeEach(() => {
  window.history.replaceState(null, "", "/experiments/1/runs/run7?tab=artifacts");
  registry = serveRegistry([{ name: "churn", creation_timestamp: 1, last_updated_timestamp: 1 }], [version("churn", 1)]);
});

const writes = () => registry.calls.filter((c) => c.method !== "GET").map((c) => [c.url.replace(/.*\/2\.0\/mlflow/, ""), c.body]);

describe("Register model", () => {
  it("registers a logged model as a new model and links to the version", async () => {
    render(<RegisterModelButton source={{ kind: "logged", runId: "run7", modelId: "m-7", name: "model" }} label="Register model model" />);
    const opener = screen.getByRole("button", { name: "Register model model" });
    await userEvent.click(opener);
    const dialog = screen.getByRole("dialog", { name: "Register model" });
    const name = within(dialog).getByLabelText("Model name");
    expect(document.activeElement).toBe(name);
    expect((name as HTMLInputElement).value).toBe("model");
    await userEvent.clear(name);
    await userEvent.type(name, "ranker{Enter}");
    const done = await screen.findByRole("dialog", { name: "Model registered" });
    expect(within(done).getByRole("status").textContent).toBe("Registered ranker version 1 from models:/m-7.");
    expect(within(done).getByRole("link", { name: "Open version 1" }).getAttribute("href")).toBe("/models/ranker/versions/1");
    expect(writes()).toEqual([
      ["/registered-models/create", { name: "ranker" }],
      ["/model-versions/create", { name: "ranker", source: "models:/m-7", run_id: "run7", model_id: "m-7" }],
    ]);
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it("adds a version to an existing model from an artifact folder", async () => {
    render(<RegisterModelButton source={{ kind: "artifacts", runId: "run7", path: "outputs/model" }} label="Register model from outputs/model/" />);
    await userEvent.click(screen.getByRole("button", { name: "Register model from outputs/model/" }));
    const dialog = screen.getByRole("dialog", { name: "Register model" });
    const existing = within(dialog).getByLabelText("A new version of an existing model");
    await waitFor(() => expect((existing as HTMLInputElement).disabled).toBe(false));
    await userEvent.click(existing);
    expect((within(dialog).getByLabelText("Model") as HTMLSelectElement).value).toBe("churn");
    await userEvent.click(within(dialog).getByRole("button", { name: "Register" }));
    expect(await screen.findByText(/Registered/)).toBeTruthy();
    expect(writes()).toEqual([["/model-versions/create", { name: "churn", source: "runs:/run7/outputs/model", run_id: "run7" }]]);
  });

  it("explains a taken name and registers nothing", async () => {
    render(<RegisterModelButton source={{ kind: "artifacts", runId: "run7", path: "churn" }} label="Register model from churn/" />);
    await userEvent.click(screen.getByRole("button", { name: "Register model from churn/" }));
    await userEvent.click(screen.getByRole("button", { name: "Register" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "Registered Model (name=churn) already exists. Choose “A new version of an existing model” to add to it.",
    );
    expect(registry.versions).toHaveLength(1);
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
  });
});
