"""Schemathesis against the gateway's merged OpenAPI spec of a running platform, as a user and as an admin.

Every operation of `/api/v1/openapi.json` runs through schemathesis' coverage phase (boundary and invalid
values of every parameter, undeclared methods, missing credentials), its fuzzing phase (random valid and
invalid requests) and its stateful phase (sequences that feed one response's ids and cursors into the next
request). Links between operations are inferred by schemathesis from the schemas (ids in responses matched to
path and body parameters by name, `Location` headers); the FastAPI services declare no OpenAPI `links`
themselves, because FastAPI cannot express them without hand-written spec fragments on every response.

Pass criterion: 0 failures of these checks, i.e. no server error and no response outside the spec:
not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
response_schema_conformance, negative_data_rejection, missing_required_header, unsupported_method,
allow_header_conformance, ignored_auth, use_after_free, ensure_resource_availability.

Excluded, with the reason:
- check positive_data_acceptance: it demands a 2xx for every request the JSON Schema admits, but the API has
  rules JSON Schema in the spec does not carry: opaque cursors (any string is schema-valid; only a
  `next_cursor` the API returned is accepted, everything else is the documented 400 InvalidCursor),
  cross-field rules (`name_ko` or `name_en`; `current_password` only with `new_password`), template variables
  that depend on the stored template, ids of objects that must exist. Those refusals are 4xx answers that the
  other checks still validate against the spec (status, content type, body).
- one failure of ensure_resource_availability, filtered in schemathesis_hooks.filter_failure: the stateful
  phase creates a tag, then merges it into a random `into` id; the documented 404 ("No such tag to merge
  into") is about that missing `into` tag (a missing one and another user's look alike, P5), and the check
  takes it for the just-created tag having vanished. Every other failure of that check still counts.
- check max_response_time is kept, at 30 s per request on this shared 2-core machine, and 300 s for
  `openai_images_generate`, which waits for the image itself (the gateway's long timeout for that route).
- operations: none. The two generation operations (`generate_create`, `openai_images_generate`) get 2 examples
  each instead of 5, since each accepted one queues real (tiny-engine) work for the shared worker.

A fixed seed keeps CI reproducible; `ZIMAGE_FUZZ_SEED=<n>` explores others, `ZIMAGE_FUZZ_EXAMPLES=<n>` goes
deeper.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.conftest import TESTS, Account, Platform
from tests.support.stack import PASSWORD

pytestmark = pytest.mark.slow

HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
CHECKS_EXCLUDED = ["positive_data_acceptance"]
GENERATION_OPERATIONS = ["generate_create", "openai_images_generate"]


def _config(platform: Platform, examples: int, seed: int) -> str:
    return f"""
base-url = "{platform.origin}"
hooks = "{HOOKS}"
seed = {seed}
workers = 1
request-timeout = 60
max-failures = 50
[generation]
max-examples = {examples}
[checks]
max_response_time = 30
[phases.stateful]
max-steps = 8
[[operations]]
include-operation-id = {GENERATION_OPERATIONS}
generation.max-examples = 2
[[operations]]
include-operation-id = "openai_images_generate"
request-timeout = 300
checks.max_response_time = 300
"""


def _fuzz(platform: Platform, role: str, account: Account, tmp_path: Path) -> None:
    examples = int(os.environ.get("ZIMAGE_FUZZ_EXAMPLES", "5"))
    seed = int(os.environ.get("ZIMAGE_FUZZ_SEED", "20261126"))
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(platform, examples, seed))
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    env = platform.stack.env | {
        "ZIMAGE_FUZZ_API": platform.api,
        "ZIMAGE_FUZZ_EMAIL": account.email,
        "ZIMAGE_FUZZ_ROLE": role,
        "ZIMAGE_FUZZ_PASSWORD": PASSWORD,
        "ZIMAGE_FUZZ_SIGN_IN_ADDRESS": TESTS,
        "NO_COLOR": "1",
    }
    run = subprocess.run(
        [
            st,
            "--no-color",
            "--config-file",
            str(config),
            "run",
            f"{platform.api}/openapi.json",
            "--checks",
            "all",
            "--exclude-checks",
            ",".join(CHECKS_EXCLUDED),
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path / "reports"),
        ],
        cwd=platform.stack.data_dir.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    output = run.stdout + run.stderr
    print(output[-6000:])
    assert run.returncode == 0, "schemathesis found problems:\n" + output[-20000:]
    tested = re.search(r"Tested: (\d+)", output)
    assert tested and int(tested[1]) == len(platform.operations()), output[-3000:]


def test_every_operation_as_a_user(platform: Platform, tmp_path: Path) -> None:
    _fuzz(platform, "user", platform.user("fuzz"), tmp_path)


def test_every_operation_as_an_admin(platform: Platform, tmp_path: Path) -> None:
    _fuzz(platform, "admin", platform.admin(), tmp_path)
