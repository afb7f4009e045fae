// The model registry: MLflow's registered-models and model-versions calls, keel's history and
// lineage, and the run's logged models (MLflow 3) that can be registered.
import { KEEL_API, MLFLOW_API, request } from "./client";
import type { KeyValue } from "./types";

export const STAGES = ["None", "Staging", "Production", "Archived"] as const;
export type Stage = (typeof STAGES)[number];

export interface ModelVersion {
  name: string;
  /** A number, sent as a string. */
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: string;
  source: string;
  status: string;
  status_message?: string;
  user_id?: string;
  description?: string;
  run_id?: string;
  run_link?: string;
  model_id?: string;
  tags?: KeyValue[];
  aliases?: string[];
}

export interface ModelAlias {
  alias: string;
  version: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  description?: string;
  /** The newest version in each stage. */
  latest_versions?: ModelVersion[];
  tags?: KeyValue[];
  aliases?: ModelAlias[];
}

/** One recorded change (keel's history): `action` is `<entity>.<verb>`, `key` names what changed. */
export interface RegistryEvent {
  event_id: number;
  timestamp: number;
  action: string;
  name: string;
  user_id?: string;
  version?: string;
  key?: string;
  from_value?: string;
  to_value?: string;
}

export type LineageNodeType = "dataset" | "run" | "logged_model" | "model_version";

/** A node of keel's lineage graph; the fields beyond id and type depend on the type. */
export interface LineageNode {
  id: string;
  type: LineageNodeType | (string & {});
  missing?: boolean;
  name?: string;
  digest?: string;
  source?: string;
  source_type?: string;
  context?: string | null;
  run_id?: string;
  run_name?: string;
  experiment_id?: string;
  status?: string;
  git_commit?: string | null;
  source_name?: string | null;
  model_id?: string;
  artifact_uri?: string;
  version?: string;
  current_stage?: string;
  aliases?: string[];
  creation_timestamp?: number;
  user_id?: string | null;
}

export interface LineageEdge {
  from: string;
  to: string;
  relation: string;
}

export interface Lineage {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    artifact_uri: string;
    status: string;
    source_run_id?: string;
    creation_timestamp_ms?: number;
    model_type?: string;
    registrations?: { name: string; version: string }[];
    tags?: KeyValue[];
  };
}

/** The tag where a logged model lists the versions registered from it (as MLflow's server does). */
export const MODEL_VERSIONS_TAG = "mlflow.modelVersions";

/** The registered versions made from a logged model: its `registrations`, else its `mlflow.modelVersions` tag. */
export function registrationsOf(info: LoggedModel["info"]): { name: string; version: string }[] {
  if (info.registrations?.length) return info.registrations;
  const tag = info.tags?.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
  if (!tag) return [];
  try {
    const parsed: unknown = JSON.parse(tag);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((entry): entry is { name: unknown; version: unknown } => typeof entry === "object" && entry !== null)
      .filter((entry) => typeof entry.name === "string" && entry.version !== undefined)
      .map((entry) => ({ name: String(entry.name), version: String(entry.version) }));
  } catch {
    return [];
  }
}

type Empty = Record<string, never>;

export interface SearchModelsArgs {
  filter?: string | undefined;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string | undefined;
}

export function searchRegisteredModels(args: SearchModelsArgs, signal?: AbortSignal) {
  return request<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(`${MLFLOW_API}/registered-models/search`, {
    query: {
      filter: args.filter || undefined,
      order_by: args.orderBy ?? ["name ASC"],
      max_results: args.maxResults ?? 100,
      page_token: args.pageToken,
    },
    signal,
  });
}

export function getRegisteredModel(name: string, signal?: AbortSignal) {
  return request<{ registered_model: RegisteredModel }>(`${MLFLOW_API}/registered-models/get`, { query: { name }, signal });
}

export function createRegisteredModel(name: string, description?: string) {
  return request<{ registered_model: RegisteredModel }>(`${MLFLOW_API}/registered-models/create`, {
    method: "POST",
    body: { name, description: description || undefined },
  });
}

export function renameRegisteredModel(name: string, newName: string) {
  return request<{ registered_model: RegisteredModel }>(`${MLFLOW_API}/registered-models/rename`, {
    method: "POST",
    body: { name, new_name: newName },
  });
}

export function updateRegisteredModel(name: string, description: string) {
  return request<{ registered_model: RegisteredModel }>(`${MLFLOW_API}/registered-models/update`, {
    method: "PATCH",
    body: { name, description },
  });
}

/** Deletes the model and every version of it (their files are kept). */
export function deleteRegisteredModel(name: string) {
  return request<Empty>(`${MLFLOW_API}/registered-models/delete`, { method: "DELETE", body: { name } });
}

