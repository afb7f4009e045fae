// A version's lineage drawn as boxes and arrows: the datasets its run read, the run, the logged
// model the run produced, and the version. Each box links to where that thing is shown.
import { useRef, type ReactNode } from "react";
import { getLineage, type Lineage, type LineageNode } from "../api/registry";
import { fitLineage, NODE_HEIGHT } from "../lib/lineage";
import { Link, paths } from "../lib/router";
import { useApi } from "../lib/useApi";
import { useElementWidth } from "../lib/useElementWidth";
import { ErrorBanner } from "./ErrorBanner";

const TYPE_LABELS: Record<string, string> = {
  dataset: "Dataset",
  run: "Run",
  logged_model: "Logged model",
  model_version: "Model version",
};

interface Target {
  to: string;
  title: string;
}

function runPage(run: LineageNode | undefined, search = ""): string | null {
  if (!run?.run_id || run.missing) return null;
  const base = run.experiment_id ? paths.run(run.experiment_id, run.run_id) : paths.runById(run.run_id);
  return base + search;
}

/** Where a node's box links: its own page, or for a dataset and a logged model the run that read or made it. */
function targetOf(node: LineageNode, graph: Lineage): Target | null {
  const neighbour = (id: string | undefined) => graph.nodes.find((n) => n.id === id);
  if (node.type === "run") {
    const to = runPage(node);
    return to ? { to, title: "Open the run" } : null;
  }
  if (node.type === "dataset") {
    const run = neighbour(graph.edges.find((e) => e.from === node.id)?.to);
    const to = runPage(run);
    return to ? { to, title: "Open the run that read it" } : null;
  }
  if (node.type === "logged_model") {
    const run = neighbour(graph.edges.find((e) => e.to === node.id && e.relation === "produced")?.from);
    const to = runPage(run, "?tab=artifacts");
    return to ? { to, title: "Open the run that logged it" } : null;
  }
  if (node.type === "model_version" && node.name && node.version) {
    return { to: paths.modelVersion(node.name, node.version), title: "Open the version" };
  }
  return null;
}

function titleOf(node: LineageNode): string {
  switch (node.type) {
    case "dataset":
      return node.name || node.digest || "dataset";
    case "run":
      return node.run_name || node.run_id?.slice(0, 12) || "run";
    case "logged_model":
      return node.name || node.model_id || "logged model";
    case "model_version":
      return `${node.name ?? ""} v${node.version ?? "?"}`;
    default:
      return node.name || node.id;
  }
}

/** A dataset's source as MLflow logs it (`{"uri": "s3://…"}`) reads as its URI. */
export function readableSource(source: string | undefined): string {
  if (!source) return "";
  try {
    const parsed: unknown = JSON.parse(source);
    if (parsed && typeof parsed === "object") {
      const fields = parsed as Record<string, unknown>;
      for (const key of ["uri", "path", "url", "table_name"]) {
        if (typeof fields[key] === "string") return fields[key];
      }
    }
  } catch {
    // not JSON: shown as it is
  }
  return source;
}

function detailsOf(node: LineageNode): ReactNode[] {
  const out: ReactNode[] = [];
  if (node.type === "dataset") {
    if (node.digest) out.push(<>digest <code>{node.digest.slice(0, 10)}</code></>);
    if (node.context) out.push(node.context);
    const source = readableSource(node.source);
    if (source) out.push(<span title={source}>{source}</span>);
  } else if (node.type === "run") {
    if (node.status) out.push(node.status.toLowerCase());
    if (node.git_commit) out.push(<>git <code>{node.git_commit.slice(0, 10)}</code></>);
    if (node.source_name) out.push(<span title={node.source_name}>{node.source_name.split(/[\\/]/).pop()}</span>);
    if (!node.run_name && node.run_id) out.push(<code>{node.run_id}</code>);
  } else if (node.type === "logged_model") {
    if (node.model_id) out.push(<code title={node.model_id}>{node.model_id}</code>);
  } else if (node.type === "model_version") {
    if (node.current_stage) out.push(`stage ${node.current_stage}`);
    if (node.aliases?.length) out.push(node.aliases.map((a) => `@${a}`).join(" "));
  }
  return out;
}

function NodeBox({ node, graph, current }: { node: LineageNode; graph: Lineage; current: boolean }) {
  const target = node.missing ? null : targetOf(node, graph);
  const title = titleOf(node);
  const details = detailsOf(node);
  return (
    <>
      <p className="lineage-type">
        {TYPE_LABELS[node.type] ?? node.type}
        {node.missing && <span className="lineage-missing"> · deleted</span>}
      </p>
      <p className="lineage-title">
        {target ? (
          <Link to={target.to} title={target.title} aria-current={current ? "page" : undefined}>
            {title}
          </Link>
        ) : (
          title
        )}
      </p>
      {details.map((detail, i) => (
        <p key={i} className="lineage-detail muted">
          {detail}
        </p>
      ))}
    </>
  );
}

export function LineageView({ graph, current }: { graph: Lineage; current?: string }) {
  const box = useRef<HTMLDivElement>(null);
  const width = useElementWidth(box, 1200);
  const layout = fitLineage(graph, width);
  const label = `Lineage: ${layout.nodes.map((p) => `${TYPE_LABELS[p.node.type] ?? p.node.type} ${titleOf(p.node)}`).join(", then ")}`;
  return (
    <div ref={box} className="lineage-box">
      <figure className="lineage" style={{ width: layout.width, height: layout.height }} aria-label={label}>
        <svg className="lineage-arrows" width={layout.width} height={layout.height} aria-hidden="true">
          <defs>
            <marker id="lineage-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" />
            </marker>
          </defs>
          {layout.edges.map(({ edge, path }) => (
            <path key={`${edge.from}>${edge.to}`} d={path} className={`lineage-edge relation-${edge.relation}`} markerEnd="url(#lineage-arrow)" />
          ))}
        </svg>
        <ol className="lineage-nodes">
          {layout.nodes.map(({ node, x, y }) => (
            <li
              key={node.id}
              className={`lineage-node type-${node.type}${node.missing ? " is-missing" : ""}${node.id === current ? " is-current" : ""}`}
              data-node-type={node.type}
              style={{ left: x, top: y, width: layout.nodeWidth, height: NODE_HEIGHT }}
            >
              <NodeBox node={node} graph={graph} current={node.id === current} />
            </li>
          ))}
        </ol>
      </figure>
    </div>
  );
}

export function LineageGraph({ name, version }: { name: string; version: string }) {
  const lineage = useApi((signal) => getLineage(name, version, signal), [name, version]);
  if (lineage.error) {
    const unsupported = lineage.error.status === 404 && lineage.error.errorCode === "ENDPOINT_NOT_FOUND";
    return unsupported ? <p className="muted">This server does not serve lineage.</p> : <ErrorBanner error={lineage.error} onRetry={lineage.reload} />;
  }
  if (!lineage.data) return <p className="table-status">Loading lineage…</p>;
  const graph = lineage.data;
  const upstream = graph.nodes.filter((n) => n.type !== "model_version");
  return (
    <>
      <LineageView graph={graph} current={`model_version:${name}/${version}`} />
      {upstream.length === 0 && (
        <p className="muted">
          This version names no run or logged model, so there is nothing upstream to show.
        </p>
      )}
      {!graph.nodes.some((n) => n.type === "dataset") && upstream.length > 0 && (
        <p className="muted small-print">
          No datasets: the run logged no inputs (<code>keel.log_input()</code> records them).
        </p>
      )}
    </>
  );
}
