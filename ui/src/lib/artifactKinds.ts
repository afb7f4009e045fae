// How an artifact previews, from its name: images inline, text, JSON pretty-printed, CSV as a
// table, MLmodel as YAML with its flavors marked; anything else is offered as a download.

export type PreviewKind = "image" | "json" | "csv" | "tsv" | "mlmodel" | "text" | "none";

const IMAGE = new Set(["png", "jpg", "jpeg", "gif", "webp", "bmp", "svg", "ico", "avif"]);
const TEXT = new Set([
  "txt", "log", "md", "rst", "yaml", "yml", "toml", "ini", "cfg", "conf", "py", "r", "sh", "sql",
  "js", "ts", "html", "xml", "css", "ipynb", "jsonl", "ndjson", "properties", "env", "out", "err",
]);
const BINARY = new Set([
  "pkl", "pickle", "pt", "pth", "bin", "onnx", "h5", "hdf5", "parquet", "zip", "gz", "tar", "tgz", "npy",
  "npz", "joblib", "ubj", "safetensors", "pb", "so", "whl", "pdf", "mp4", "wav", "mp3", "xlsx", "arrow",
  "feather", "avro", "orc", "db", "sqlite", "model", "ckpt", "cbm", "lgb", "xgb",
]);
/** Files MLflow writes without an extension, or whose extension says nothing. */
const TEXT_NAMES = new Set(["MLmodel", "MLproject", "Dockerfile", "LICENSE", "README", "requirements.txt", "registered_model_meta"]);

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function extensionOf(path: string): string {
  const name = baseName(path);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

export function previewKind(path: string): PreviewKind {
  const name = baseName(path);
  if (name === "MLmodel") return "mlmodel";
  if (TEXT_NAMES.has(name)) return "text";
  const extension = extensionOf(path);
  if (IMAGE.has(extension)) return "image";
  if (extension === "json") return "json";
  if (extension === "csv") return "csv";
  if (extension === "tsv") return "tsv";
  if (TEXT.has(extension)) return "text";
  if (BINARY.has(extension)) return "none";
  // No extension, or an unknown one: read the head and show it if it is text.
  return "text";
}

export function formatBytes(size: number | undefined): string {
  if (size === undefined) return "";
  if (size < 1024) return `${size} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
