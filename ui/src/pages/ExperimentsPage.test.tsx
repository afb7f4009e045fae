import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { Experiment } from "../api/types";
import { json, serve, type Call } from "../test/server";
import { ExperimentsPage } from "./ExperimentsPage";

let experiments: Experiment[];
let calls: Call[];

const named = (id: string, name: string, deleted = false): Experiment => ({
  experiment_id: id,
  name,
  lifecycle_stage: deleted ? "deleted" : "active",
});

beforeEach(() => {
  window.history.replaceState(null, "", "/experiments");
  experiments = [named("1", "vision"), named("2", "nlp"), named("3", "old", true)];
  const find = (call: Call) => experiments.find((e) => e.experiment_id === call.body?.experiment_id)!;
  calls = serve({
    "/experiments/search": (call) => {
      const deleted = call.body?.view_type === "DELETED_ONLY";
      return { experiments: experiments.filter((e) => (e.lifecycle_stage === "deleted") === deleted) };
    },
    "/experiments/update": (call) => {
      if (call.body?.new_name === "nlp") return json({ error_code: "RESOURCE_ALREADY_EXISTS", message: "Experiment 'nlp' already exists." }, 400);
      find(call).name = String(call.body?.new_name);
      return {};
    },
    "/experiments/delete": (call) => {
      find(call).lifecycle_stage = "deleted";
      return {};
    },
    "/experiments/restore": (call) => {
      find(call).lifecycle_stage = "active";
      return {};
    },
  });
});

const row = (name: string) => screen.getByRole("row", { name: new RegExp(name) });

describe("ExperimentsPage", () => {
  it("renames in place, showing the server's refusal inline", async () => {
    render(<ExperimentsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Rename vision" }));
    const box = screen.getByLabelText("New name for vision");
    await userEvent.clear(box);
    await userEvent.type(box, "nlp{Enter}");
    expect((await screen.findByRole("alert")).textContent).toBe("Experiment 'nlp' already exists.");
    await userEvent.clear(box);
    await userEvent.type(box, "faces{Enter}");
    expect(await screen.findByRole("link", { name: "faces" })).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("Renamed “vision” to “faces”.");
    expect(calls.find((c) => c.url.includes("update"))?.body).toEqual({ experiment_id: "1", new_name: "nlp" });
  });

  it("cancels a rename with Escape and gives the focus back", async () => {
    render(<ExperimentsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Rename vision" }));
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByLabelText("New name for vision")).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Rename vision" }));
  });

  it("deletes after a confirmation, and undoes", async () => {
    render(<ExperimentsPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Delete nlp" }));
    const confirm = within(row("nlp")).getByRole("group", { name: "Confirm deleting nlp" });
    expect(document.activeElement).toBe(within(confirm).getByRole("button", { name: "Delete nlp" }));
    await userEvent.keyboard("{Enter}");
    await waitFor(() => expect(screen.queryByRole("link", { name: "nlp" })).toBeNull());
    expect(screen.getByRole("status").textContent).toContain("Deleted “nlp” and its runs.");
    await userEvent.click(screen.getByRole("button", { name: "Undo" }));
    expect(await screen.findByRole("link", { name: "nlp" })).toBeTruthy();
  });

  it("lists deleted experiments in their own view, with Restore", async () => {
    render(<ExperimentsPage />);
    await screen.findByRole("link", { name: "vision" });
    await userEvent.click(screen.getByLabelText("Deleted"));
    expect(window.location.search).toBe("?view=deleted");
    await userEvent.click(await screen.findByRole("button", { name: "Restore old" }));
    expect(await screen.findByText("No deleted experiments.")).toBeTruthy();
    expect(experiments[2]!.lifecycle_stage).toBe("active");
  });

  it("opens the runs of the ticked experiments together", async () => {
    render(<ExperimentsPage />);
    const show = await screen.findByRole("button", { name: "Show runs" });
    expect((show as HTMLButtonElement).disabled).toBe(true);
    await userEvent.click(screen.getByLabelText("Select vision"));
    await userEvent.click(screen.getByLabelText("Select nlp"));
    await userEvent.click(show);
    expect(window.location.pathname + window.location.search).toBe("/runs?experiments=1,2");
  });
});
