// An in-memory model registry answering the UI's registry calls in component tests: models,
// versions, aliases, stages, tags and the history of every change, as keel's server keeps them.
import type { Lineage, ModelVersion, RegisteredModel, RegistryEvent } from "../api/registry";
import { json, serve, type Call } from "./server";

export interface FakeRegistry {
  models: RegisteredModel[];
  versions: ModelVersion[];
  events: RegistryEvent[];
  calls: Call[];
}

const T0 = 1_700_000_000_000;

const notFound = (message: string) => json({ error_code: "RESOURCE_DOES_NOT_EXIST", message }, 404);
const invalid = (message: string) => json({ error_code: "INVALID_PARAMETER_VALUE", message }, 400);

function paramsOf(call: Call): Record<string, string> {
  const query = Object.fromEntries(new URL(call.url, "http://x").searchParams);
  return { ...query, ...(call.body as Record<string, string> | null) };
}

export function version(name: string, number: number, extra: Partial<ModelVersion> = {}): ModelVersion {
  return {
    name,
    version: String(number),
    creation_timestamp: T0 + number * 1000,
    last_updated_timestamp: T0 + number * 1000,
    current_stage: "None",
    source: `models:/m-${number}`,
    status: "READY",
    run_id: `run${number}`,
    model_id: `m-${number}`,
    ...extra,
  };
}

