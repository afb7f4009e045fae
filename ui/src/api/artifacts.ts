// A run's artifacts: listings (MLflow's artifacts/list), where each file downloads from, and
// reading just the head of a file for a preview.
import { ApiError, MLFLOW_API, request } from "./client";

export interface FileInfo {
  /** Relative to the run's artifact root: `model/MLmodel`. */
  path: string;
  is_dir: boolean;
  file_size?: number;
}

export interface ListArtifactsResponse {
  root_uri?: string;
  files?: FileInfo[];
  next_page_token?: string;
}

export function listArtifacts(runId: string, path: string, signal?: AbortSignal) {
  return request<ListArtifactsResponse>(`${MLFLOW_API}/artifacts/list`, {
    query: { run_id: runId, path: path || undefined },
    signal,
  });
}

const PROXY_SCHEME = "mlflow-artifacts:";
const PROXY_DOWNLOAD = "/ajax-api/2.0/mlflow-artifacts/artifacts";

function encodePath(path: string): string {
  return path
    .split("/")
    .filter(Boolean)
    .map((part) => encodeURIComponent(part))
    .join("/");
}

/**
 * Where a file of a run downloads from: through the mlflow-artifacts proxy when the run's
 * artifacts live behind it (read the way the server reads `mlflow-artifacts:/<exp>/<run>/artifacts`),
 * else through `/get-artifact?run_id=&path=`, which reads the run's own artifact store.
 */
export function artifactUrl(rootUri: string | undefined, runId: string, path: string): string {
  if (rootUri?.startsWith(PROXY_SCHEME)) {
    const base = rootUri.slice(PROXY_SCHEME.length).replace(/^\/+/, "");
    return `${PROXY_DOWNLOAD}/${encodePath(base)}/${encodePath(path)}`;
  }
  const query = new URLSearchParams({ run_id: runId, path });
  return `/get-artifact?${query.toString()}`;
}

/**
 * A tree of files the artifact browser shows: a run's artifacts, or a folder behind the proxy (a
 * registered version's copy). Listings give paths relative to the tree's root.
 */
export interface ArtifactSource {
  /** Changes when the source is another tree: the browser forgets what it listed. */
  key: string;
  list(path: string, signal?: AbortSignal): Promise<{ files: FileInfo[]; rootUri?: string | undefined }>;
  /** Where a file downloads from; `rootUri` is the one the last listing gave, if any. */
  url(path: string, rootUri?: string): string;
}

export function runArtifactSource(runId: string, artifactUri?: string): ArtifactSource {
  return {
    key: `run:${runId}`,
    list: async (path, signal) => {
      const response = await listArtifacts(runId, path, signal);
      return { files: response.files ?? [], rootUri: response.root_uri };
    },
    url: (path, rootUri) => artifactUrl(rootUri ?? artifactUri, runId, path),
  };
}

/** A folder behind the mlflow-artifacts proxy, for `mlflow-artifacts:/<root>` (a version's files). */
export function proxiedArtifactSource(uri: string): ArtifactSource {
  const root = uri.slice(PROXY_SCHEME.length).replace(/^\/+/, "").replace(/\/+$/, "");
  return {
    key: `proxy:${root}`,
    list: async (path, signal) => {
      const response = await request<{ files?: FileInfo[] }>(PROXY_DOWNLOAD, {
        query: { path: [root, path].filter(Boolean).join("/") },
        signal,
      });
      // The proxy names each entry by its base name; the browser wants paths from the root.
      const files = (response.files ?? []).map((file) => ({ ...file, path: path ? `${path}/${file.path}` : file.path }));
      return { files, rootUri: uri };
    },
    url: (path) => `${PROXY_DOWNLOAD}/${encodePath(root)}/${encodePath(path)}`,
  };
}

export function isProxiedUri(uri: string): boolean {
  return uri.startsWith(PROXY_SCHEME);
}

export interface FileHead {
  bytes: Uint8Array;
  /** The file goes on past `bytes`: the rest was not downloaded. */
  truncated: boolean;
}

/** The first `limit` bytes of a file; the download stops there, so a 2 GB log costs 512 KB. */
export async function readHead(url: string, limit: number, signal?: AbortSignal): Promise<FileHead> {
  let response: Response;
  try {
    response = await fetch(url, { signal: signal ?? null });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "NETWORK_ERROR", "Cannot reach the keel server. Is it running?");
  }
  if (!response.ok) {
    let message = `${response.status} ${response.statusText || "error"}`;
    let code = "INTERNAL_ERROR";
    try {
      const body = (await response.json()) as { error_code?: string; message?: string };
      message = body.message ?? message;
      code = body.error_code ?? code;
    } catch {
      // not JSON
    }
    throw new ApiError(response.status, code, message);
  }
  if (!response.body) {
    const all = new Uint8Array(await response.arrayBuffer());
    return { bytes: all.slice(0, limit), truncated: all.length > limit };
  }
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size > limit) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(size, limit));
  let offset = 0;
  for (const chunk of chunks) {
    const take = Math.min(chunk.length, bytes.length - offset);
    bytes.set(chunk.subarray(0, take), offset);
    offset += take;
    if (offset >= bytes.length) break;
  }
  return { bytes, truncated };
}

/** Text that a preview can show, or null for a binary file (a NUL byte near the start). */
export function decodeText(bytes: Uint8Array): string | null {
  const sniff = bytes.subarray(0, 8192);
  if (sniff.includes(0)) return null;
  return new TextDecoder("utf-8", { fatal: false }).decode(bytes);
}
