// fetch for keel's JSON API: one error type carrying MLflow's error_code.
import type { ErrorBody } from "./types";

export const MLFLOW_API = "/ajax-api/2.0/mlflow";
export const KEEL_API = "/ajax-api/2.0/keel";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** A request the server refused as malformed (a bad filter, an out-of-range value). */
  get isInvalidParameter(): boolean {
    return this.errorCode === "INVALID_PARAMETER_VALUE" || this.errorCode === "BAD_REQUEST";
  }
}

type QueryValue = string | number | boolean | null | undefined | readonly (string | number)[];

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
}

/** `a=1&b=x&b=y`: lists as repeated keys (what MLflow's GET endpoints read), empty values left out. */
export function queryString(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(name, String(item));
    else params.append(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function errorOf(response: Response): Promise<ApiError> {
  let body: Partial<ErrorBody> = {};
  try {
    body = (await response.json()) as Partial<ErrorBody>;
  } catch {
    // not JSON: a proxy's error page, say
  }
  const message = body.message ?? `${response.status} ${response.statusText || "error"}`;
  return new ApiError(response.status, body.error_code ?? "INTERNAL_ERROR", message);
}

export async function request<T>(url: string, options: RequestOptions = {}): Promise<T> {
  const { method = "GET", query, body, signal } = options;
  const init: RequestInit = { method, signal: signal ?? null, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { Accept: "application/json", "Content-Type": "application/json" };
  }
  let response: Response;
  try {
    response = await fetch(url + (query ? queryString(query) : ""), init);
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "AbortError") throw cause;
    throw new ApiError(0, "NETWORK_ERROR", "Cannot reach the keel server. Is it running?");
  }
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
