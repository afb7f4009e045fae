// One model version: its details, stage, aliases, description and tags (Overview), its files
// (the registry's copy, `?tab=files&artifact=<path>`) and its lineage back to the run and the data
// (`?tab=lineage`).
import { useCallback, useEffect, useMemo, useState } from "react";
import { isProxiedUri, proxiedArtifactSource } from "../api/artifacts";
import {
  deleteModelVersion,
  deleteModelVersionTag,
  getModelVersion,
  getModelVersionDownloadUri,
  getRegisteredModel,
  searchModelVersions,
  setModelVersionTag,
  updateModelVersion,
  type ModelVersion,
} from "../api/registry";
import { AliasEditor } from "../components/AliasEditor";
import { ArtifactBrowser } from "../components/ArtifactBrowser";
import { ConfirmButton } from "../components/ConfirmButton";
import { DescriptionEditor } from "../components/DescriptionEditor";
import { ErrorBanner } from "../components/ErrorBanner";
import { LineageGraph } from "../components/LineageGraph";
import { RegistryHistory } from "../components/RegistryHistory";
import { StageEditor } from "../components/StageEditor";
import { TagEditor } from "../components/TagEditor";
import { Tabs } from "../components/Tabs";
import { formatTime } from "../lib/format";
import { byVersionDesc, versionsOf } from "../lib/registry";
import { Link, navigate, paths, setSearchParams, useLocation } from "../lib/router";
import { useApi } from "../lib/useApi";

type VersionTab = "overview" | "files" | "lineage";

function Facts({ version, onChanged }: { version: ModelVersion; onChanged: () => void }) {
  return (
    <dl className="run-facts">
      <div>
        <dt>Stage</dt>
        <dd>
          <StageEditor name={version.name} version={version.version} stage={version.current_stage} onChanged={onChanged} />
        </dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd title={version.status_message}>{version.status.toLowerCase().replaceAll("_", " ")}</dd>
      </div>
      <div>
        <dt>Created</dt>
        <dd>{formatTime(version.creation_timestamp)}</dd>
      </div>
      <div>
        <dt>Last updated</dt>
        <dd>{formatTime(version.last_updated_timestamp)}</dd>
      </div>
      {version.user_id && (
        <div>
          <dt>Registered by</dt>
          <dd>{version.user_id}</dd>
        </div>
      )}
      {version.run_id && (
        <div>
          <dt>Source run</dt>
          <dd>
            <Link to={paths.runById(version.run_id)}>
              <code>{version.run_id}</code>
            </Link>
          </dd>
        </div>
      )}
      {version.model_id && (
        <div>
          <dt>Logged model</dt>
          <dd>
            <code>{version.model_id}</code>
          </dd>
        </div>
      )}
      <div className="fact-wide">
        <dt>Registered from</dt>
        <dd>
          <code className="wrap">{version.source}</code>
        </dd>
      </div>
      <div className="fact-wide">
        <dt>Load with</dt>
        <dd>
          <code className="wrap">
            models:/{version.name}/{version.version}
          </code>
        </dd>
      </div>
    </dl>
  );
}

function VersionFiles({ name, version, selected }: { name: string; version: string; selected: string | null }) {
  const download = useApi((signal) => getModelVersionDownloadUri(name, version, signal), [name, version]);
  const uri = download.data?.artifact_uri;
  const source = useMemo(() => (uri && isProxiedUri(uri) ? proxiedArtifactSource(uri) : null), [uri]);
  if (download.error) return <ErrorBanner error={download.error} onRetry={download.reload} />;
  if (!uri) return <p className="table-status">Loading files…</p>;
  if (!source) {
    return (
      <div className="empty-state">
        <p>
          The files are at <code className="wrap">{uri}</code>, which this server does not serve.
        </p>
      </div>
    );
  }
  return (
    <>
      <p className="muted small-print">
        The registry's own copy, at <code className="wrap">{uri}</code>.
      </p>
      <ArtifactBrowser
        source={source}
        selected={selected}
        onSelect={(path) => setSearchParams({ artifact: path })}
        empty={<p>This version has no files.</p>}
      />
    </>
  );
}

