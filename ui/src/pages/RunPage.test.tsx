import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { makeRun } from "../test/fixtures";
import { never, serve } from "../test/server";
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
