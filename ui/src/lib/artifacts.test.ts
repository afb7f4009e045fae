import { describe, expect, it } from "vitest";
import { artifactUrl, decodeText } from "../api/artifacts";
import { formatBytes, previewKind } from "./artifactKinds";
import { parseDelimited } from "./csv";
import { readMlmodel } from "./mlmodel";

describe("artifact previews", () => {
  it("pick a preview from the file's name", () => {
    expect(previewKind("plots/roc.PNG")).toBe("image");
    expect(previewKind("model/MLmodel")).toBe("mlmodel");
    expect(previewKind("metrics.json")).toBe("json");
    expect(previewKind("data/train.csv")).toBe("csv");
    expect(previewKind("model/requirements.txt")).toBe("text");
    expect(previewKind("model/conda.yaml")).toBe("text");
    expect(previewKind("model/model.pkl")).toBe("none");
    expect(previewKind("notes")).toBe("text");
  });

  it("download through the proxy when the run's artifacts are behind it, else /get-artifact", () => {
    expect(artifactUrl("mlflow-artifacts:/1/abc/artifacts", "abc", "plots/a b.png")).toBe(
      "/ajax-api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/plots/a%20b.png",
    );
    expect(artifactUrl("file:///data/1/abc/artifacts", "abc", "x/y.csv")).toBe("/get-artifact?run_id=abc&path=x%2Fy.csv");
  });

  it("reads text, and refuses binary", () => {
    expect(decodeText(new TextEncoder().encode("héllo"))).toBe("héllo");
    expect(decodeText(new Uint8Array([0x89, 0x50, 0x00, 0x01]))).toBeNull();
  });

  it("sizes files for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(2048)).toBe("2.0 KB");
    expect(formatBytes(15 * 1024 * 1024)).toBe("15 MB");
  });
});

describe("parseDelimited", () => {
  it("reads quoted fields with commas, quotes and line breaks", () => {
    const text = 'a,b,c\r\n1,"x, y","say ""hi"""\n2,"two\nlines",\n';
    expect(parseDelimited(text, 10)).toEqual({
      rows: [
        ["a", "b", "c"],
        ["1", "x, y", 'say "hi"'],
        ["2", "two\nlines", ""],
      ],
      more: false,
    });
  });

  it("stops at maxRows and says more follow", () => {
    expect(parseDelimited("h\n1\n2\n3\n", 2)).toEqual({ rows: [["h"], ["1"]], more: true });
  });

  it("drops the cut-off last line of a partial read, and reads TSV", () => {
    expect(parseDelimited("a\tb\n1\t2\n3\t", 10, "\t", true)).toEqual({ rows: [["a", "b"], ["1", "2"]], more: true });
    expect(parseDelimited("a,b\n1,2", 10).rows).toEqual([["a", "b"], ["1", "2"]]);
  });
});

describe("readMlmodel", () => {
  it("finds the flavors and marks their lines", () => {
    const text = [
      "artifact_path: model",
      "flavors:",
      "  python_function:",
      "    loader_module: mlflow.sklearn",
      "    env:",
      "      conda: conda.yaml",
      "  sklearn:",
      "    sklearn_version: 1.5.0",
      "mlflow_version: 3.17.2",
    ].join("\n");
    const view = readMlmodel(text);
    expect(view.flavors).toEqual(["python_function", "sklearn"]);
    expect(view.lines.map((line) => line.role)).toEqual([
      "plain",
      "flavorsKey",
      "flavor",
      "inFlavors",
      "inFlavors",
      "inFlavors",
      "flavor",
      "inFlavors",
      "plain",
    ]);
  });
});
