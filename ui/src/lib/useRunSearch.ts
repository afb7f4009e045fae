// Runs of one or more experiments, fetched page by page with runs/search page tokens.
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiError, isAbort } from "../api/client";
import { searchRuns } from "../api/mlflow";
import type { Run } from "../api/types";
import { collectKeys, sortTagKeys, type KeySets } from "./columns";

/** A small first page shows rows sooner; later pages are larger to keep up with scrolling. */
export const FIRST_PAGE = 100;
export const NEXT_PAGE = 1000;

export interface RunSearchState {
  runs: Run[];
  loading: boolean;
  error: ApiError | null;
  hasMore: boolean;
  metricKeys: string[];
  paramKeys: string[];
  tagKeys: string[];
  loadMore: () => void;
  reload: () => void;
}

interface Query {
  experimentIds: string[];
  filter: string;
  orderBy: string[];
}

export function useRunSearch(query: Query): RunSearchState {
  const [runs, setRuns] = useState<Run[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [token, setToken] = useState<string | null | undefined>(undefined); // undefined: nothing fetched yet
  const [keys, setKeys] = useState<{ metrics: string[]; params: string[]; tags: string[] }>({ metrics: [], params: [], tags: [] });
  const [generation, setGeneration] = useState(0);
  const keySets = useRef<KeySets>({ metrics: new Set(), params: new Set(), tags: new Set() });
  const inFlight = useRef<AbortController | null>(null);
  const queryKey = JSON.stringify(query);

  const fetchPage = useCallback(
    (pageToken: string | undefined, append: boolean) => {
      inFlight.current?.abort();
      const controller = new AbortController();
      inFlight.current = controller;
      setLoading(true);
      const { experimentIds, filter, orderBy } = JSON.parse(queryKey) as Query;
      searchRuns(
        { experimentIds, filter, orderBy, pageToken, maxResults: append ? NEXT_PAGE : FIRST_PAGE },
        controller.signal,
      )
        .then((response) => {
          const page = response.runs ?? [];
          collectKeys(page, keySets.current);
          const sets = keySets.current;
          setKeys({ metrics: [...sets.metrics].sort(), params: [...sets.params].sort(), tags: sortTagKeys(sets.tags) });
          setRuns((old) => (append ? [...old, ...page] : page));
          setToken(response.next_page_token ?? null);
          setError(null);
          setLoading(false);
        })
        .catch((cause: unknown) => {
          if (isAbort(cause)) return;
          setError(cause instanceof ApiError ? cause : new ApiError(0, "INTERNAL_ERROR", String(cause)));
          setToken(null);
          setLoading(false);
        });
    },
    [queryKey],
  );

  useEffect(() => {
    keySets.current = { metrics: new Set(), params: new Set(), tags: new Set() };
    setRuns([]);
    setToken(undefined);
    fetchPage(undefined, false);
    return () => inFlight.current?.abort();
  }, [fetchPage, generation]);

  const loadMore = useCallback(() => {
    if (token && !loading) fetchPage(token, true);
  }, [token, loading, fetchPage]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);

  return {
    runs,
    loading,
    error,
    hasMore: Boolean(token),
    metricKeys: keys.metrics,
    paramKeys: keys.params,
    tagKeys: keys.tags,
    loadMore,
    reload,
  };
}
