"""RELIABILITY test-plan rows through the gateway of the running platform, where the services' own tests stop
at one service: logout and refresh reuse at every service, brute force with a forged X-Forwarded-For, input
limits and a 10 MB body, the quota, signed URLs of a real image, security headers and CORS on every public
route. (README.md maps each row to its tests.)
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.security.conftest import ATTACKER, Platform, client
from tests.support.stack import PASSWORD

pytestmark = pytest.mark.slow

WEB_ORIGIN = "http://localhost:3000"  # the development allow-list's web app


def test_logout_and_refresh_reuse_take_effect_at_every_service(platform: Platform) -> None:
    account = platform.user("logout")
    http, api = platform.http, platform.api
    login = http.post(f"{api}/auth/login", json={"email": account.email, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    services = {port: f"http://127.0.0.1:{platform.stack.base + port}" for port in (1, 2, 3)}
    paths = {1: "/api/v1/users/me", 2: "/api/v1/tasks", 3: "/api/v1/gallery/folders"}

    rotated = http.post(f"{api}/auth/refresh", json={"refresh_token": login["refresh_token"]})
    assert rotated.status_code == 200, rotated.text
    replay = http.post(f"{api}/auth/refresh", json={"refresh_token": login["refresh_token"]})
    assert replay.status_code == 401, replay.text
    # the replay revoked the family: the rotated token and the access tokens of that sign-in are dead
    after = http.post(f"{api}/auth/refresh", json={"refresh_token": rotated.json()["refresh_token"]})
    assert after.status_code == 401, after.text
    for port, base in services.items():
        assert http.get(base + paths[port], headers=headers).status_code == 401, base
    assert http.get(f"{api}/users/me", headers=headers).status_code == 401

    fresh = platform.sign_in(account.email)
    assert http.get(f"{api}/users/me", headers=fresh).status_code == 200
    assert http.post(f"{api}/auth/logout", headers=fresh, json={}).status_code == 204
    assert http.get(f"{api}/users/me", headers=fresh).status_code == 401
    for port, base in services.items():  # each service checks the revocation itself
        assert http.get(base + paths[port], headers=fresh).status_code == 401, base


def test_brute_force_with_a_forged_forwarded_for_is_throttled(platform: Platform) -> None:
    victim = platform.user("victim")
    api = platform.api
    statuses = []
    with client(ATTACKER) as attacker:
        for i in range(200):
            r = attacker.post(
                f"{api}/auth/login",
                json={"email": f"nobody-{i}@example.com" if i % 2 else victim.email, "password": f"guess-{i}"},
                headers={"X-Forwarded-For": f"203.0.113.{i % 250}", "X-Real-IP": f"198.51.100.{i % 250}"},
            )
            statuses.append(r.status_code)
            if r.status_code == 429:
                assert int(r.headers["Retry-After"]) > 0
        assert set(statuses) <= {401, 429}, set(statuses)
        # per address: 50 failures in 15 minutes, whatever the client claims to forward
        assert statuses.count(401) <= 50 and statuses[-1] == 429, statuses.count(401)
        # the right password from the attacker's address waits too
        refused = attacker.post(
            f"{api}/auth/login",
            json={"email": victim.email, "password": PASSWORD},
            headers={"X-Forwarded-For": "192.0.2.7"},
        )
        assert refused.status_code == 429
    # the victim signs in from their own address: per-account budget is 10 failures, the attacker sent 100
    r = platform.http.post(f"{api}/auth/login", json={"email": victim.email, "password": PASSWORD})
    assert r.status_code == 429 and "account" in r.json()["detail"], r.text
    other = platform.user("bystander")  # someone else from another address is not affected
    assert platform.http.get(f"{api}/users/me", headers=other.headers).status_code == 200


def _counts(platform: Platform, headers: dict[str, str]) -> tuple[int, int, int]:
    http, api = platform.http, platform.api
    return (
        len(http.get(f"{api}/tasks", headers=headers).json()["items"]),
        len(http.get(f"{api}/gallery/folders", headers=headers).json()["items"]),
        len(http.get(f"{api}/templates", headers=headers, params={"scope": "personal"}).json()["items"]),
    )


def test_input_limits_and_a_10_mb_body_write_nothing(platform: Platform) -> None:
    account = platform.user("limits")
    http, api, h = platform.http, platform.api, account.headers
    before = _counts(platform, h)
    ten_mb = b'{"prompt": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    for path in ("/generate", "/gallery/folders", "/templates"):
        r = http.post(api + path, content=ten_mb, headers=h | {"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"] == "PayloadTooLarge", (path, r.status_code)
    refused = [
        ("/generate", {"prompt": "a" * 2001, "width": 256, "height": 256}),
        ("/generate", {"prompt": "x", "width": 2064, "height": 256}),
        ("/generate", {"prompt": "x", "width": 250, "height": 256}),
        ("/generate", {"prompt": "x", "width": 256, "height": 256, "num_images": 5}),
        ("/generate", {"prompt": "x", "width": 256, "height": 256, "num_images": 0}),
        ("/gallery/folders", {"name": "f" * 101}),
        ("/templates", {"name_en": "t", "pattern": "p" * 100_000}),
    ]
    for path, body in refused:
        r = http.post(api + path, json=body, headers=h)
        assert 400 <= r.status_code < 500 and r.json()["error"] and r.json()["detail"], (path, r.text)
    assert _counts(platform, h) == before
    # the boundaries themselves are accepted
    ok = http.post(
        f"{api}/generate", json={"prompt": "a" * 2000, "width": 256, "height": 256, "num_images": 1}, headers=h
    )
    assert ok.status_code == 202, ok.text
    assert http.post(f"{api}/gallery/folders", json={"name": "f" * 100}, headers=h).status_code == 201


def test_quota_100_submits_in_10_seconds(platform: Platform) -> None:
    account = platform.user("quota")
    http, api, h = platform.http, platform.api, account.headers
    body = {"prompt": "quota", "width": 256, "height": 256, "num_images": 1}
    started, statuses = time.monotonic(), []
    for _ in range(100):
        r = http.post(f"{api}/generate", json=body, headers=h)
        statuses.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) >= 1 and r.json()["error"] and r.json()["detail"]
    assert time.monotonic() - started < 10, "the 100 submits did not fit in 10 s"
    assert set(statuses) <= {202, 429}, set(statuses)
    accepted = statuses.count(202)
    # 4 tasks at once by default (a few more get in as the worker finishes some); the rest are refused
    assert statuses[:4] == [202] * 4 and statuses.count(429) >= 50, statuses
    tasks = http.get(f"{api}/tasks", headers=h, params={"limit": 100}).json()["items"]
    assert len(tasks) == accepted  # a refused submit wrote nothing


def test_signed_urls_of_a_real_image(platform: Platform) -> None:
    account = platform.user("urls")
    http, api = platform.http, platform.api
    task = http.post(
        f"{api}/generate", json={"prompt": "url", "width": 256, "height": 256}, headers=account.headers
    ).json()
    done = platform.stack.wait_task(http, account.headers, task["id"])
    url = str(httpx.URL(platform.origin).join(done["images"][0]["url"]))  # the API answers a relative URL
    assert http.get(url).status_code == 200  # no token: the signature is the credential
    base, _, query = url.partition("?")
    params = dict(p.split("=", 1) for p in query.split("&"))
    for name, changed in (
        ("signature", {**params, "sig": params["sig"][:-1] + ("0" if params["sig"][-1] != "0" else "1")}),
        ("expiry moved", {**params, "exp": str(int(params["exp"]) + 3600)}),
        ("expired", {**params, "exp": str(int(time.time()) - 10)}),
    ):
        r = http.get(base, params=changed)
        assert r.status_code == 403, (name, r.status_code, r.text)
    other_key = base.replace("/0.png", "/1.png")
    assert http.get(other_key, params=params).status_code == 403
    assert int(params["exp"]) - time.time() <= 300  # at most five minutes


def _public_requests(platform: Platform) -> list[tuple[str, str]]:
    """(METHOD, URL) for every operation in the spec, ids filled with random ones: what anyone can send."""
    out = []
    for method, path in platform.operations():
        filled = path
        for part in [p for p in path.split("/") if p.startswith("{")]:
            filled = filled.replace(part, "00000000-0000-4000-8000-000000000000")
        out.append((method, platform.origin + filled))
    return out


def _assert_security_headers(method: str, url: str, r: Any) -> None:
    h = r.headers
    assert "frame-ancestors" in h.get("content-security-policy", ""), (method, url, dict(h))
    assert h.get("x-content-type-options") == "nosniff", (method, url)
    assert h.get("referrer-policy"), (method, url)


def test_security_headers_and_cors_on_every_route(platform: Platform) -> None:
    http = platform.http
    requests = _public_requests(platform)
    assert len(requests) >= 40
    for method, url in requests:
        body: dict[str, Any] = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        r = http.request(method, url, headers={"Origin": WEB_ORIGIN}, **body)
        assert r.status_code < 500, (method, url, r.status_code, r.text)
        _assert_security_headers(method, url, r)
        assert r.headers.get("access-control-allow-origin") == WEB_ORIGIN, (method, url)
        assert r.headers.get("access-control-allow-credentials") == "true"
        evil = http.request(method, url, headers={"Origin": "https://evil.example"}, **body)
        _assert_security_headers(method, url, evil)
        assert "access-control-allow-origin" not in evil.headers, (method, url)
        preflight = http.options(
            url,
            headers={
                "Origin": WEB_ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == WEB_ORIGIN
        assert method in preflight.headers["access-control-allow-methods"]
        _assert_security_headers("OPTIONS", url, preflight)
        refused = http.options(url, headers={"Origin": "https://evil.example", "Access-Control-Request-Method": method})
        assert (
            "access-control-allow-origin" not in refused.headers
            and refused.headers.get("access-control-allow-origin") != "*"
        )
