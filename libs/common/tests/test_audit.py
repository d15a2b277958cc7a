"""The audit port: a remote log that cannot be reached refuses with 503, so the admin action rolls back."""

from __future__ import annotations

import uuid

import pytest
from zimage_common.audit import AuditEntry, RemoteAuditLog, changes
from zimage_common.errors import ServiceUnavailable

from tests.support.servers import free_port


async def test_an_unreachable_audit_log_is_a_503_not_a_silent_loss() -> None:
    log = RemoteAuditLog(f"http://127.0.0.1:{free_port()}", "token")
    entry = AuditEntry(uuid.uuid4(), "quota.update", "user", "x", "127.0.0.1", "image-service")
    try:
        with pytest.raises(ServiceUnavailable, match="auth-service"):
            await log.record(entry)
    finally:
        await log.close()


def test_changes_lists_only_what_changed() -> None:
    assert changes({"role": "user", "is_active": True}, {"role": "admin", "is_active": True}) == {
        "role": {"from": "user", "to": "admin"}
    }
    assert changes({"a": 1}, {"a": 1}) == {}
