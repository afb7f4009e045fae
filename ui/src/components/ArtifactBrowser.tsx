// A tree of files (a run's artifacts, a registered version's copy): folders read one level at a
// time, and a preview of the chosen file. The chosen file is in the URL (`?artifact=<path>`).
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { ApiError, isAbort } from "../api/client";
import { runArtifactSource, type ArtifactSource, type FileInfo } from "../api/artifacts";
import { baseName, formatBytes } from "../lib/artifactKinds";
import { ArtifactPreview } from "./ArtifactPreview";
import { ErrorBanner } from "./ErrorBanner";

interface Listing {
  files: FileInfo[] | null;
  error: ApiError | null;
}

export type ArtifactBrowserProps = {
  selected: string | null;
  onSelect: (path: string | null) => void;
  /** Shown for a folder (`""`: the root) whose listing holds an `MLmodel` file: a model lives there. */
  modelAction?: (folder: string) => ReactNode;
  /** What an empty tree says. */
  empty?: ReactNode;
} & (
  | {
      runId: string;
      /** The run's artifact_uri, until a listing says its root_uri. */
      artifactUri?: string | undefined;
      source?: undefined;
    }
  | { source: ArtifactSource; runId?: undefined; artifactUri?: undefined }
);

const RUN_EMPTY = (
  <>
    <p>No artifacts logged for this run.</p>
    <p className="muted">
      Log files with <code>keel.log_artifact()</code> or MLflow's <code>mlflow.log_artifact()</code>.
    </p>
  </>
);

/** `a/b/c.txt` → [`a`, `a/b`]: the folders to open for a deep link. */
export function ancestorsOf(path: string): string[] {
  const parts = path.split("/").filter(Boolean);
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

function sortEntries(files: readonly FileInfo[]): FileInfo[] {
  return [...files].sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
}

export function ArtifactBrowser(props: ArtifactBrowserProps) {
  const { selected, onSelect, modelAction } = props;
  const { runId, artifactUri, source } = props;
  const files = useMemo(() => source ?? runArtifactSource(runId ?? "", artifactUri), [source, runId, artifactUri]);
  // Callers may build a new source object each render: only another key is another tree.
  const sourceKey = files.key;
  const [listings, setListings] = useState<ReadonlyMap<string, Listing>>(new Map());
  const [open, setOpen] = useState<ReadonlySet<string>>(() => new Set(selected ? ancestorsOf(selected) : []));
  const [rootUri, setRootUri] = useState(artifactUri);
  const requested = useRef(new Set<string>());
  const controller = useRef(new AbortController());
  const sourceRef = useRef(files);
  sourceRef.current = files;

  const load = useCallback(
    (path: string, force = false) => {
      if (requested.current.has(path) && !force) return;
      requested.current.add(path);
      sourceRef.current
        .list(path, controller.current.signal)
        .then((response) => {
          if (response.rootUri) setRootUri(response.rootUri);
          setListings((old) => new Map(old).set(path, { files: sortEntries(response.files), error: null }));
        })
        .catch((cause: unknown) => {
          if (isAbort(cause)) return;
          const error = cause instanceof ApiError ? cause : new ApiError(0, "INTERNAL_ERROR", String(cause));
          setListings((old) => new Map(old).set(path, { files: null, error }));
        });
    },
    [sourceKey],
  );

  useEffect(() => {
    const current = new AbortController();
    controller.current = current;
    requested.current = new Set();
    return () => current.abort();
  }, [sourceKey]);

  useEffect(() => {
    load("");
    for (const path of open) load(path);
  }, [load, open]);

  const toggle = (path: string) =>
    setOpen((old) => {
      const next = new Set(old);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });

  const root = listings.get("");
  const sizeOf = (path: string) => {
    const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    return listings.get(parent)?.files?.find((f) => f.path === path)?.file_size;
  };

  const renderLevel = (path: string, depth: number) => {
    const listing = listings.get(path);
    if (!listing) return <p className="muted tree-note">Loading…</p>;
    if (listing.error) {
      return depth === 0 ? null : (
        <p className="field-error tree-note" role="alert">
          {listing.error.message}
        </p>
      );
    }
    if (!listing.files?.length) return depth === 0 ? null : <p className="muted tree-note">Empty folder.</p>;
    const holdsModel = modelAction && listing.files.some((file) => !file.is_dir && baseName(file.path) === "MLmodel");
    return (
      <ul className="artifact-tree" aria-label={depth === 0 ? "Artifacts" : `Files in ${baseName(path)}`}>
        {holdsModel && <li className="tree-action">{modelAction(path)}</li>}
        {listing.files.map((file) => (
          <li key={file.path}>
            {file.is_dir ? (
              <>
                <button type="button" className="tree-item folder" aria-expanded={open.has(file.path)} onClick={() => toggle(file.path)}>
                  <span aria-hidden="true">{open.has(file.path) ? "▾" : "▸"} </span>
                  {baseName(file.path)}/
                </button>
                {open.has(file.path) && renderLevel(file.path, depth + 1)}
              </>
            ) : (
              <button
                type="button"
                className="tree-item file"
                aria-current={selected === file.path ? "true" : undefined}
                onClick={() => onSelect(file.path)}
              >
                <span className="file-name">{baseName(file.path)}</span>
                <span className="muted file-size">{formatBytes(file.file_size)}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
    );
  };

  if (root?.error) {
    return <ErrorBanner error={root.error} onRetry={() => load("", true)} />;
  }
  if (root && !root.files?.length) {
    return <div className="empty-state">{props.empty ?? RUN_EMPTY}</div>;
  }
  return (
    <div className="artifact-browser">
      <nav className="artifact-nav" aria-label="Artifact files">
        {renderLevel("", 0)}
      </nav>
      <div className="artifact-main">
        {selected ? (
          <ArtifactPreview key={selected} url={files.url(selected, rootUri)} path={selected} size={sizeOf(selected)} />
        ) : (
          <p className="muted preview-hint">Choose a file to preview it.</p>
        )}
      </div>
    </div>
  );
}
