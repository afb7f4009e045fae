"""``keel webhooks``: against a live server over REST, and on a database a server then delivers from."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner
from keel_api import KeelApi, settled

from keel.cli import cli
from liveserver import LiveServer


def keel(*args: str) -> str:
    result = CliRunner().invoke(cli, ["webhooks", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_create_list_deliveries_redeliver_and_delete_over_rest(server, api, receiver):
    uri = ("--tracking-uri", server.url)
    hook = keel(
        "create",
        *uri,
        "--name",
        "ci",
        "--url",
        receiver.url,
        "--event",
        "model_version.created",
        "--event",
        "model_version.stage_changed",
        "--secret",
        "s",
    ).strip()
    assert keel("list", *uri).splitlines() == [
        f"{hook}\tci\tACTIVE\t{receiver.url}\tmodel_version.created,model_version.stage_changed"
    ]

    api.register_version("cli-model")
    (delivery,) = api.wait_for_deliveries(hook, settled(1))
    listed = keel("deliveries", *uri, hook, "--attempts").splitlines()
    assert listed == [
        f"{delivery['delivery_id']}\tSUCCEEDED\t1\tmodel_version.created\tcli-model/1\tHTTP 200",
        "  attempt 1\tHTTP 200",
    ]

    again = keel("redeliver", *uri, delivery["delivery_id"]).strip()
    first, second = receiver.wait_for(2)
    assert (first.delivery_id, second.delivery_id) == (delivery["delivery_id"], again)
    assert second.signed_with("s")
    assert second.json["data"] == first.json["data"]

    keel("delete", *uri, hook)
    assert keel("list", *uri) == ""


def test_webhooks_made_on_the_database_are_delivered_by_a_server_on_it(server_settings, receiver):
    uri = ("--tracking-uri", server_settings.backend_store_uri)
    hook = keel("create", *uri, "--name", "local", "--url", receiver.url, "--event", "model_version.created")
    hook = hook.strip()
    assert keel("list", *uri).startswith(f"{hook}\tlocal\tACTIVE\t")

    with LiveServer(server_settings) as live:
        api = KeelApi(live.url)
        try:
            api.register_version("from-disk")
            api.wait_for_deliveries(hook, settled(1))
        finally:
            api.close()

    (line,) = keel("deliveries", *uri, hook).splitlines()
    assert line.split("\t")[1:] == ["SUCCEEDED", "1", "model_version.created", "from-disk/1", "HTTP 200"]
    (sent,) = receiver.received
    assert sent.json["data"]["name"] == "from-disk"


def test_errors_are_one_line_on_stderr_and_exit_1(server):
    done = subprocess.run(
        [sys.executable, "-m", "keel", "webhooks", "delete", "--tracking-uri", server.url, "no-such-hook"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "Error: Webhook with ID no-such-hook not found.\n"