export function setRegisteredModelTag(name: string, key: string, value: string) {
  return request<Empty>(`${MLFLOW_API}/registered-models/set-tag`, { method: "POST", body: { name, key, value } });
}

export function deleteRegisteredModelTag(name: string, key: string) {
  return request<Empty>(`${MLFLOW_API}/registered-models/delete-tag`, { method: "DELETE", body: { name, key } });
}

/** Points the alias at the version, moving it if another version had it. */
export function setModelAlias(name: string, alias: string, version: string) {
  return request<Empty>(`${MLFLOW_API}/registered-models/alias`, { method: "POST", body: { name, alias, version } });
}

export function deleteModelAlias(name: string, alias: string) {
  return request<Empty>(`${MLFLOW_API}/registered-models/alias`, { method: "DELETE", body: { name, alias } });
}

export interface SearchVersionsArgs {
  filter: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string | undefined;
}

export function searchModelVersions(args: SearchVersionsArgs, signal?: AbortSignal) {
  return request<{ model_versions?: ModelVersion[]; next_page_token?: string }>(`${MLFLOW_API}/model-versions/search`, {
    query: {
      filter: args.filter,
      order_by: args.orderBy ?? ["version_number DESC"],
      max_results: args.maxResults ?? 200,
      page_token: args.pageToken,
    },
    signal,
  });
}

export function getModelVersion(name: string, version: string, signal?: AbortSignal) {
  return request<{ model_version: ModelVersion }>(`${MLFLOW_API}/model-versions/get`, { query: { name, version }, signal });
}

export interface CreateVersionArgs {
  name: string;
  /** `runs:/<run_id>/<path>` or `models:/<model_id>`. */
  source: string;
  runId?: string | undefined;
  modelId?: string | undefined;
}

export function createModelVersion(args: CreateVersionArgs) {
  return request<{ model_version: ModelVersion }>(`${MLFLOW_API}/model-versions/create`, {
    method: "POST",
    body: { name: args.name, source: args.source, run_id: args.runId, model_id: args.modelId },
  });
}

export function updateModelVersion(name: string, version: string, description: string) {
  return request<{ model_version: ModelVersion }>(`${MLFLOW_API}/model-versions/update`, {
    method: "PATCH",
    body: { name, version, description },
  });
}

export function deleteModelVersion(name: string, version: string) {
  return request<Empty>(`${MLFLOW_API}/model-versions/delete`, { method: "DELETE", body: { name, version } });
}

/** MLflow's legacy stages; `archiveExisting` moves the versions already in Staging/Production to Archived. */
export function transitionModelVersionStage(name: string, version: string, stage: Stage, archiveExisting: boolean) {
  return request<{ model_version: ModelVersion }>(`${MLFLOW_API}/model-versions/transition-stage`, {
    method: "POST",
    body: { name, version, stage, archive_existing_versions: archiveExisting },
  });
}

export function setModelVersionTag(name: string, version: string, key: string, value: string) {
  return request<Empty>(`${MLFLOW_API}/model-versions/set-tag`, { method: "POST", body: { name, version, key, value } });
}

export function deleteModelVersionTag(name: string, version: string, key: string) {
  return request<Empty>(`${MLFLOW_API}/model-versions/delete-tag`, { method: "DELETE", body: { name, version, key } });
}

/** Where the version's files are: keel's own copy, `mlflow-artifacts:/registry/<uuid>`. */
export function getModelVersionDownloadUri(name: string, version: string, signal?: AbortSignal) {
  return request<{ artifact_uri: string }>(`${MLFLOW_API}/model-versions/get-download-uri`, { query: { name, version }, signal });
}

/** keel's record of every change to a model (across its renames), newest first, a page at a time. */
export function getRegistryHistory(name: string, pageToken?: string, signal?: AbortSignal) {
  return request<{ events?: RegistryEvent[]; next_page_token?: string }>(`${KEEL_API}/registry/history`, {
    query: { name, page_token: pageToken, newest_first: "true" },
    signal,
  });
}

export function getLineage(name: string, version: string, signal?: AbortSignal) {
  return request<Lineage>(`${KEEL_API}/registry/lineage`, { query: { name, version }, signal });
}

/** The logged models (MLflow 3) a run produced. */
export function searchRunLoggedModels(experimentId: string, runId: string, signal?: AbortSignal) {
  return request<{ models?: LoggedModel[]; next_page_token?: string }>(`${MLFLOW_API}/logged-models/search`, {
    method: "POST",
    body: { experiment_ids: [experimentId], filter: `source_run_id = ${quoteLiteral(runId)}`, max_results: 100 },
    signal,
  });
}

/** A string literal for MLflow's filter grammar: single quotes, an inner quote doubled. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
