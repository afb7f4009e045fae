// Registry helpers the pages share: the models search box's filter, a version's sort order, and
// how a history event reads.
import { quoteLiteral, type RegistryEvent } from "../api/registry";

/** Something only a filter has: a comparison, LIKE/ILIKE/IN/IS between words, a tag key, a backtick. */
const FILTER_SYNTAX = /[=<>`]|\s(i?like|in|is)\s|^tags\./i;

/**
 * What the models search box sends: a filter written in the registry grammar as it is
 * (`name LIKE 'churn%' and tags.team = 'ml'`), a plain word as `name ILIKE '%word%'`.
 */
export function modelFilter(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (FILTER_SYNTAX.test(trimmed)) return trimmed;
  return `name ILIKE ${quoteLiteral(`%${trimmed}%`)}`;
}

/** `name = '<name>'`: a model's versions. */
export function versionsOf(name: string): string {
  return `name = ${quoteLiteral(name)}`;
}

export function byVersionDesc(a: { version: string }, b: { version: string }): number {
  return Number(b.version) - Number(a.version);
}

function quoted(value: string | undefined): string {
  return value === undefined ? "" : `“${value}”`;
}

/** One sentence per event: what changed, from what, to what. */
export function describeEvent(event: RegistryEvent): string {
  const { version: v, key, from_value: from, to_value: to } = event;
  switch (event.action) {
    case "registered_model.created":
      return "Model created";
    case "registered_model.renamed":
      return `Renamed from ${quoted(from)} to ${quoted(to)}`;
    case "registered_model.updated":
      return to ? "Description changed" : "Description removed";
    case "registered_model.deleted":
      return "Model deleted";
    case "registered_model_tag.set":
      return from === undefined ? `Tag ${key} set to ${quoted(to)}` : `Tag ${key} changed from ${quoted(from)} to ${quoted(to)}`;
    case "registered_model_tag.deleted":
      return `Tag ${key} removed (was ${quoted(from)})`;
    case "model_version.created":
      return `Version ${v} registered${to ? ` from ${to}` : ""}`;
    case "model_version.updated":
      return to ? `Version ${v}: description changed` : `Version ${v}: description removed`;
    case "model_version.deleted":
      return `Version ${v} deleted`;
    case "model_version.stage_changed":
      return `Version ${v}: stage ${from ?? "None"} → ${to ?? "None"}`;
    case "model_version_tag.set":
      return from === undefined
        ? `Version ${v}: tag ${key} set to ${quoted(to)}`
        : `Version ${v}: tag ${key} changed from ${quoted(from)} to ${quoted(to)}`;
    case "model_version_tag.deleted":
      return `Version ${v}: tag ${key} removed`;
    case "model_version_alias.created":
      return from === undefined ? `Alias @${key} set on version ${to ?? v}` : `Alias @${key} moved from version ${from} to version ${to ?? v}`;
    case "model_version_alias.deleted":
      return `Alias @${key} removed from version ${from ?? v}`;
    default:
      return [event.action, key, from !== undefined || to !== undefined ? `${from ?? "∅"} → ${to ?? "∅"}` : ""].filter(Boolean).join(" ");
  }
}

/** The kind of change, for the timeline's marker: `alias`, `stage`, `tag`, `version`, `model`. */
export function eventKind(event: RegistryEvent): string {
  if (event.action.startsWith("model_version_alias")) return "alias";
  if (event.action === "model_version.stage_changed") return "stage";
  if (event.action.includes("_tag.")) return "tag";
  if (event.action.startsWith("model_version")) return "version";
  return "model";
}

