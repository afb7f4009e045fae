import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { json, serve, type Call } from "../test/server";
import { ArtifactBrowser, ancestorsOf } from "./ArtifactBrowser";
import { PREVIEW_BYTES } from "./ArtifactPreview";

const ROOT = "mlflow-artifacts:/1/r1/artifacts";
const LISTINGS: Record<string, { path: string; is_dir: boolean; file_size?: number }[]> = {
  "": [
    { path: "notes.txt", is_dir: false, file_size: 12 },
    { path: "model", is_dir: true },
    { path: "plot.png", is_dir: false, file_size: 2048 },
    { path: "config.json", is_dir: false, file_size: 20 },
  ],
  model: [
    { path: "model/MLmodel", is_dir: false, file_size: 90 },
    { path: "model/data.csv", is_dir: false, file_size: 30 },
    { path: "model/model.pkl", is_dir: false, file_size: 300 },
  ],
};
const FILES: Record<string, string> = {
  "notes.txt": "hello",
  "config.json": '{"a":1,"b":[1,2]}',
  "model/MLmodel": "flavors:\n  python_function:\n    loader_module: x\n  sklearn:\n    v: 1\nrun_id: r1\n",
  "model/data.csv": 'x,y\n1,"a, b"\n2,c\n',
};

let calls: Call[];

beforeEach(() => {
  calls = serve({
    "/artifacts/list": (call) => {
      const path = new URL(call.url, "http://x").searchParams.get("path") ?? "";
      return { root_uri: ROOT, files: LISTINGS[path] };
    },
    "/mlflow-artifacts/artifacts/1/r1/artifacts/": (call) => {
      const path = decodeURIComponent(call.url.split("/artifacts/1/r1/artifacts/")[1] ?? "");
      const text = FILES[path];
      return text === undefined ? json({ error_code: "RESOURCE_DOES_NOT_EXIST", message: `no ${path}` }, 404) : new Response(text);
    },
  });
});

function renderBrowser(selected: string | null = null) {
  const onSelect = vi.fn();
  const view = render(<ArtifactBrowser runId="r1" artifactUri={ROOT} selected={selected} onSelect={onSelect} />);
  return { onSelect, ...view };
}

const preview = () => screen.getByRole("region", { name: /^Preview of/ });

describe("ArtifactBrowser", () => {
  it("lists folders first and opens one on demand", async () => {
    const { onSelect } = renderBrowser();
    const tree = await screen.findByRole("list", { name: "Artifacts" });
    expect(within(tree).getAllByRole("button").map((b) => b.textContent)).toEqual(["▸ model/", "config.json20 B", "notes.txt12 B", "plot.png2.0 KB"]);
    expect(calls.filter((c) => c.url.includes("artifacts/list"))).toHaveLength(1);
    await userEvent.click(screen.getByRole("button", { name: /model\// }));
    expect(await screen.findByRole("button", { name: /MLmodel/ })).toBeTruthy();
    await userEvent.click(screen.getByRole("button", { name: /data\.csv/ }));
    expect(onSelect).toHaveBeenCalledWith("model/data.csv");
    expect(screen.getByText("Choose a file to preview it.")).toBeTruthy();
  });

  it("shows a CSV as a table", async () => {
    renderBrowser("model/data.csv");
    const table = await within(preview()).findByRole("table");
    expect(within(table).getAllByRole("columnheader").map((th) => th.textContent)).toEqual(["x", "y"]);
    expect(within(table).getAllByRole("cell").map((td) => td.textContent)).toEqual(["1", "a, b", "2", "c"]);
    // The deep link opened the folder.
    expect(screen.getByRole("button", { name: /model\// }).getAttribute("aria-expanded")).toBe("true");
  });

  it("pretty-prints JSON and marks an MLmodel's flavors", async () => {
    const { rerender } = renderBrowser("config.json");
    expect((await within(preview()).findByText(/"a": 1/)).textContent).toBe('{\n  "a": 1,\n  "b": [\n    1,\n    2\n  ]\n}');
    rerender(<ArtifactBrowser runId="r1" artifactUri={ROOT} selected="model/MLmodel" onSelect={vi.fn()} />);
    await within(preview()).findByText("sklearn", { selector: ".chip" });
    expect([...preview().querySelectorAll("mark.flavor-name")].map((m) => m.textContent)).toEqual(["  python_function:", "  sklearn:"]);
  });

  it("shows images inline and offers other files as downloads", async () => {
    const { rerender } = renderBrowser("plot.png");
    const image = await within(preview()).findByRole("img", { name: "plot.png" });
    expect(image.getAttribute("src")).toBe("/ajax-api/2.0/mlflow-artifacts/artifacts/1/r1/artifacts/plot.png");
    expect(within(preview()).getByRole("link", { name: "Download plot.png" }).getAttribute("href")).toBe(image.getAttribute("src"));
    rerender(<ArtifactBrowser runId="r1" artifactUri={ROOT} selected="model/model.pkl" onSelect={vi.fn()} />);
    expect(await screen.findByText(/No preview for this kind of file/)).toBeTruthy();
    expect(calls.some((c) => c.url.endsWith("model.pkl"))).toBe(false);
  });

  it("says what went wrong reading a file", async () => {
    renderBrowser("missing.txt");
    expect((await within(preview()).findByRole("alert")).textContent).toBe("RESOURCE_DOES_NOT_EXIST: no missing.txt");
  });

  it("says when a run has no artifacts, and shows a listing error with a retry", async () => {
    serve({ "/artifacts/list": () => ({ root_uri: ROOT }) });
    const { unmount } = renderBrowser();
    expect(await screen.findByText("No artifacts logged for this run.")).toBeTruthy();
    unmount();
    serve({ "/artifacts/list": () => json({ error_code: "NOT_IMPLEMENTED", message: "not served" }, 501) });
    renderBrowser();
    expect((await screen.findByRole("alert")).textContent).toContain("NOT_IMPLEMENTED: not served");
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
  });

  it("reads only the head of a long text file", async () => {
    const long = "x".repeat(PREVIEW_BYTES + 10_000);
    serve({
      "/artifacts/list": () => ({ root_uri: ROOT, files: [{ path: "big.log", is_dir: false }] }),
      "big.log": () => new Response(long),
    });
    renderBrowser("big.log");
    expect(await screen.findByText(/Showing the first 512 KB/)).toBeTruthy();
    expect(preview().querySelector("pre")?.textContent).toHaveLength(PREVIEW_BYTES);
  });
});

describe("ancestorsOf", () => {
  it("names the folders above a file", () => {
    expect(ancestorsOf("a/b/c.txt")).toEqual(["a", "a/b"]);
    expect(ancestorsOf("c.txt")).toEqual([]);
  });
});
