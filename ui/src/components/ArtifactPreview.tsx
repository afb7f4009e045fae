// The preview of one artifact file, with a download link. Only the head of a text file is read
// (PREVIEW_BYTES), so a huge log costs no more than a small one.
import { useEffect, useState } from "react";
import { ApiError, isAbort } from "../api/client";
import { decodeText, readHead } from "../api/artifacts";
import { baseName, formatBytes, previewKind, type PreviewKind } from "../lib/artifactKinds";
import { parseDelimited } from "../lib/csv";
import { readMlmodel } from "../lib/mlmodel";

export const PREVIEW_BYTES = 512 * 1024;
export const TABLE_ROWS = 100;

interface Loaded {
  text: string | null; // null: binary
  truncated: boolean;
}

function TablePreview({ text, truncated, delimiter, name }: { text: string; truncated: boolean; delimiter: string; name: string }) {
  const { rows, more } = parseDelimited(text, TABLE_ROWS + 1, delimiter, truncated);
  const [header, ...body] = rows;
  if (!header) return <p className="muted">The file is empty.</p>;
  return (
    <div className="table-scroll preview-table">
      <table className="simple-table">
        <caption className="muted">
          {more ? `First ${body.length} rows of ${name}` : `${body.length} ${body.length === 1 ? "row" : "rows"}`}
        </caption>
        <thead>
          <tr>
            {header.map((cell, i) => (
              <th key={i} scope="col">
                {cell}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {body.map((row, r) => (
            <tr key={r}>
              {row.map((cell, c) => (
                <td key={c}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MlmodelPreview({ text }: { text: string }) {
  const view = readMlmodel(text);
  return (
    <>
      {view.flavors.length > 0 && (
        <p className="flavors">
          Flavors:{" "}
          {view.flavors.map((flavor) => (
            <span key={flavor} className="chip">
              {flavor}
            </span>
          ))}
        </p>
      )}
      <pre className="text-preview yaml-preview" aria-label="MLmodel">
        {view.lines.map((line, i) => (
          <span key={i} className={`yaml-line line-${line.role}`}>
            {line.role === "flavor" ? <mark className="flavor-name">{line.text}</mark> : line.text}
            {"\n"}
          </span>
        ))}
      </pre>
    </>
  );
}

function TextPreview({ kind, loaded, name }: { kind: PreviewKind; loaded: Loaded; name: string }) {
  const { text, truncated } = loaded;
  if (text === null) return <p className="muted">This is a binary file: download it to open it.</p>;
  if (kind === "csv" || kind === "tsv") return <TablePreview text={text} truncated={truncated} delimiter={kind === "csv" ? "," : "\t"} name={name} />;
  if (kind === "mlmodel") return <MlmodelPreview text={text} />;
  let shown = text;
  if (kind === "json" && !truncated) {
    try {
      shown = JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      // not valid JSON: shown as it is
    }
  }
  return <pre className="text-preview">{shown}</pre>;
}

export function ArtifactPreview({ url, path, size }: { url: string; path: string; size?: number | undefined }) {
  const kind = previewKind(path);
  const name = baseName(path);
  const readsText = kind !== "image" && kind !== "none";
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [imageState, setImageState] = useState<"loading" | "ready" | "error">("loading");

  useEffect(() => {
    setLoaded(null);
    setError(null);
    setImageState("loading");
    if (!readsText) return;
    const controller = new AbortController();
    readHead(url, PREVIEW_BYTES, controller.signal)
      .then((head) => setLoaded({ text: decodeText(head.bytes), truncated: head.truncated }))
      .catch((cause: unknown) => {
        if (!isAbort(cause)) setError(cause instanceof ApiError ? `${cause.errorCode}: ${cause.message}` : String(cause));
      });
    return () => controller.abort();
  }, [url, readsText]);

  const state = error || (kind === "image" && imageState === "error") ? "error" : kind === "image" ? imageState : kind === "none" || loaded ? "ready" : "loading";

  return (
    <section className="artifact-preview" aria-label={`Preview of ${name}`} data-kind={kind} data-state={state}>
      <header className="preview-header">
        <h3 className="preview-title">{path}</h3>
        <span className="muted">{formatBytes(size)}</span>
        <a className="button-link" href={url} download={name} aria-label={`Download ${name}`}>
          Download
        </a>
      </header>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {kind === "image" && (
        <>
          {imageState === "error" && (
            <p className="field-error" role="alert">
              The image could not be loaded.
            </p>
          )}
          <img className="image-preview" src={url} alt={name} onLoad={() => setImageState("ready")} onError={() => setImageState("error")} />
        </>
      )}
      {kind === "none" && <p className="muted">No preview for this kind of file. Download it to open it.</p>}
      {readsText && !loaded && !error && <p className="muted">Loading…</p>}
      {readsText && loaded && (
        <>
          <TextPreview kind={kind} loaded={loaded} name={name} />
          {loaded.truncated && loaded.text !== null && (
            <p className="muted small-print">Showing the first {formatBytes(PREVIEW_BYTES)}; download the file for the rest.</p>
          )}
        </>
      )}
    </section>
  );
}
