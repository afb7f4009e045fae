// One request bound to a component's life: loading, data and error; a change of deps refetches.
import { useCallback, useEffect, useState, type DependencyList } from "react";
import { ApiError, isAbort } from "../api/client";

export interface ApiState<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): ApiState<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((old) => ({ ...old, loading: true }));
    load(controller.signal)
      .then((data) => setState({ data, error: null, loading: false }))
      .catch((cause: unknown) => {
        if (isAbort(cause)) return;
        const error = cause instanceof ApiError ? cause : new ApiError(0, "INTERNAL_ERROR", String(cause));
        setState({ data: null, error, loading: false });
      });
    return () => controller.abort();
    // `load` is a new closure on every render: the caller's deps say when it really changed.
  }, [...deps, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { ...state, reload };
}