export function ModelVersionPage({ name, version }: { name: string; version: string }) {
  const { search } = useLocation();
  const tabParam = search.get("tab");
  const tab: VersionTab = tabParam === "files" || tabParam === "lineage" ? tabParam : "overview";
  const [generation, setGeneration] = useState(0);
  const result = useApi((signal) => getModelVersion(name, version, signal), [name, version]);
  const model = useApi((signal) => getRegisteredModel(name, signal), [name]);
  const siblings = useApi((signal) => searchModelVersions({ filter: versionsOf(name), maxResults: 1000 }, signal), [name]);
  const mv = result.data?.model_version;

  useEffect(() => {
    document.title = `${name} v${version} · Models · keel`;
  }, [name, version]);

  const reloadVersion = result.reload;
  const reloadModel = model.reload;
  const onChanged = useCallback(() => {
    reloadVersion();
    reloadModel();
    setGeneration((n) => n + 1);
  }, [reloadVersion, reloadModel]);

  const notFound = result.error?.errorCode === "RESOURCE_DOES_NOT_EXIST";
  const versionNumbers = [...(siblings.data?.model_versions ?? [])].sort(byVersionDesc).map((v) => v.version);
  return (
    <section className="page version-page" aria-labelledby="version-title">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to={paths.models()}>Models</Link> <span aria-hidden="true">/</span> <Link to={paths.model(name)}>{name}</Link>{" "}
        <span aria-hidden="true">/</span>
      </nav>
      <header className="page-header">
        <h1 id="version-title">{mv ? `${mv.name} · version ${mv.version}` : notFound ? "Version not found" : `${name} · version ${version}`}</h1>
        {mv && (
          <span className="header-actions">
            <ConfirmButton
              action="Delete"
              label={`Delete version ${mv.version}`}
              question={`Delete version ${mv.version} of ${mv.name}?`}
              onConfirm={async () => {
                await deleteModelVersion(mv.name, mv.version);
                navigate(paths.model(mv.name));
              }}
            />
          </span>
        )}
      </header>
      {result.error && (
        <>
          <ErrorBanner error={result.error} onRetry={notFound ? undefined : result.reload} />
          {notFound && (
            <p>
              <Link to={paths.model(name)}>See the versions of {name}</Link> or <Link to={paths.models()}>all models</Link>.
            </p>
          )}
        </>
      )}
      {!mv && result.loading && <p className="table-status">Loading version…</p>}
      {mv && (
        <Tabs
          label="Version sections"
          tabs={[
            { id: "overview", label: "Overview" },
            { id: "files", label: "Files" },
            { id: "lineage", label: "Lineage" },
          ]}
          current={tab}
          onChange={(next) => setSearchParams({ tab: next === "overview" ? null : next, artifact: null })}
        >
          {tab === "overview" && (
            <>
              <Facts version={mv} onChanged={onChanged} />
              <div className="two-columns">
                <section aria-labelledby="aliases-title" className="run-section">
                  <h2 id="aliases-title">Aliases</h2>
                  <AliasEditor
                    name={mv.name}
                    version={mv.version}
                    aliases={model.data?.registered_model.aliases ?? (mv.aliases ?? []).map((alias) => ({ alias, version: mv.version }))}
                    versions={versionNumbers.length ? versionNumbers : [mv.version]}
                    onChanged={onChanged}
                  />
                </section>
                <section aria-labelledby="tags-title" className="run-section">
                  <h2 id="tags-title">Tags ({mv.tags?.length ?? 0})</h2>
                  <TagEditor
                    tags={mv.tags ?? []}
                    writer={{
                      set: (key, value) => setModelVersionTag(mv.name, mv.version, key, value),
                      remove: (key) => deleteModelVersionTag(mv.name, mv.version, key),
                    }}
                    onChanged={onChanged}
                  />
                </section>
              </div>
              <section aria-labelledby="description-title" className="run-section">
                <h2 id="description-title">Description</h2>
                <DescriptionEditor text={mv.description || null} onSave={(text) => updateModelVersion(mv.name, mv.version, text)} onChanged={onChanged} />
              </section>
              <section aria-labelledby="history-title" className="run-section">
                <h2 id="history-title">History</h2>
                <RegistryHistory name={mv.name} version={mv.version} refreshKey={generation} />
              </section>
            </>
          )}
          {tab === "files" && <VersionFiles name={mv.name} version={mv.version} selected={search.get("artifact")} />}
          {tab === "lineage" && <LineageGraph name={mv.name} version={mv.version} />}
        </Tabs>
      )}
    </section>
  );
}