/** `models` with their versions; every route the registry pages call, answered from them. */
export function serveRegistry(models: RegisteredModel[], versions: ModelVersion[], extra: Record<string, (call: Call) => unknown> = {}): FakeRegistry {
  const registry: FakeRegistry = { models, versions, events: [], calls: [] };
  const record = (name: string, action: string, fields: Partial<RegistryEvent> = {}) =>
    registry.events.push({ event_id: registry.events.length + 1, timestamp: T0 + 60_000 + registry.events.length, action, name, ...fields });
  const modelNamed = (name: string) => registry.models.find((m) => m.name === name);
  const versionOf = (name: string, v: string) => registry.versions.find((mv) => mv.name === name && mv.version === v);
  const aliasesOf = (name: string) =>
    registry.versions.filter((v) => v.name === name).flatMap((v) => (v.aliases ?? []).map((alias) => ({ alias, version: v.version })));
  const withAliases = (model: RegisteredModel): RegisteredModel => ({ ...model, aliases: aliasesOf(model.name) });
  const missingModel = (name: string) => notFound(`Registered Model with name=${name} not found`);

  registry.calls = serve({
    ...extra,
    "/registered-models/search": (call) => {
      const filter = paramsOf(call).filter ?? "";
      if (filter.startsWith("nme")) return invalid("Invalid attribute key 'nme'");
      const word = /ILIKE '%(.*)%'/.exec(filter)?.[1];
      const found = registry.models.filter((m) => !word || m.name.includes(word));
      return { registered_models: found.map(withAliases) };
    },
    "/registered-models/get": (call) => {
      const model = modelNamed(paramsOf(call).name!);
      return model ? { registered_model: withAliases(model) } : missingModel(paramsOf(call).name!);
    },
    "/registered-models/create": (call) => {
      const { name } = paramsOf(call);
      if (modelNamed(name!)) return json({ error_code: "RESOURCE_ALREADY_EXISTS", message: `Registered Model (name=${name}) already exists.` }, 400);
      const model: RegisteredModel = { name: name!, creation_timestamp: T0, last_updated_timestamp: T0 };
      registry.models.push(model);
      record(name!, "registered_model.created");
      return { registered_model: model };
    },
    "/registered-models/rename": (call) => {
      const { name, new_name } = paramsOf(call);
      const model = modelNamed(name!);
      if (!model) return missingModel(name!);
      model.name = new_name!;
      for (const v of registry.versions.filter((mv) => mv.name === name)) v.name = new_name!;
      record(new_name!, "registered_model.renamed", { key: "name", from_value: name, to_value: new_name });
      return { registered_model: model };
    },
    "/registered-models/update": (call) => {
      const { name, description } = paramsOf(call);
      const model = modelNamed(name!)!;
      model.description = description;
      record(name!, "registered_model.updated", { key: "description", to_value: description });
      return { registered_model: model };
    },
    "/registered-models/delete": (call) => {
      const { name } = paramsOf(call);
      registry.models = registry.models.filter((m) => m.name !== name);
      registry.versions = registry.versions.filter((v) => v.name !== name);
      return {};
    },
    "/registered-models/alias": (call) => {
      const { name, alias, version: target } = paramsOf(call);
      const holder = registry.versions.find((v) => v.name === name && v.aliases?.includes(alias!));
      if (holder) holder.aliases = holder.aliases!.filter((a) => a !== alias);
      if (call.method === "POST") {
        const mv = versionOf(name!, target!);
        if (!mv) return notFound(`Model Version (name=${name}, version=${target}) not found`);
        mv.aliases = [...(mv.aliases ?? []), alias!];
        record(name!, "model_version_alias.created", { version: target, key: alias, from_value: holder?.version, to_value: target });
      } else {
        record(name!, "model_version_alias.deleted", { version: holder?.version, key: alias, from_value: holder?.version });
      }
      return {};
    },
    "/registered-models/set-tag": (call) => {
      const { name, key, value } = paramsOf(call);
      const model = modelNamed(name!)!;
      model.tags = [...(model.tags ?? []).filter((t) => t.key !== key), { key: key!, value: value! }];
      return {};
    },
    "/model-versions/search": (call) => {
      const name = /name = '(.*)'/.exec(paramsOf(call).filter ?? "")?.[1];
      return { model_versions: registry.versions.filter((v) => v.name === name) };
    },
    "/model-versions/get-download-uri": (call) => ({ artifact_uri: `mlflow-artifacts:/registry/u-${paramsOf(call).version}` }),
    "/model-versions/get": (call) => {
      const { name, version: v } = paramsOf(call);
      const mv = versionOf(name!, v!);
      return mv ? { model_version: mv } : notFound(`Model Version (name=${name}, version=${v}) not found`);
    },
    "/model-versions/create": (call) => {
      const { name, source, run_id, model_id } = paramsOf(call);
      if (!modelNamed(name!)) return missingModel(name!);
      const number = registry.versions.filter((v) => v.name === name).length + 1;
      const mv = version(name!, number, { source: source!, run_id, model_id });
      registry.versions.push(mv);
      record(name!, "model_version.created", { version: mv.version, key: "source", to_value: source });
      return { model_version: mv };
    },
    "/model-versions/transition-stage": (call) => {
      const { name, version: v, stage, archive_existing_versions } = paramsOf(call);
      const mv = versionOf(name!, v!)!;
      if (archive_existing_versions) {
        for (const other of registry.versions.filter((o) => o.name === name && o !== mv && o.current_stage === stage)) other.current_stage = "Archived";
      }
      record(name!, "model_version.stage_changed", { version: v, key: "stage", from_value: mv.current_stage, to_value: stage });
      mv.current_stage = stage!;
      return { model_version: mv };
    },
    "/keel/registry/history": (call) => ({
      events: registry.events.filter((e) => e.name === paramsOf(call).name).reverse(),
    }),
  });
  return registry;
}

export const LINEAGE: Lineage = {
  nodes: [
    { id: "model_version:churn/1", type: "model_version", name: "churn", version: "1", current_stage: "Staging", aliases: ["champion"] },
    { id: "logged_model:m-1", type: "logged_model", model_id: "m-1", name: "model" },
    { id: "run:run1", type: "run", run_id: "run1", run_name: "trainer", experiment_id: "4", status: "FINISHED", git_commit: "0123456789abcdef" },
    { id: "dataset:train@d1", type: "dataset", name: "train", digest: "d1", source: '{"uri": "s3://data/train.csv"}', context: "training" },
  ],
  edges: [
    { from: "logged_model:m-1", to: "model_version:churn/1", relation: "registered_as" },
    { from: "run:run1", to: "logged_model:m-1", relation: "produced" },
    { from: "dataset:train@d1", to: "run:run1", relation: "input" },
  ],
};
