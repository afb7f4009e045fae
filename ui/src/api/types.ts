// MLflow 3.x REST wire format (JSON from protobuf, snake_case), as keel server speaks it.

/** A double on the wire: NaN and the infinities travel as strings. */
export type WireDouble = number | "NaN" | "Infinity" | "-Infinity";

export interface KeyValue {
  key: string;
  value: string;
}

export type LifecycleStage = "active" | "deleted";
export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage: LifecycleStage;
  creation_time?: number;
  last_update_time?: number;
  tags?: KeyValue[];
}

export interface Metric {
  key: string;
  value: WireDouble;
  timestamp: number;
  step: number;
  run_id?: string;
}

export interface RunInfo {
  run_id: string;
  run_uuid?: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage: LifecycleStage;
}

export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags?: KeyValue[];
  dataset: Dataset;
}

export interface Run {
  info: RunInfo;
  data: {
    metrics?: Metric[];
    params?: KeyValue[];
    tags?: KeyValue[];
  };
  inputs?: { dataset_inputs?: DatasetInput[] };
}

export interface SearchExperimentsResponse {
  experiments?: Experiment[];
  next_page_token?: string;
}

export interface SearchRunsResponse {
  runs?: Run[];
  next_page_token?: string;
}

export interface MetricHistoryResponse {
  metrics?: Metric[];
}

/** keel's min/max buckets (GET /ajax-api/2.0/keel/metrics/downsampled): one entry per non-empty bucket. */
export interface DownsampledHistory {
  run_id: string;
  metric_key: string;
  start_step: number | null;
  end_step: number | null;
  bucket_width: number;
  total_points: number;
  buckets: {
    first_step: number[];
    last_step: number[];
    count: number[];
    first: (WireDouble | null)[];
    min: (WireDouble | null)[];
    max: (WireDouble | null)[];
    last: (WireDouble | null)[];
  };
}

/** The error body of every failed call: `{"error_code", "message"}`. */
export interface ErrorBody {
  error_code: string;
  message: string;
}

/** Decode a wire double; `null` (a bucket with only NaN) stays null. */
export function toNumber(value: WireDouble | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (value === "NaN") return Number.NaN;
  return value === "Infinity" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}
