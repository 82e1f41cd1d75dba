"""The guide's example client, run as an agency engineer would: against a live `portal
serve`, with a credential from `portal agency-credential create`."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.settings import ROOT
from tests.support.agency import id_card_answers
from tests.support.authenticator import SoftAuthenticator
from tests.support.flows import csrf, enrol_citizen, thai_id
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("agency-live"))
    live.start()
    yield live
    live.stop()


def credential(server: LiveServer) -> tuple[str, str]:
    out = server.portal("agency-credential", "create", "DOPA", "--name", "example")
    lines = dict(line.split(": ", 1) for line in out.strip().splitlines())
    return lines["key id"], lines["secret"]


async def test_the_example_client_pulls_the_feed_and_moves_an_application_on(
    server: LiveServer,
) -> None:
    key_id, secret = credential(server)
    async with httpx.AsyncClient(base_url=server.url) as citizen:
        await enrol_citizen(
            citizen, SoftAuthenticator(origin=server.url), national_id=thai_id(9090)
        )
        applied = await citizen.post(
            "/api/v1/applications",
            json={"service": "id-card-replacement", "answers": id_card_answers(None)},
            headers={**csrf(citizen), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert applied.status_code == 201, applied.text
        tracking = applied.json()["tracking_code"]

        code, out, err = await run_example(
            "--url", server.url, env={"PORTAL_KEY_ID": key_id, "PORTAL_SECRET": secret}
        )
        assert code == 0, err + out
        assert f"{tracking}  submitted" in out
        assert f"{tracking} is now received" in out

        dashboard = (await citizen.get("/api/v1/dashboard")).json()
        assert dashboard["items"][0]["status"] == "received"

    code, _, err = await run_example(
        "--url", server.url, "--key-id", key_id, "--secret", "as_wrong", env={}
    )
    assert code != 0
    assert "401 bad_signature" in err


async def run_example(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "examples" / "agency_client.py"), *args,
        env={**os.environ, **env}, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def test_the_credential_command_has_help(server: LiveServer) -> None:
    assert "Usage:" in server.portal("agency-credential", "create", "--help")
    listed = server.portal("agency-credential", "list", "DOPA")
    assert "ak_" in listed and "as_" not in listed


def test_the_example_is_standard_library_and_httpx_only() -> None:
    source = (ROOT / "examples" / "agency_client.py").read_text()
    imports = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imports - set(sys.stdlib_module_names) == {"httpx"}
    assert Path(ROOT / "docs" / "agency-integration.md").exists()
