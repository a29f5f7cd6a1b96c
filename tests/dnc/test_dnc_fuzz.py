"""Schemathesis over the DNC operations only, pinned to a tenant that owns a DNC list with
entries and a contact list, so the fuzzer reaches the successful answers of every route."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import Tenant
from tests.test_schema_fuzz import CHECKS, ROOT, WORKERS, schemathesis_env


def test_dnc_fuzz_finds_no_server_error_or_schema_mismatch(tenant: Tenant, tmp_path: Path) -> None:
    base = tenant.v2.removesuffix("/contactList")
    created = tenant.request("POST", base + "/dncList", json={"name": "fuzz", "scope": "stream"})
    dnc_id = created.json()["data"]["_id"]
    tenant.request("POST", f"{base}/dncList/{dnc_id}/entries", json={"entries": [{"prefix": "+1"}]})
    config = tmp_path / "schemathesis.toml"
    config.write_text(
        f'[parameters]\n"path.streamId" = "{tenant.stream_id}"\n"path.dncListId" = "{dnc_id}"\n'
        f'"query.accountId" = "{tenant.account_id}"\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(config),
            "run",
            f"{tenant.server.url}/openapi.json",
            "-H",
            f"auth: {tenant.token(expires_in=3600)}",
            "-H",
            f"accountId: {tenant.account_id}",
            "--include-path-regex",
            "dnc",
            "--checks",
            CHECKS,
            "--max-examples",
            "20",
            "--workers",
            WORKERS,
            "--phases",
            "examples,fuzzing",
            "--seed",
            "2",
            "--suppress-health-check",
            "all",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env=schemathesis_env(),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
