import type { Run } from "../api/types";

export function makeRun(i: number, extra: Partial<Run["data"]> = {}): Run {
  return {
    info: {
      run_id: `run${i}`,
      run_name: `run-${String(i).padStart(3, "0")}`,
      experiment_id: "1",
      status: "FINISHED",
      start_time: 1_700_000_000_000 + i * 1000,
      end_time: 1_700_000_060_000 + i * 1000,
      lifecycle_stage: "active",
      user_id: "ada",
    },
    data: {
      metrics: [{ key: "accuracy", value: i / 100, timestamp: 0, step: 0 }],
      params: [{ key: "lr", value: String(0.001 * (i + 1)) }],
      ...extra,
    },
  };
}

export function makeRuns(count: number): Run[] {
  return Array.from({ length: count }, (_, i) => makeRun(i));
}
