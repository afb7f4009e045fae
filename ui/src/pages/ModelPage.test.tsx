import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { serveRegistry, version, type FakeRegistry } from "../test/registry";
import { ModelPage } from "./ModelPage";

let registry: FakeRegistry;

beforeEach(() => {
  window.history.replaceState(null, "", "/models/churn");
  registry = serveRegistry(
    [{ name: "churn", creation_timestamp: 1, last_updated_timestamp: 2, description: "Predicts churn." }],
    [version("churn", 1, { current_stage: "Production" }), version("churn", 2, { aliases: ["champion"] }), version("churn", 3, { run_id: undefined })],
  );
});

const versionsTable = () => screen.getByRole("table", { name: "Versions of churn" });
const writes = () => registry.calls.filter((c) => c.method !== "GET").map((c) => [c.url.replace(/.*\/2\.0\/mlflow/, ""), c.body]);

describe("ModelPage", () => {
  it("lists the versions newest first with stage, aliases, source run and status", async () => {
    render(<ModelPage name="churn" />);
    expect(await screen.findByRole("heading", { level: 1, name: "churn" })).toBeTruthy();
    expect(screen.getByText("Predicts churn.")).toBeTruthy();
    const table = await screen.findByRole("table", { name: "Versions of churn" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("rowheader").textContent)).toEqual(["Version 3", "Version 2", "Version 1"]);
    expect(rows[1]!.textContent).toContain("@champion");
    expect(within(rows[2]!).getByText("Production")).toBeTruthy();
    expect(within(rows[2]!).getByRole("link", { name: "Run run1" }).getAttribute("href")).toBe("/runs/run1");
    expect(within(rows[0]!).getByText("none")).toBeTruthy();
  });

  it("sets an alias on a version, moves it and removes it", async () => {
    render(<ModelPage name="churn" />);
    const form = await screen.findByRole("form", { name: "Set an alias" });
    await userEvent.type(within(form).getByLabelText("Alias"), "champion");
    await userEvent.selectOptions(within(form).getByLabelText("Version"), "Version 3");
    expect(within(form).getByText("@champion is on version 2: this moves it to version 3.")).toBeTruthy();
    await userEvent.click(within(form).getByRole("button", { name: "Set alias" }));
    const aliases = screen.getByRole("table", { name: "Aliases" });
    await waitFor(() => expect(within(aliases).getByRole("link", { name: "Version 3" })).toBeTruthy());

    await userEvent.click(within(aliases).getByRole("button", { name: "Move alias champion" }));
    await userEvent.selectOptions(screen.getByLabelText("Move champion to version"), "Version 1");
    await userEvent.click(within(aliases).getByRole("button", { name: "Move" }));
    await waitFor(() => expect(within(aliases).getByRole("link", { name: "Version 1" })).toBeTruthy());

    await userEvent.click(within(aliases).getByRole("button", { name: "Remove alias champion" }));
    expect(await screen.findByText(/No aliases yet/)).toBeTruthy();
    expect(writes()).toEqual([
      ["/registered-models/alias", { name: "churn", alias: "champion", version: "3" }],
      ["/registered-models/alias", { name: "churn", alias: "champion", version: "1" }],
      ["/registered-models/alias", { name: "churn", alias: "champion" }],
    ]);
    // The history follows, newest first.
    const history = screen.getByRole("list", { name: "History" });
    await waitFor(() => expect(within(history).getAllByRole("listitem")).toHaveLength(3));
    expect(within(history).getAllByRole("listitem").map((li) => li.querySelector(".timeline-text")!.textContent)).toEqual([
      "Alias @champion removed from version 1",
      "Alias @champion moved from version 3 to version 1",
      "Alias @champion moved from version 2 to version 3",
    ]);
  });

  it("changes a stage, archiving the version already there, and gives the focus back", async () => {
    render(<ModelPage name="churn" />);
    await userEvent.click(await screen.findByRole("button", { name: "Change stage of version 2" }));
    await userEvent.selectOptions(screen.getByLabelText("New stage for version 2"), "Production");
    await userEvent.click(screen.getByLabelText("Archive the versions now in Production"));
    await userEvent.click(screen.getByRole("button", { name: "Save stage" }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Change stage of version 2" })));
    const rows = within(versionsTable()).getAllByRole("row");
    await waitFor(() => expect(within(rows[2]!).getByText("Production")).toBeTruthy());
    expect(within(rows[3]!).getByText("Archived")).toBeTruthy();
    expect(writes()).toEqual([
      ["/model-versions/transition-stage", { name: "churn", version: "2", stage: "Production", archive_existing_versions: true }],
    ]);
  });

  it("cancels a stage change with Escape", async () => {
    render(<ModelPage name="churn" />);
    await userEvent.click(await screen.findByRole("button", { name: "Change stage of version 1" }));
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByLabelText("New stage for version 1")).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Change stage of version 1" }));
  });

  it("renames the model and moves to its new address", async () => {
    render(<ModelPage name="churn" />);
    await userEvent.click(await screen.findByRole("button", { name: "Rename model churn" }));
    const box = screen.getByLabelText("New name for churn");
    await userEvent.clear(box);
    await userEvent.type(box, "churn-v2{Enter}");
    await waitFor(() => expect(window.location.pathname).toBe("/models/churn-v2"));
  });

  it("deletes after a confirmation and returns to the models", async () => {
    render(<ModelPage name="churn" />);
    await userEvent.click(await screen.findByRole("button", { name: "Delete model churn" }));
    const confirm = screen.getByRole("group", { name: "Confirm: Delete model churn" });
    expect(confirm.textContent).toContain("Delete churn and its 3 versions?");
    await userEvent.click(within(confirm).getByRole("button", { name: "Keep" }));
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Delete model churn" }));
    await userEvent.click(screen.getByRole("button", { name: "Delete model churn" }));
    await userEvent.keyboard("{Enter}");
    await waitFor(() => expect(window.location.pathname + window.location.search).toBe("/models?deleted=churn"));
    expect(registry.models).toEqual([]);
  });

  it("edits the description and the tags", async () => {
    render(<ModelPage name="churn" />);
    await userEvent.click(await screen.findByRole("button", { name: "Edit description" }));
    const text = screen.getByRole("textbox", { name: "Description" });
    await userEvent.clear(text);
    await userEvent.type(text, "Weekly churn.{Control>}{Enter}{/Control}");
    expect(await screen.findByText("Weekly churn.")).toBeTruthy();
    await userEvent.type(screen.getByLabelText("Tag key"), "team");
    await userEvent.type(screen.getByLabelText("Tag value"), "growth");
    await userEvent.click(screen.getByRole("button", { name: "Add tag" }));
    expect(await screen.findByRole("button", { name: "Edit tag team" })).toBeTruthy();
    expect(writes()).toEqual([
      ["/registered-models/update", { name: "churn", description: "Weekly churn." }],
      ["/registered-models/set-tag", { name: "churn", key: "team", value: "growth" }],
    ]);
  });

  it("says so when the model does not exist", async () => {
    render(<ModelPage name="nope" />);
    expect(await screen.findByRole("heading", { level: 1, name: "Model not found" })).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toBe("RESOURCE_DOES_NOT_EXIST: Registered Model with name=nope not found");
    expect(screen.getByRole("link", { name: "See all models" }).getAttribute("href")).toBe("/models");
    expect(screen.queryByRole("button", { name: "Try again" })).toBeNull();
  });
});
