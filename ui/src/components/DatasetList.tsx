// A run's inputs: each dataset with its digest, source, context (training, eval…), schema and profile.
import type { DatasetInput } from "../api/types";

interface Column {
  name?: string;
  type?: string;
}

/** The columns of an MLflow dataset schema (`{"mlflow_colspec": [{"name", "type"}]}`), if it reads as one. */
export function schemaColumns(schema: string | undefined): Column[] | null {
  if (!schema) return null;
  try {
    const parsed = JSON.parse(schema) as { mlflow_colspec?: unknown; mlflow_tensorspec?: unknown };
    const spec = parsed.mlflow_colspec;
    return Array.isArray(spec) ? (spec as Column[]) : null;
  } catch {
    return null;
  }
}

function profileEntries(profile: string | undefined): [string, string][] {
  if (!profile) return [];
  try {
    const parsed = JSON.parse(profile) as Record<string, unknown>;
    return Object.entries(parsed).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]);
  } catch {
    return [["profile", profile]];
  }
}

export function DatasetList({ inputs }: { inputs: readonly DatasetInput[] }) {
  if (inputs.length === 0) return <p className="muted">No datasets logged.</p>;
  return (
    <ul className="dataset-list">
      {inputs.map((input) => {
        const { dataset } = input;
        const context = input.tags?.find((t) => t.key === "mlflow.data.context")?.value;
        const columns = schemaColumns(dataset.schema);
        const profile = profileEntries(dataset.profile);
        return (
          <li key={`${dataset.name}-${dataset.digest}-${context ?? ""}`} className="dataset">
            <p className="dataset-head">
              <strong>{dataset.name}</strong> <code title="digest">{dataset.digest}</code>
              {context && <span className="chip">{context}</span>}
            </p>
            <dl className="dataset-facts">
              <div>
                <dt>Source</dt>
                <dd>
                  <span className="muted">{dataset.source_type}</span> <code className="wrap">{dataset.source}</code>
                </dd>
              </div>
              {profile.map(([key, value]) => (
                <div key={key}>
                  <dt>{key.replaceAll("_", " ")}</dt>
                  <dd>{value}</dd>
                </div>
              ))}
            </dl>
            {columns && columns.length > 0 && (
              <details>
                <summary>Schema: {columns.length} columns</summary>
                <table className="simple-table">
                  <thead>
                    <tr>
                      <th scope="col">Column</th>
                      <th scope="col">Type</th>
                    </tr>
                  </thead>
                  <tbody>
                    {columns.map((column, i) => (
                      <tr key={i}>
                        <td>{column.name ?? <em>unnamed</em>}</td>
                        <td>
                          <code>{column.type ?? ""}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </details>
            )}
            {!columns && dataset.schema && (
              <details>
                <summary>Schema</summary>
                <pre className="text-preview">{dataset.schema}</pre>
              </details>
            )}
          </li>
        );
      })}
    </ul>
  );
}
