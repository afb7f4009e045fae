import { lazy, Suspense, useEffect } from "react";
import { ExperimentsPage } from "./pages/ExperimentsPage";
import { RunByIdPage } from "./pages/RunByIdPage";
import { RunsPage } from "./pages/RunsPage";
import { Link, listParam, matchRoute, paths, useLocation } from "./lib/router";

// The run page brings the charting library: the runs table does not wait for it.
const loadRunPage = () => import("./pages/RunPage");
const RunPage = lazy(() => loadRunPage().then((module) => ({ default: module.RunPage })));
const loadComparePage = () => import("./pages/ComparePage");
const ComparePage = lazy(() => loadComparePage().then((module) => ({ default: module.ComparePage })));
const ModelsPage = lazy(() => import("./pages/ModelsPage").then((module) => ({ default: module.ModelsPage })));
const ModelPage = lazy(() => import("./pages/ModelPage").then((module) => ({ default: module.ModelPage })));
const ModelVersionPage = lazy(() => import("./pages/ModelVersionPage").then((module) => ({ default: module.ModelVersionPage })));
const PREFETCH_AFTER_MS = 1500;

const MODEL_PAGES: ReadonlySet<string> = new Set(["models", "model", "modelVersion"]);

function NotFound({ path }: { path: string }) {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link to={paths.experiments()}>See all experiments</Link>.
      </p>
    </section>
  );
}

function NoExperimentsChosen() {
  return (
    <section className="page">
      <h1>No experiments chosen</h1>
      <p>
        Tick experiments on the <Link to={paths.experiments()}>experiments page</Link> and press “Show runs” to see
        their runs in one table.
      </p>
    </section>
  );
}

export function App() {
  const { pathname, search } = useLocation();
  const route = matchRoute(pathname);
  // Fetch the run page's code once the first page is up, so opening a run never waits for it.
  useEffect(() => {
    const timer = window.setTimeout(() => void loadRunPage(), PREFETCH_AFTER_MS);
    return () => window.clearTimeout(timer);
  }, []);
  let page;
  switch (route.page) {
    case "experiments":
      page = <ExperimentsPage />;
      break;
    case "runs":
      page = <RunsPage key={route.experimentId} experimentIds={[route.experimentId]} />;
      break;
    case "multiRuns": {
      const ids = listParam(search.get("experiments"));
      page = ids.length ? <RunsPage key={ids.join(",")} experimentIds={ids} /> : <NoExperimentsChosen />;
      break;
    }
    case "compare":
      page = <ComparePage runIds={listParam(search.get("runs"))} />;
      break;
    case "run":
      page = <RunPage key={route.runId} experimentId={route.experimentId} runId={route.runId} />;
      break;
    case "runById":
      page = <RunByIdPage key={route.runId} runId={route.runId} />;
      break;
    case "models":
      page = <ModelsPage />;
      break;
    case "model":
      page = <ModelPage key={route.name} name={route.name} />;
      break;
    case "modelVersion":
      page = <ModelVersionPage key={`${route.name}/${route.version}`} name={route.name} version={route.version} />;
      break;
    default:
      page = <NotFound path={route.path} />;
  }
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <Link to={paths.experiments()} className="brand" aria-label="keel home">
          keel
        </Link>
        <nav aria-label="Main">
          <Link to={paths.experiments()} aria-current={route.page === "experiments" ? "page" : undefined}>
            Experiments
          </Link>
          <Link to={paths.models()} aria-current={MODEL_PAGES.has(route.page) ? "page" : undefined}>
            Models
          </Link>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p className="table-status">Loading…</p>}>{page}</Suspense>
      </main>
    </>
  );
}
