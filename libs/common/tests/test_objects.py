"""ObjectStore contract, run against the local folder and against S3 (moto on loopback)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import httpx
import pytest
from fastapi import FastAPI, Request
from zimage_common.errors import ServiceUnavailable, install_error_handlers
from zimage_common.objects import (
    MAX_URL_TTL,
    InvalidObjectKey,
    LocalObjectStore,
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    S3ObjectStore,
    SignatureExpired,
    SignatureInvalid,
    object_download_router,
    object_store_for,
)

from tests.support.s3 import S3_TEST_ACCESS_KEY, S3_TEST_REGION, S3_TEST_SECRET_KEY
from tests.support.servers import ServerThread, free_port, serve

SECRET = "test-signing-secret-0123456789abcdef"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
KOREAN_NAME = "봄 캠페인 시안 #1 (최종).png"


def s3_store(endpoint: str, bucket: str, public_endpoint_url: str | None = None) -> S3ObjectStore:
    return S3ObjectStore(
        bucket=bucket,
        endpoint_url=endpoint,
        region=S3_TEST_REGION,
        access_key=S3_TEST_ACCESS_KEY,
        secret_key=S3_TEST_SECRET_KEY,
        public_endpoint_url=public_endpoint_url,
    )


def raw_s3(endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_TEST_REGION,
        aws_access_key_id=S3_TEST_ACCESS_KEY,
        aws_secret_access_key=S3_TEST_SECRET_KEY,
    )


def download_app(store: ObjectStore) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(object_download_router(lambda: store))
    return app


class Harness:
    """A store plus a way to GET its signed URLs over real HTTP."""

    def __init__(self, kind: str, store: ObjectStore, exits: ExitStack) -> None:
        self.kind = kind
        self.store = store
        self._exits = exits
        self._server: ServerThread | None = None

    def base_url(self) -> str:
        if self._server is None:
            self._server = self._exits.enter_context(serve(download_app(self.store)))
        return self._server.url

    async def fetch(self, url: str) -> httpx.Response:
        # Local URLs are same-origin relative paths; S3 presigned URLs are absolute.
        absolute = url if url.startswith("http") else self.base_url() + url
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.get(absolute)

    def lifetime(self, url: str) -> int:
        query = parse_qs(urlsplit(url).query)
        if self.kind == "s3":
            return int(query["X-Amz-Expires"][0])
        return int(query["exp"][0]) - int(time.time())


@pytest.fixture(params=["local", "s3"])
def objects(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    with ExitStack() as exits:
        if request.param == "local":
            store: ObjectStore = LocalObjectStore(tmp_path / "objects", SECRET, "/api/v1/objects")
        else:
            endpoint = request.getfixturevalue("s3_endpoint")
            store = s3_store(endpoint, f"test-{uuid.uuid4().hex[:16]}")
        yield Harness(request.param, store, exits)


async def keys_of(store: ObjectStore, prefix: str = "") -> list[str]:
    return [info.key async for info in store.list(prefix)]


# --- contract: both adapters -------------------------------------------------------------------


async def test_put_get_and_overwrite(objects: Harness) -> None:
    store = objects.store
    await store.put("u1/t1/0.png", PNG, "image/png")
    assert await store.get("u1/t1/0.png") == PNG
    await store.put("u1/t1/0.png", b"second", "image/png")
    assert await store.get("u1/t1/0.png") == b"second"
    assert await keys_of(store, "u1/") == ["u1/t1/0.png"]


async def test_get_missing_raises_object_not_found(objects: Harness) -> None:
    with pytest.raises(ObjectNotFound):
        await objects.store.get("nobody/nothing.png")


async def test_exists_and_delete(objects: Harness) -> None:
    store = objects.store
    assert not await store.exists("u1/t1/0.png")
    await store.put("u1/t1/0.png", PNG, "image/png")
    assert await store.exists("u1/t1/0.png")
    await store.delete("u1/t1/0.png")
    assert not await store.exists("u1/t1/0.png")
    await store.delete("u1/t1/0.png")  # deleting a missing object is fine
    with pytest.raises(ObjectNotFound):
        await store.get("u1/t1/0.png")


async def test_delete_prefix_removes_only_matching_keys(objects: Harness) -> None:
    store = objects.store
    for key in ("u1/t1/0.png", "u1/t1/0.webp", "u1/t10/0.png", "u2/t1/0.png"):
        await store.put(key, PNG, "image/png")
    assert await store.delete_prefix("u1/t1/") == 2
    assert await keys_of(store) == ["u1/t10/0.png", "u2/t1/0.png"]
    assert await store.delete_prefix("u1/t1/") == 0
    # A prefix is a string prefix, as on S3: without the trailing '/', t10 matches too.
    assert await store.delete_prefix("u1/t1") == 1
    assert await keys_of(store) == ["u2/t1/0.png"]
    with pytest.raises(InvalidObjectKey):
        await store.delete_prefix("")


async def test_list_in_key_order_with_size_and_utc_time(objects: Harness) -> None:
    store = objects.store
    before = datetime.now(UTC) - timedelta(minutes=5)
    await store.put("a/b.png", b"12345", "image/png")
    await store.put("a-c.json", b"{}", "application/json")
    await store.put("a/a/z.webp", b"1", "image/webp")
    infos = [info async for info in store.list()]
    # Plain byte order of the whole key ('-' < '/'), as S3 lists.
    assert [i.key for i in infos] == ["a-c.json", "a/a/z.webp", "a/b.png"]
    assert [i.size for i in infos] == [2, 1, 5]
    for info in infos:
        assert isinstance(info, ObjectInfo)
        assert info.modified.tzinfo is not None and info.modified.utcoffset() == timedelta(0)
        assert before < info.modified < datetime.now(UTC) + timedelta(minutes=5)
    assert await keys_of(store, "a/") == ["a/a/z.webp", "a/b.png"]
    assert await keys_of(store, "zzz/") == []


BAD_KEYS = [
    "",
    "/u1/t1/0.png",
    "u1/../t1/0.png",
    "..",
    "u1/./0.png",
    "u1//0.png",
    "u1/t1/",
    "u1/t1/0 1.png",
    "u1\\t1.png",
    "u1/봄.png",
    "u1/t1?.png",
    "u1/%2e%2e/x",
    "a" * 513,
    "u1/" + "a" * 201,
]


@pytest.mark.parametrize("key", BAD_KEYS, ids=range(len(BAD_KEYS)))
async def test_invalid_keys_are_refused_everywhere(objects: Harness, key: str) -> None:
    store = objects.store
    with pytest.raises(InvalidObjectKey):
        await store.put(key, PNG, "image/png")
    with pytest.raises(InvalidObjectKey):
        await store.get(key)
    with pytest.raises(InvalidObjectKey):
        await store.exists(key)
    with pytest.raises(InvalidObjectKey):
        await store.delete(key)
    with pytest.raises(InvalidObjectKey):
        await store.signed_url(key)
    assert issubclass(InvalidObjectKey, ValueError)


async def test_longest_and_unusual_valid_keys_work(objects: Harness) -> None:
    store = objects.store
    longest = "a" * 200 + "/" + "b" * 200 + "/" + "c" * 110
    assert len(longest) == 512
    for key in (longest, "A-Z_0.9/x.y-z_", "single"):
        await store.put(key, key.encode(), "application/octet-stream")
        assert await store.get(key) == key.encode()


async def test_signed_url_is_fetchable(objects: Harness) -> None:
    await objects.store.put("u1/t1/0.png", PNG, "image/png")
    url = await objects.store.signed_url("u1/t1/0.png")
    response = await objects.fetch(url)
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert "content-disposition" not in response.headers


async def test_signed_url_lifetime_is_capped_at_five_minutes(objects: Harness) -> None:
    await objects.store.put("u1/t1/0.png", PNG, "image/png")
    assert 0 < objects.lifetime(await objects.store.signed_url("u1/t1/0.png", expires_in=3600)) <= MAX_URL_TTL
    assert 0 < objects.lifetime(await objects.store.signed_url("u1/t1/0.png", expires_in=60)) <= 60
    with pytest.raises(ValueError):
        await objects.store.signed_url("u1/t1/0.png", expires_in=0)


async def test_download_name_in_korean_becomes_an_attachment(objects: Harness) -> None:
    await objects.store.put("u1/t1/0.png", PNG, "image/png")
    response = await objects.fetch(await objects.store.signed_url("u1/t1/0.png", download_name=KOREAN_NAME))
    assert response.status_code == 200
    assert response.content == PNG
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    encoded = disposition.split("filename*=UTF-8''", 1)[1].split(";", 1)[0]
    assert unquote(encoded, encoding="utf-8", errors="strict") == KOREAN_NAME
    # Old clients get an ASCII-only fallback.
    assert 'filename="' in disposition
    disposition.encode("ascii")


async def test_ping_succeeds(objects: Harness) -> None:
    await objects.store.ping()


# --- local folder and its download router -------------------------------------------------------


@pytest.fixture
def local(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "objects", SECRET, "/api/v1/objects")


@pytest.fixture
def local_server(local: LocalObjectStore) -> Iterator[ServerThread]:
    with serve(download_app(local)) as server:
        yield server


@pytest.fixture
async def http(local_server: ServerThread) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=local_server.url, timeout=10) as client:
        yield client


async def test_local_download_headers(local: LocalObjectStore, http: httpx.AsyncClient) -> None:
    await local.put("u1/t1/0.webp", b"RIFF....WEBP", "image/webp")
    response = await http.get(await local.signed_url("u1/t1/0.webp", expires_in=120))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["x-content-type-options"] == "nosniff"
    cache = response.headers["cache-control"]
    assert cache.startswith("private, max-age=")
    assert 0 < int(cache.rsplit("=", 1)[1]) <= 120


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("a/x.png", "image/png"),
        ("a/x.JPG", "image/jpeg"),
        ("a/x.jpeg", "image/jpeg"),
        ("a/x.zip", "application/zip"),
        ("a/x.json", "application/json"),
        ("a/x.bin", "application/octet-stream"),
    ],
)
async def test_local_download_content_type_follows_extension(
    local: LocalObjectStore, http: httpx.AsyncClient, key: str, content_type: str
) -> None:
    await local.put(key, b"data", "ignored/locally")
    response = await http.get(await local.signed_url(key))
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == content_type


async def test_local_expired_url_is_403_url_expired(local: LocalObjectStore, http: httpx.AsyncClient) -> None:
    await local.put("u1/t1/0.png", PNG, "image/png")
    issued_an_hour_ago = LocalObjectStore(local.root, SECRET, "/api/v1/objects", clock=lambda: time.time() - 3600)
    response = await http.get(await issued_an_hour_ago.signed_url("u1/t1/0.png"))
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "UrlExpired"
    assert isinstance(body["detail"], str) and body["detail"]


def _tampered(url: str) -> dict[str, str]:
    path, query = url.split("?", 1)
    params = {k: v[0] for k, v in parse_qs(query).items()}
    sig, exp = params["sig"], params["exp"]
    flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
    return {
        "signature changed": f"{path}?exp={exp}&sig={flipped}",
        "expiry extended": f"{path}?exp={int(exp) + 3600}&sig={sig}",
        "other key": f"{path.replace('0.png', '1.png')}?exp={exp}&sig={sig}",
        "download name added": f"{path}?exp={exp}&sig={sig}&dn=evil.html",
        "empty download name added": f"{path}?exp={exp}&sig={sig}&dn=",
        "signature missing": f"{path}?exp={exp}",
        "expiry missing": f"{path}?sig={sig}",
        "expiry not a number": f"{path}?exp=12e9&sig={sig}",
        "no query": path,
    }


async def test_local_tampered_urls_are_403_url_invalid(local: LocalObjectStore, http: httpx.AsyncClient) -> None:
    await local.put("u1/t1/0.png", PNG, "image/png")
    await local.put("u1/t1/1.png", PNG, "image/png")
    url = await local.signed_url("u1/t1/0.png")
    assert (await http.get(url)).status_code == 200
    for what, bad in _tampered(url).items():
        response = await http.get(bad)
        assert response.status_code == 403, what
        assert response.json()["error"] == "UrlInvalid", what
        assert response.json()["detail"], what


async def test_local_download_name_cannot_be_swapped(local: LocalObjectStore, http: httpx.AsyncClient) -> None:
    await local.put("u1/t1/0.png", PNG, "image/png")
    url = await local.signed_url("u1/t1/0.png", download_name="a.png")
    assert (await http.get(url)).status_code == 200
    response = await http.get(url.replace("dn=a.png", "dn=b.png"))
    assert response.status_code == 403
    assert response.json()["error"] == "UrlInvalid"


async def test_local_signature_from_another_secret_is_invalid(local: LocalObjectStore, http: httpx.AsyncClient) -> None:
    await local.put("u1/t1/0.png", PNG, "image/png")
    other = LocalObjectStore(local.root, "another-secret-0123456789abcdefghij", "/api/v1/objects")
    response = await http.get(await other.signed_url("u1/t1/0.png"))
    assert response.status_code == 403
    assert response.json()["error"] == "UrlInvalid"


async def test_local_missing_object_is_404(local: LocalObjectStore, http: httpx.AsyncClient) -> None:
    await local.put("u1/t1/0.png", PNG, "image/png")
    for key in ("u1/t1/gone.png", "u1/t1"):  # the second names a folder, not an object
        response = await http.get(await local.signed_url(key))
        assert response.status_code == 404, key
        assert response.json()["error"] == "NotFound", key


async def test_router_store_getter_may_read_the_app_state(local: LocalObjectStore) -> None:
    def app_store(request: Request) -> ObjectStore:
        return cast(ObjectStore, request.app.state.objects)

    app = FastAPI()
    install_error_handlers(app)
    app.state.objects = local
    app.include_router(object_download_router(app_store))
    await local.put("u1/0.png", PNG, "image/png")
    with serve(app) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            response = await client.get(await local.signed_url("u1/0.png"))
    assert response.status_code == 200
    assert response.content == PNG


def test_verify_signature_checks_expiry_at_the_given_time(local: LocalObjectStore) -> None:
    exp = int(time.time()) + 100
    sig = local._signature("u1/0.png", exp, None)
    assert local.verify_signature("u1/0.png", exp, sig, None, now=exp - 1) == exp
    with pytest.raises(SignatureExpired) as expired:
        local.verify_signature("u1/0.png", exp, sig, None, now=exp)
    assert expired.value.status_code == 403 and expired.value.code == "UrlExpired"
    with pytest.raises(SignatureInvalid) as invalid:
        local.verify_signature("u1/0.png", exp, sig, "x.png", now=exp - 1)
    assert invalid.value.status_code == 403 and invalid.value.code == "UrlInvalid"
    with pytest.raises(SignatureInvalid):
        local.verify_signature("../etc/passwd", exp, sig, None, now=exp - 1)


async def test_local_writes_leave_no_temp_files_and_listing_skips_strays(local: LocalObjectStore) -> None:
    await local.put("u1/t1/0.png", PNG, "image/png")
    await local.put("u1/t1/0.png", b"again", "image/png")
    assert sorted(p.name for p in (local.root / "u1" / "t1").iterdir()) == ["0.png"]
    # A temp file left by a crashed writer is not an object.
    (local.root / "u1" / "t1" / "1.png.~deadbeef").write_bytes(b"partial")
    assert await keys_of(local) == ["u1/t1/0.png"]


async def test_local_delete_prunes_empty_folders(local: LocalObjectStore) -> None:
    await local.put("u1/t1/0.png", PNG, "image/png")
    await local.put("u1/t2/0.png", PNG, "image/png")
    await local.delete("u1/t1/0.png")
    assert not (local.root / "u1" / "t1").exists()
    assert (local.root / "u1" / "t2").is_dir()
    assert await local.delete_prefix("u1/") == 1
    assert list(local.root.iterdir()) == []


async def test_local_key_clashing_with_a_folder_is_refused(local: LocalObjectStore) -> None:
    await local.put("u1/t1/0.png", PNG, "image/png")
    with pytest.raises(InvalidObjectKey):
        await local.put("u1/t1", PNG, "image/png")
    with pytest.raises(InvalidObjectKey):
        await local.put("u1/t1/0.png/x", PNG, "image/png")
    assert await local.get("u1/t1/0.png") == PNG


async def test_local_router_answers_404_when_objects_live_on_s3(s3_endpoint: str) -> None:
    app = download_app(s3_store(s3_endpoint, f"test-{uuid.uuid4().hex[:16]}"))
    with serve(app) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            response = await client.get("/api/v1/objects/u1/0.png?exp=1&sig=" + "0" * 64)
    assert response.status_code == 404
    assert response.json()["error"] == "NotFound"


# --- S3 -----------------------------------------------------------------------------------------


async def test_s3_bucket_is_created_private_on_first_use(s3_endpoint: str) -> None:
    bucket = f"test-{uuid.uuid4().hex[:16]}"
    client = raw_s3(s3_endpoint)
    assert bucket not in [b["Name"] for b in client.list_buckets()["Buckets"]]
    store = s3_store(s3_endpoint, bucket)
    await store.put("u1/0.png", PNG, "image/png")
    assert bucket in [b["Name"] for b in client.list_buckets()["Buckets"]]
    block = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    head = client.head_object(Bucket=bucket, Key="u1/0.png")
    assert head["ContentType"] == "image/png"
    # A second store on the existing bucket just uses it.
    assert await s3_store(s3_endpoint, bucket).get("u1/0.png") == PNG


async def test_s3_presigned_url_is_signed_for_the_public_endpoint(s3_endpoint: str) -> None:
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    store = s3_store(s3_endpoint, f"test-{uuid.uuid4().hex[:16]}", public_endpoint_url=public)
    await store.put("u1/0.png", PNG, "image/png")
    url = await store.signed_url("u1/0.png")
    assert url.startswith(f"{public}/")
    assert "X-Amz-Signature=" in url
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.content == PNG


async def test_s3_unreachable_endpoint_is_service_unavailable() -> None:
    store = s3_store(f"http://127.0.0.1:{free_port()}", "zimage")
    for call in (
        lambda: store.ping(),
        lambda: store.put("u1/0.png", PNG, "image/png"),
        lambda: store.get("u1/0.png"),
        lambda: store.exists("u1/0.png"),
    ):
        with pytest.raises(ServiceUnavailable) as caught:
            await call()
        assert caught.value.status_code == 503
        assert "object store unavailable" in caught.value.detail
    with pytest.raises(ServiceUnavailable):
        await keys_of(store)


async def test_s3_lists_past_one_page(s3_endpoint: str) -> None:
    store = s3_store(s3_endpoint, f"test-{uuid.uuid4().hex[:16]}")
    raw = raw_s3(s3_endpoint)
    await store.ping()  # creates the bucket
    keys = [f"u1/{i:04d}.png" for i in range(1005)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda key: raw.put_object(Bucket=store.bucket, Key=key, Body=b"x"), keys))
    assert await keys_of(store, "u1/") == keys
    assert await store.delete_prefix("u1/") == 1005
    assert await keys_of(store) == []


# --- factory ------------------------------------------------------------------------------------


def test_factory_uses_the_local_folder_without_an_s3_endpoint(tmp_path: Path) -> None:
    store = object_store_for(data_dir=tmp_path, signing_secret=SECRET, s3_bucket="zimage")
    assert isinstance(store, LocalObjectStore)
    assert store.root == tmp_path / "objects"
    assert store.public_base_url == "/api/v1/objects"


def test_factory_uses_s3_when_an_endpoint_is_set(tmp_path: Path, s3_endpoint: str) -> None:
    store = object_store_for(
        data_dir=tmp_path,
        signing_secret=SECRET,
        s3_endpoint_url=s3_endpoint,
        s3_bucket="zimage-media",
        s3_region=S3_TEST_REGION,
        s3_access_key=S3_TEST_ACCESS_KEY,
        s3_secret_key=S3_TEST_SECRET_KEY,
    )
    assert isinstance(store, S3ObjectStore)
    assert store.bucket == "zimage-media"
    with pytest.raises(ValueError):
        object_store_for(data_dir=tmp_path, signing_secret=SECRET, s3_endpoint_url=s3_endpoint, s3_bucket="")
