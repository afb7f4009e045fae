// A model's history as a timeline, newest first: every change keel recorded (aliases set and
// moved, stage changes, tags, descriptions, versions), with who made it and when. The server
// follows the model across its renames and leaves out a deleted model of the same name.
import { useState } from "react";
import { getRegistryHistory, type RegistryEvent } from "../api/registry";
import { formatTime, plural } from "../lib/format";
import { describeEvent, eventKind } from "../lib/registry";
import { useApi } from "../lib/useApi";
import { ErrorBanner } from "./ErrorBanner";

const MAX_PAGES = 10;
const SHOWN = 25;

/** The model's newest events (up to `MAX_PAGES` pages of them), oldest first. */
export async function modelHistory(name: string, signal: AbortSignal): Promise<RegistryEvent[]> {
  const events: RegistryEvent[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const response = await getRegistryHistory(name, token, signal);
    events.push(...(response.events ?? []));
    token = response.next_page_token;
    if (!token) break;
  }
  return events.reverse();
}

export interface RegistryHistoryProps {
  name: string;
  /** Only this version's events. */
  version?: string | undefined;
  /** Changes after each edit on the page: the history is fetched again. */
  refreshKey: number;
}

export function RegistryHistory({ name, version, refreshKey }: RegistryHistoryProps) {
  const [showAll, setShowAll] = useState(false);
  const history = useApi((signal) => modelHistory(name, signal), [name, refreshKey]);
  const events = (history.data ?? []).filter((e) => version === undefined || e.version === version).reverse();
  const shown = showAll ? events : events.slice(0, SHOWN);

  if (history.error) {
    const unsupported = history.error.status === 404 && history.error.errorCode === "ENDPOINT_NOT_FOUND";
    return unsupported ? (
      <p className="muted">This server keeps no registry history.</p>
    ) : (
      <ErrorBanner error={history.error} onRetry={history.reload} />
    );
  }
  if (!history.data) return <p className="table-status">Loading history…</p>;
  if (events.length === 0) return <p className="muted">No changes recorded.</p>;
  return (
    <>
      <ol className="timeline" aria-label={version ? `History of version ${version}` : "History"}>
        {shown.map((event) => (
          <li key={event.event_id} className={`timeline-item kind-${eventKind(event)}`}>
            <span className="timeline-mark" aria-hidden="true" />
            <p className="timeline-text">{describeEvent(event)}</p>
            <p className="timeline-meta muted">
              <time dateTime={new Date(event.timestamp).toISOString()}>{formatTime(event.timestamp)}</time>
              {" · "}
              {event.user_id || "anonymous"}
            </p>
          </li>
        ))}
      </ol>
      {events.length > shown.length && (
        <button type="button" className="secondary small" onClick={() => setShowAll(true)}>
          Show all {plural(events.length, "change")}
        </button>
      )}
    </>
  );
}
