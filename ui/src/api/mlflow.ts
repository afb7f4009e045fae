// The calls the UI makes, typed against MLflow's REST API (and keel's one extension for charts).
import { KEEL_API, MLFLOW_API, request } from "./client";
import type {
  DownsampledHistory,
  Experiment,
  MetricHistoryResponse,
  Run,
  SearchExperimentsResponse,
  SearchRunsResponse,
  ViewType,
} from "./types";

export interface SearchExperimentsArgs {
  filter?: string;
  maxResults?: number;
  orderBy?: string[];
  pageToken?: string;
  viewType?: ViewType;
}

export function searchExperiments(args: SearchExperimentsArgs, signal?: AbortSignal) {
  return request<SearchExperimentsResponse>(`${MLFLOW_API}/experiments/search`, {
    method: "POST",
    body: {
      filter: args.filter || undefined,
      max_results: args.maxResults ?? 100,
      order_by: args.orderBy ?? ["last_update_time DESC"],
      page_token: args.pageToken,
      view_type: args.viewType ?? "ACTIVE_ONLY",
    },
    signal,
  });
}

export function getExperiment(experimentId: string, signal?: AbortSignal) {
  return request<{ experiment: Experiment }>(`${MLFLOW_API}/experiments/get`, {
    query: { experiment_id: experimentId },
    signal,
  });
}

export function createExperiment(name: string) {
  return request<{ experiment_id: string }>(`${MLFLOW_API}/experiments/create`, {
    method: "POST",
    body: { name },
  });
}

/** Rename: MLflow's experiments/update. A deleted experiment cannot be renamed (INVALID_STATE). */
export function renameExperiment(experimentId: string, newName: string) {
  return request<Record<string, never>>(`${MLFLOW_API}/experiments/update`, {
    method: "POST",
    body: { experiment_id: experimentId, new_name: newName },
  });
}

/** Soft delete: the experiment and its runs move to the deleted view until restored. */
export function deleteExperiment(experimentId: string) {
  return request<Record<string, never>>(`${MLFLOW_API}/experiments/delete`, {
    method: "POST",
    body: { experiment_id: experimentId },
  });
}

export function restoreExperiment(experimentId: string) {
  return request<Record<string, never>>(`${MLFLOW_API}/experiments/restore`, {
    method: "POST",
    body: { experiment_id: experimentId },
  });
}

export interface SearchRunsArgs {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export function searchRuns(args: SearchRunsArgs, signal?: AbortSignal) {
  return request<SearchRunsResponse>(`${MLFLOW_API}/runs/search`, {
    method: "POST",
    body: {
      experiment_ids: args.experimentIds,
      filter: args.filter || undefined,
      order_by: args.orderBy && args.orderBy.length ? args.orderBy : undefined,
      max_results: args.maxResults ?? 500,
      page_token: args.pageToken,
      run_view_type: args.viewType ?? "ACTIVE_ONLY",
    },
    signal,
  });
}

export function getRun(runId: string, signal?: AbortSignal) {
  return request<{ run: Run }>(`${MLFLOW_API}/runs/get`, { query: { run_id: runId }, signal });
}

/** Tags are upserts: setting an existing key replaces its value. */
export function setRunTag(runId: string, key: string, value: string) {
  return request<Record<string, never>>(`${MLFLOW_API}/runs/set-tag`, {
    method: "POST",
    body: { run_id: runId, key, value },
  });
}

export function deleteRunTag(runId: string, key: string) {
  return request<Record<string, never>>(`${MLFLOW_API}/runs/delete-tag`, {
    method: "POST",
    body: { run_id: runId, key },
  });
}

export interface IntervalArgs {
  runIds: string[];
  metricKey: string;
  maxResults?: number;
  startStep?: number;
  endStep?: number;
}

/** MLflow's sampled history for up to 100 runs (at most 2500 points each, first and last kept). */
export function getMetricHistoryBulkInterval(args: IntervalArgs, signal?: AbortSignal) {
  return request<MetricHistoryResponse>(`${MLFLOW_API}/metrics/get-history-bulk-interval`, {
    query: {
      run_ids: args.runIds,
      metric_key: args.metricKey,
      max_results: args.maxResults,
      start_step: args.startStep,
      end_step: args.endStep,
    },
    signal,
  });
}

export interface DownsampledArgs {
  runId: string;
  metricKey: string;
  buckets: number;
  startStep?: number | undefined;
  endStep?: number | undefined;
}

/** keel's min/max-per-bucket history: faithful at one bucket per pixel, whatever the length. */
export function getDownsampledHistory(args: DownsampledArgs, signal?: AbortSignal) {
  return request<DownsampledHistory>(`${KEEL_API}/metrics/downsampled`, {
    query: {
      run_id: args.runId,
      metric_key: args.metricKey,
      buckets: args.buckets,
      start_step: args.startStep,
      end_step: args.endStep,
    },
    signal,
  });
}

export type { Run };
