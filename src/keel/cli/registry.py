"""``keel models register | lineage | history``: the model registry from the shell."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from keel.cli.runs import TRACKING_URI

if TYPE_CHECKING:
    from keel.tracking.client import Client


@click.command("register")
@TRACKING_URI
@click.argument("model_uri")
@click.argument("name")
@click.option("--tag", "tags", multiple=True, help="key=value, repeatable")
def register(tracking_uri: str | None, model_uri: str, name: str, tags: tuple[str, ...]) -> None:
    """Register MODEL_URI (runs:/…, models:/…) as a new version of NAME; print the version."""
    from keel.tracking.client import Client

    pairs = dict(_key_value(t) for t in tags)
    version = Client(tracking_uri).register_model(model_uri, name, pairs)
    click.echo(f"{version.name}\t{version.version}")


@click.command("lineage")
@TRACKING_URI
@click.argument("model_uri")
@click.option("--json", "as_json", is_flag=True, help="Print the lineage graph as JSON.")
def lineage(tracking_uri: str | None, model_uri: str, as_json: bool) -> None:
    """Show where a registered version came from: data -> run -> model -> version.

    MODEL_URI is models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/<stage>.
    """
    from keel.store.registry.lineage import version_lineage
    from keel.tracking.client import Client

    client = Client(tracking_uri)
    name, version = _version_of(client, model_uri)
    graph = version_lineage(client.registry, client.store, name, version)
    if as_json:
        click.echo(json.dumps(graph, indent=2))
        return
    for line in _chain_lines(graph):
        click.echo(line)


@click.command("history")
@TRACKING_URI
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the events as JSON lines.")
def history(tracking_uri: str | None, name: str | None, as_json: bool) -> None:
    """Every change to NAME (or to the whole registry): when, who, what, from and to."""
    from datetime import UTC, datetime

    from keel.tracking.client import Client

    for event in Client(tracking_uri).get_registry_history(name):
        if as_json:
            click.echo(json.dumps(event.to_dict()))
            continue
        when = datetime.fromtimestamp(event.timestamp / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S")
        target = event.name + (f" v{event.version}" if event.version else "")
        change = ""
        if event.key:
            change = f"{event.key}: {event.from_value or '-'} -> {event.to_value or '-'}"
        click.echo(f"{when}\t{event.user_id or '-'}\t{event.action}\t{target}\t{change}".rstrip())


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"expected key=value, got '{text}'", param_hint="--tag")
    return key, value


def _version_of(client: Client, model_uri: str) -> tuple[str, str]:
    """The (name, version) a registered-model URI names."""
    prefix = "models:/"
    if not model_uri.startswith(prefix):
        raise click.BadParameter("expected models:/<name>/<version> or models:/<name>@<alias>")
    version = client.registry.resolve_model_version(model_uri[len(prefix) :].strip("/"))
    return version.name, version.version


def _chain_lines(graph: dict[str, Any]) -> list[str]:
    """Datasets first, then each step down to the version, indented like a tree."""
    nodes = {n["id"]: n for n in graph["nodes"]}
    lines: list[str] = []
    datasets = [n for n in graph["nodes"] if n["type"] == "dataset"]
    for node in datasets:
        context = f" ({node['context']})" if node.get("context") else ""
        lines.append(f"dataset {node['name']}  digest={node['digest']}  source={node['source']}{context}")
    chain = [
        n for kind in ("run", "logged_model", "model_version") for n in nodes.values() if n["type"] == kind
    ]
    for depth, node in enumerate(chain):
        indent = "  " * (depth + (1 if datasets else 0))
        branch = "└─ " if depth or datasets else ""
        lines.append(f"{indent}{branch}{_describe(node)}")
    return lines


def _describe(node: dict[str, Any]) -> str:
    if node.get("missing"):
        return f"{node['type']} {node['id'].split(':', 1)[1]} (deleted)"
    if node["type"] == "run":
        git = f"  git {node['git_commit'][:10]}" if node.get("git_commit") else ""
        source = f"  {node['source_name']}" if node.get("source_name") else ""
        return f'run {node["run_id"]} "{node["run_name"]}"  experiment {node["experiment_id"]}{git}{source}'
    if node["type"] == "logged_model":
        return f'logged model {node["model_id"]} "{node["name"]}"'
    aliases = f"  aliases={','.join(node['aliases'])}" if node["aliases"] else ""
    return f"version {node['name']} v{node['version']}  stage={node['current_stage']}{aliases}"
