// A small history-API router: real paths (/experiments/1/runs/<id>) that the server answers with
// index.html, so every page is a deep link. MLflow's hash links (/#/experiments/1) are rewritten.
import { createElement, useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from "react";

export type Route =
  | { page: "experiments" }
  | { page: "runs"; experimentId: string }
  | { page: "run"; experimentId: string; runId: string }
  | { page: "multiRuns" }
  | { page: "compare" }
  | { page: "runById"; runId: string }
  | { page: "models" }
  | { page: "model"; name: string }
  | { page: "modelVersion"; name: string; version: string }
  | { page: "notFound"; path: string };

const seg = encodeURIComponent;

export const paths = {
  experiments: () => "/experiments",
  runs: (experimentId: string, search?: URLSearchParams) => {
    const query = search?.toString();
    return `/experiments/${seg(experimentId)}${query ? `?${query}` : ""}`;
  },
  run: (experimentId: string, runId: string) => `/experiments/${seg(experimentId)}/runs/${seg(runId)}`,
  /** The runs of several experiments in one table: `/runs?experiments=1,4`. */
  multiRuns: (experimentIds: readonly string[]) => `/runs?experiments=${experimentIds.map(seg).join(",")}`,
  /** `/compare?runs=a,b,c`: the deep link of a comparison. */
  compare: (runIds: readonly string[]) => `/compare?runs=${runIds.map(seg).join(",")}`,
  /** A run known only by its id (a model version's source run): the page finds its experiment. */
  runById: (runId: string) => `/runs/${seg(runId)}`,
  models: () => "/models",
  model: (name: string) => `/models/${seg(name)}`,
  modelVersion: (name: string, version: string, search?: URLSearchParams) => {
    const query = search?.toString();
    return `/models/${seg(name)}/versions/${seg(version)}${query ? `?${query}` : ""}`;
  },
};

/** A comma-separated list from the URL (`?runs=a,b`), empty items dropped, each kept once. */
export function listParam(value: string | null): string[] {
  if (!value) return [];
  return [...new Set(value.split(",").map((item) => item.trim()).filter(Boolean))];
}

export function matchRoute(pathname: string): Route {
  const parts = pathname
    .split("/")
    .filter(Boolean)
    .map((part) => decodeURIComponent(part));
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "experiments")) return { page: "experiments" };
  if (parts.length === 1 && parts[0] === "runs") return { page: "multiRuns" };
  if (parts.length === 1 && parts[0] === "compare") return { page: "compare" };
  if (parts.length === 2 && parts[0] === "runs" && parts[1] !== undefined) return { page: "runById", runId: parts[1] };
  if (parts[0] === "models") {
    const [, name, versions, version] = parts;
    if (parts.length === 1) return { page: "models" };
    if (parts.length === 2 && name !== undefined) return { page: "model", name };
    if (parts.length === 4 && name !== undefined && versions === "versions" && version !== undefined) {
      return { page: "modelVersion", name, version };
    }
  }
  const [first, experimentId, third, runId] = parts;
  if (first === "experiments" && experimentId !== undefined) {
    if (parts.length === 2) return { page: "runs", experimentId };
    if (parts.length === 4 && third === "runs" && runId !== undefined) return { page: "run", experimentId, runId };
  }
  return { page: "notFound", path: pathname };
}

/** `["a","b"]` (MLflow's JSON lists in URLs) as plain strings; anything else as one comma list. */
function jsonList(value: string | null): string[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // not JSON: a comma list
  }
  return listParam(value);
}

/**
 * MLflow's UI links look like `/#/experiments/1/runs/abc`: the same page here lives at the path.
 * Its comparison links (`#/compare-runs?runs=["a","b"]`, `#/compare-experiments/s?experiments=["1","2"]`)
 * open this UI's comparison and multi-experiment pages.
 */
export function pathFromMlflowHash(hash: string): string | null {
  if (!hash.startsWith("#/")) return null;
  const target = hash.slice(1);
  const url = new URL(target, "http://keel.local");
  if (url.pathname === "/compare-runs") return paths.compare(jsonList(url.searchParams.get("runs")));
  if (url.pathname.startsWith("/compare-experiments")) {
    return paths.multiRuns(jsonList(url.searchParams.get("experiments")));
  }
  return target;
}

const LOCATION_CHANGED = "keel:locationchange";

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(LOCATION_CHANGED, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(LOCATION_CHANGED, onChange);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(LOCATION_CHANGED));
}

export interface Location {
  pathname: string;
  search: URLSearchParams;
}

/** The current location; components re-render when it changes. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const url = new URL(href, "http://keel.local");
  return { pathname: url.pathname, search: url.searchParams };
}

/** Replace some query parameters of the current page (null removes one). */
export function setSearchParams(changes: Record<string, string | null>, options: { replace?: boolean } = {}): void {
  const search = new URLSearchParams(window.location.search);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === "") search.delete(name);
    else search.set(name, value);
  }
  const query = search.toString();
  navigate(window.location.pathname + (query ? `?${query}` : ""), options);
}

function isPlainLeftClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

export type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An <a> that navigates in place on a plain click and keeps open-in-new-tab working. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  return createElement("a", {
    ...rest,
    href: to,
    onClick: (event: MouseEvent<HTMLAnchorElement>) => {
      onClick?.(event);
      if (event.defaultPrevented || !isPlainLeftClick(event) || rest.target) return;
      event.preventDefault();
      navigate(to);
    },
  });
}
