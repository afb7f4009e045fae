import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { FilterBox } from "./FilterBox";

describe("FilterBox", () => {
  it("applies the typed filter on Enter, trimmed", async () => {
    const onApply = vi.fn();
    render(<FilterBox value="" onApply={onApply} />);
    await userEvent.type(screen.getByLabelText("Filter runs"), "  metrics.acc > 0.5 {Enter}");
    expect(onApply).toHaveBeenCalledWith("metrics.acc > 0.5");
  });

  it("shows the server's message inline, tied to the input", () => {
    const message = "Invalid filter 'metrics.acc >': expected a value at position 13";
    render(<FilterBox value="metrics.acc >" onApply={vi.fn()} error={message} />);
    const input = screen.getByLabelText("Filter runs");
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toBe(message);
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(input.getAttribute("aria-describedby")?.split(" ")).toContain(alert.id);
  });

  it("shows no error and no invalid state without a message", () => {
    render(<FilterBox value="" onApply={vi.fn()} />);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByLabelText("Filter runs").getAttribute("aria-invalid")).toBeNull();
  });

  it("clears the filter with one click", async () => {
    const onApply = vi.fn();
    render(<FilterBox value="params.model = 'tree'" onApply={onApply} />);
    await userEvent.click(screen.getByRole("button", { name: "Clear" }));
    expect(onApply).toHaveBeenCalledWith("");
    expect((screen.getByLabelText("Filter runs") as HTMLInputElement).value).toBe("");
  });

  it("follows a new value from the URL (back button)", () => {
    const { rerender } = render(<FilterBox value="a" onApply={vi.fn()} />);
    rerender(<FilterBox value="metrics.loss < 1" onApply={vi.fn()} />);
    expect((screen.getByLabelText("Filter runs") as HTMLInputElement).value).toBe("metrics.loss < 1");
  });
});
