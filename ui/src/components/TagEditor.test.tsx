import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { json, serve, type Call } from "../test/server";
import { DescriptionEditor, NOTE_TAG } from "./DescriptionEditor";
import { TagEditor } from "./TagEditor";

let calls: Call[];

beforeEach(() => {
  calls = serve({
    "/runs/set-tag": (call) =>
      call.body?.key === "bad key!" ? json({ error_code: "INVALID_PARAMETER_VALUE", message: "Invalid tag name: 'bad key!'" }, 400) : {},
    "/runs/delete-tag": () => ({}),
  });
});

const writes = () => calls.map((c) => [c.url.split("/").pop(), c.body]);

describe("TagEditor", () => {
  it("adds, edits and deletes tags, then asks for the run again", async () => {
    const onChanged = vi.fn();
    render(<TagEditor runId="r1" tags={[{ key: "team", value: "vision" }]} onChanged={onChanged} />);
    await userEvent.type(screen.getByLabelText("Tag key"), "stage");
    await userEvent.type(screen.getByLabelText("Tag value"), "tuning");
    await userEvent.click(screen.getByRole("button", { name: "Add tag" }));
    await userEvent.click(screen.getByRole("button", { name: "Edit tag team" }));
    const value = screen.getByLabelText("Value of team");
    await userEvent.clear(value);
    await userEvent.type(value, "speech{Enter}");
    await userEvent.click(await screen.findByRole("button", { name: "Delete tag team" }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(3));
    expect(writes()).toEqual([
      ["set-tag", { run_id: "r1", key: "stage", value: "tuning" }],
      ["set-tag", { run_id: "r1", key: "team", value: "speech" }],
      ["delete-tag", { run_id: "r1", key: "team" }],
    ]);
  });

  it("shows the server's refusal and keeps what was typed", async () => {
    const onChanged = vi.fn();
    render(<TagEditor runId="r1" tags={[]} onChanged={onChanged} />);
    expect(screen.getByText("No tags set.")).toBeTruthy();
    await userEvent.type(screen.getByLabelText("Tag key"), "bad key!");
    await userEvent.click(screen.getByRole("button", { name: "Add tag" }));
    expect((await screen.findByRole("alert")).textContent).toBe("Invalid tag name: 'bad key!'");
    expect((screen.getByLabelText("Tag key") as HTMLInputElement).value).toBe("bad key!");
    expect(onChanged).not.toHaveBeenCalled();
  });

  it("asks for a key before sending anything", async () => {
    render(<TagEditor runId="r1" tags={[]} onChanged={vi.fn()} />);
    await userEvent.click(screen.getByRole("button", { name: "Add tag" }));
    expect(screen.getByRole("alert").textContent).toBe("A tag needs a key.");
    expect(calls).toHaveLength(0);
  });
});

describe("DescriptionEditor", () => {
  it("writes the description into the note tag, and removes the tag when emptied", async () => {
    const onChanged = vi.fn();
    const { rerender } = render(<DescriptionEditor runId="r1" text={null} onChanged={onChanged} />);
    expect(screen.getByText("No description.")).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: "Add a description" }));
    await userEvent.type(screen.getByLabelText("Description"), "two{Enter}lines{Control>}{Enter}{/Control}");
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(1));
    expect(calls[0]?.body).toEqual({ run_id: "r1", key: NOTE_TAG, value: "two\nlines" });

    rerender(<DescriptionEditor runId="r1" text={"two\nlines"} onChanged={onChanged} />);
    expect(screen.getByText(/two/).textContent).toBe("two\nlines");
    await userEvent.click(screen.getByRole("button", { name: "Edit description" }));
    await userEvent.clear(screen.getByLabelText("Description"));
    await userEvent.click(screen.getByRole("button", { name: "Save description" }));
    await waitFor(() => expect(onChanged).toHaveBeenCalledTimes(2));
    expect(calls[1]?.url).toContain("/runs/delete-tag");
  });

  it("cancels with Escape", async () => {
    render(<DescriptionEditor runId="r1" text="kept" onChanged={vi.fn()} />);
    await userEvent.click(screen.getByRole("button", { name: "Edit description" }));
    await userEvent.type(screen.getByLabelText("Description"), " more{Escape}");
    expect(screen.getByText("kept")).toBeTruthy();
    expect(calls).toHaveLength(0);
  });
});
