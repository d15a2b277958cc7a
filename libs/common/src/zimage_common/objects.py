"""Object storage port: a local folder in the embedded mode, any S3 API when one is configured.

Objects are private. Browsers fetch them through short-lived signed URLs (at most 5 minutes): S3
presigned GETs, or for the local folder our own HMAC-signed URLs served by `object_download_router`.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import hashlib
import hmac
import os
import re
import time
import unicodedata
import uuid
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from stat import S_ISREG
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse

from zimage_common.errors import Forbidden, NotFound, ServiceUnavailable, error_responses

MAX_KEY_LENGTH = 512
MAX_SEGMENT_LENGTH = 200  # file systems stop at 255 bytes a name; leave room for the temp suffix
MAX_URL_TTL = 300  # seconds; RELIABILITY: signed URLs live at most 5 minutes
MAX_DOWNLOAD_NAME_LENGTH = 200
_KEY_CHARS = re.compile(r"[A-Za-z0-9._/-]+")
_EXP = re.compile(r"[0-9]{1,12}")
_SIG = re.compile(r"[0-9a-f]{64}")

CONTENT_TYPES = {
    "png": "image/png",
    "webp": "image/webp",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "zip": "application/zip",
    "json": "application/json",
}

T = TypeVar("T")


class InvalidObjectKey(ValueError):
    """A key outside `[A-Za-z0-9._/-]`, absolute, with `.`/`..`/empty segments, or too long (512 in all,
    200 a segment)."""


class ObjectNotFound(NotFound):
    pass


class SignatureExpired(Forbidden):
    code = "UrlExpired"


class SignatureInvalid(Forbidden):
    code = "UrlInvalid"


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    modified: datetime  # UTC


def validate_key(key: str) -> str:
    """Return `key` if it is a safe object key, else raise InvalidObjectKey."""
    if not isinstance(key, str) or not key:
        raise InvalidObjectKey("object key is empty")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidObjectKey(f"object key is longer than {MAX_KEY_LENGTH} characters")
    if not _KEY_CHARS.fullmatch(key):
        raise InvalidObjectKey(f"object key {key!r} has characters outside [A-Za-z0-9._/-]")
    if key.startswith("/"):
        raise InvalidObjectKey(f"object key {key!r} starts with '/'")
    # Empty and '.' segments would name the same file twice locally but two objects on S3.
    if any(segment in ("", ".", "..") for segment in key.split("/")):
        raise InvalidObjectKey(f"object key {key!r} has an empty, '.' or '..' segment")
    if any(len(segment) > MAX_SEGMENT_LENGTH for segment in key.split("/")):
        raise InvalidObjectKey(f"object key {key!r} has a segment over {MAX_SEGMENT_LENGTH} characters")
    return key


def validate_prefix(prefix: str) -> str:
    """A listing/deletion prefix: a key, optionally ending in '/'. Empty is allowed for listing only."""
    if prefix:
        validate_key(prefix.removesuffix("/"))
    return prefix


def content_type_for(key: str) -> str:
    return CONTENT_TYPES.get(key.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def content_disposition(download_name: str) -> str:
    """`attachment` with an ASCII fallback and the exact (e.g. Korean) name as RFC 6266 filename*."""
    name = _clean_download_name(download_name)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]", "_", fallback).strip() or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _clean_download_name(download_name: str) -> str:
    name = "".join("_" if unicodedata.category(c)[0] == "C" or c in '/\\"' else c for c in download_name)
    name = name.strip()[:MAX_DOWNLOAD_NAME_LENGTH]
    if not name:
        raise ValueError("download name is empty")
    return name


def _ttl(expires_in: int) -> int:
    if expires_in <= 0:
        raise ValueError("expires_in must be positive")
    return min(int(expires_in), MAX_URL_TTL)


class ObjectStore(ABC):
    """Private blobs under validated keys. Every method validates its key first."""

    @abstractmethod
    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing any object (deterministic keys make retries idempotent)."""

    @abstractmethod
    async def get(self, key: str) -> bytes:
        """The object's bytes; ObjectNotFound if there is none."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""

    @abstractmethod
    async def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with `prefix` (a string prefix, as on S3: end it with
        '/' to mean a folder). Returns how many were removed. An empty prefix is refused."""

    @abstractmethod
    async def exists(self, key: str) -> bool: ...

    @abstractmethod
    def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Objects whose key starts with `prefix`, in key order."""

    @abstractmethod
    async def signed_url(self, key: str, expires_in: int = MAX_URL_TTL, download_name: str | None = None) -> str:
        """A URL a browser can GET for `min(expires_in, 300)` s; `download_name` makes it an attachment."""

    @abstractmethod
    async def ping(self) -> None:
        """Raise ServiceUnavailable unless the store can be used (for /ready)."""


# ---------------------------------------------------------------------------------------------
# Local folder


class LocalObjectStore(ObjectStore):
    """Files under `root`; signed URLs point at `public_base_url` (our download router)."""

    def __init__(
        self,
        root: Path,
        signing_secret: str,
        public_base_url: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not signing_secret:
            raise ValueError("LocalObjectStore needs a signing secret")
        self.root = Path(root)
        self.public_base_url = public_base_url.rstrip("/")
        self._secret = signing_secret.encode()
        self.clock = clock

    def path_for(self, key: str) -> Path:
        return self.root / validate_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self.path_for(key)
        await asyncio.to_thread(self._write, path, data)

    def _write(self, path: Path, data: bytes) -> None:
        # '~' cannot occur in a key, so listings never show a half-written temp file.
        tmp = path.with_name(f"{path.name}.~{uuid.uuid4().hex}")
        for attempt in range(3):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                with open(tmp, "xb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, path)
                return
            except FileNotFoundError:
                # A concurrent delete pruned the empty parent folder between mkdir and open.
                if attempt == 2:
                    raise
            except (NotADirectoryError, IsADirectoryError, FileExistsError) as exc:
                _discard(tmp)
                raise InvalidObjectKey(f"object key {path.relative_to(self.root)} clashes with another key") from exc
            except BaseException:
                _discard(tmp)
                raise

    async def get(self, key: str) -> bytes:
        path = self.path_for(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"object {key} not found") from exc

    async def delete(self, key: str) -> None:
        path = self.path_for(key)
        await asyncio.to_thread(self._unlink, path)

    def _unlink(self, path: Path) -> bool:
        try:
            path.unlink()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return False
        self._prune(path.parent)
        return True

    def _prune(self, folder: Path) -> None:
        """Remove now-empty folders up to (not including) the root."""
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    async def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise InvalidObjectKey("refusing to delete with an empty prefix")
        validate_prefix(prefix)
        return await asyncio.to_thread(self._delete_prefix, prefix)

    def _delete_prefix(self, prefix: str) -> int:
        return sum(self._unlink(self.root / info.key) for info in self._scan(prefix))

    async def exists(self, key: str) -> bool:
        path = self.path_for(key)
        return await asyncio.to_thread(path.is_file)

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        validate_prefix(prefix)
        for info in await asyncio.to_thread(self._scan, prefix):
            yield info

    def _scan(self, prefix: str) -> builtins.list[ObjectInfo]:
        # Walk only the deepest folder the prefix names; filter by the string prefix as S3 does.
        start = self.root / prefix.rsplit("/", 1)[0] if "/" in prefix else self.root
        found = []
        for dirpath, _dirs, files in os.walk(start):
            for name in files:
                path = Path(dirpath, name)
                key = path.relative_to(self.root).as_posix()
                if not key.startswith(prefix) or not _is_key(key):
                    continue
                try:
                    st = path.stat()
                except FileNotFoundError:
                    continue
                found.append(ObjectInfo(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))
        found.sort(key=lambda info: info.key)
        return found

    def _signature(self, key: str, exp: int, download_name: str | None) -> str:
        message = f"{key}\n{exp}\n{download_name or ''}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    async def signed_url(self, key: str, expires_in: int = MAX_URL_TTL, download_name: str | None = None) -> str:
        validate_key(key)
        if download_name is not None:
            _clean_download_name(download_name)
        exp = int(self.clock()) + _ttl(expires_in)
        params = {"exp": str(exp), "sig": self._signature(key, exp, download_name)}
        if download_name is not None:
            params["dn"] = download_name
        return f"{self.public_base_url}/{key}?{urlencode(params, quote_via=quote)}"

    def verify_signature(
        self, key: str, exp: int | str | None, sig: str | None, dn: str | None, now: float | None = None
    ) -> int:
        """Check a signed URL's parts; return its expiry (unix seconds) or raise SignatureInvalid/Expired."""
        exp_text = str(exp) if exp is not None else ""
        if not _is_key(key) or not _EXP.fullmatch(exp_text) or not sig or not _SIG.fullmatch(sig):
            raise SignatureInvalid("this link is not valid")
        if dn is not None:
            try:
                _clean_download_name(dn)
            except ValueError:
                raise SignatureInvalid("this link is not valid") from None
        expires = int(exp_text)
        if not hmac.compare_digest(self._signature(key, expires, dn), sig):
            raise SignatureInvalid("this link is not valid")
        if expires <= (self.clock() if now is None else now):
            raise SignatureExpired("this link has expired; reload the page for a fresh one")
        return expires

    async def ping(self) -> None:
        def check() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise PermissionError(f"{self.root} is not writable")

        try:
            await asyncio.to_thread(check)
        except OSError as exc:
            raise ServiceUnavailable(f"object store unavailable: {exc}") from exc


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _is_key(key: str) -> bool:
    try:
        validate_key(key)
    except InvalidObjectKey:
        return False
    return True


def object_download_router(store_getter: Callable[..., ObjectStore], *, prefix: str = "/api/v1/objects") -> APIRouter:
    """`GET {prefix}/{key}` for URLs signed by a LocalObjectStore. The signature is the credential:
    mount it without JWT checks. `store_getter` is a FastAPI dependency: a function of nothing, or of
    `request: Request` (annotated) to read e.g. `request.app.state.objects`."""
    router = APIRouter(tags=["objects"])

    @router.get(
        f"{prefix}/{{key:path}}",
        operation_id="download_object",
        response_class=FileResponse,
        responses={
            200: {"description": "The object's bytes"},
            **error_responses(SignatureInvalid, SignatureExpired, ObjectNotFound),
        },
    )
    async def download_object(
        key: str,
        store: ObjectStore = Depends(store_getter),  # a default: a string annotation cannot see this local
        exp: Annotated[str | None, Query()] = None,
        sig: Annotated[str | None, Query()] = None,
        dn: Annotated[str | None, Query()] = None,
    ) -> FileResponse:
        if not isinstance(store, LocalObjectStore):
            raise ObjectNotFound("objects are served by the object store directly")
        expires = store.verify_signature(key, exp, sig, dn)
        path = store.path_for(key)
        try:
            stat = await asyncio.to_thread(os.stat, path)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFound("this file no longer exists") from exc
        if not S_ISREG(stat.st_mode):
            raise ObjectNotFound("this file no longer exists")
        remaining = max(0, expires - int(store.clock()))
        headers = {
            "Cache-Control": f"private, max-age={remaining}",
            "X-Content-Type-Options": "nosniff",
        }
        if dn is not None:
            headers["Content-Disposition"] = content_disposition(dn)
        return FileResponse(path, media_type=content_type_for(key), headers=headers, stat_result=stat)

    return router


# ---------------------------------------------------------------------------------------------
# S3 (MinIO, SeaweedFS, Garage, AWS S3, R2)

_NOT_IMPLEMENTED = {"NotImplemented", "XNotImplemented", "NotImplementedError"}


class S3ObjectStore(ObjectStore):
    """One bucket on any S3 API, path-style. The bucket is created (private) on first use."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str,
        region: str | None,
        access_key: str | None,
        secret_key: str | None,
        public_endpoint_url: str | None = None,
    ) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = bucket
        self.endpoint_url = endpoint_url
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            connect_timeout=3,
            read_timeout=20,
            retries={"max_attempts": 3, "mode": "standard"},
            # MinIO, SeaweedFS and Garage reject the CRC checksums botocore now sends by default.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        session = boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            region_name=region or "us-east-1",
        )
        self._client = session.client("s3", endpoint_url=endpoint_url, config=config)
        # Presigned URLs are signed for the host the browser will ask, which may differ from ours.
        self._signer = (
            session.client("s3", endpoint_url=public_endpoint_url, config=config)
            if public_endpoint_url
            else self._client
        )
        self._bucket_ready = False
        self._bucket_lock = asyncio.Lock()

    async def _call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        from botocore.exceptions import ClientError, HTTPClientError
        from botocore.exceptions import ConnectionError as BotoConnectionError

        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except (BotoConnectionError, HTTPClientError) as exc:
            raise ServiceUnavailable("object store unavailable") from exc
        except ClientError as exc:
            if _status(exc) >= 500:
                raise ServiceUnavailable("object store unavailable") from exc
            raise

    async def _ready(self) -> None:
        if self._bucket_ready:
            return
        async with self._bucket_lock:
            if not self._bucket_ready:
                await self._call(self._ensure_bucket)
                self._bucket_ready = True

    def _ensure_bucket(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as exc:
            if _status(exc) != 404:
                raise ServiceUnavailable(f"object store unavailable: bucket {self.bucket}: {_code(exc)}") from exc
        region = self._client.meta.region_name
        create: dict[str, Any] = {"Bucket": self.bucket}
        if region and region != "us-east-1":
            create["CreateBucketConfiguration"] = {"LocationConstraint": region}
        try:
            self._client.create_bucket(**create)
        except ClientError as exc:
            if _code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        try:
            self._client.put_public_access_block(
                Bucket=self.bucket,
                PublicAccessBlockConfiguration={
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                },
            )
        except ClientError as exc:
            # New buckets are private anyway; MinIO and others just lack this API.
            if _code(exc) not in _NOT_IMPLEMENTED and _status(exc) != 501:
                raise

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        validate_key(key)
        await self._ready()
        await self._call(self._client.put_object, Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    async def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        validate_key(key)
        await self._ready()

        def read() -> bytes:
            response = self._client.get_object(Bucket=self.bucket, Key=key)
            with response["Body"] as body:
                return bytes(body.read())

        try:
            return await self._call(read)
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404") or _status(exc) == 404:
                raise ObjectNotFound(f"object {key} not found") from exc
            raise

    async def delete(self, key: str) -> None:
        validate_key(key)
        await self._ready()
        await self._call(self._client.delete_object, Bucket=self.bucket, Key=key)

    async def delete_prefix(self, prefix: str) -> int:
        if not prefix:
            raise InvalidObjectKey("refusing to delete with an empty prefix")
        validate_prefix(prefix)
        await self._ready()
        removed = 0
        batch: builtins.list[str] = []
        async for info in self.list(prefix):
            batch.append(info.key)
            if len(batch) == 1000:  # the DeleteObjects limit
                removed += await self._delete_batch(batch)
                batch = []
        if batch:
            removed += await self._delete_batch(batch)
        return removed

    async def _delete_batch(self, keys: builtins.list[str]) -> int:
        response = await self._call(
            self._client.delete_objects,
            Bucket=self.bucket,
            Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
        )
        errors = response.get("Errors") or []
        if errors:
            first = errors[0]
            raise ServiceUnavailable(
                f"object store refused to delete {len(errors)} objects ({first.get('Code')}: {first.get('Key')})"
            )
        return len(keys)

    async def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        validate_key(key)
        await self._ready()
        try:
            await self._call(self._client.head_object, Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _status(exc) == 404:
                return False
            raise
        return True

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        validate_prefix(prefix)
        await self._ready()
        params: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix, "MaxKeys": 1000}
        while True:
            page = await self._call(self._client.list_objects_v2, **params)
            for item in page.get("Contents") or []:
                yield ObjectInfo(item["Key"], int(item["Size"]), item["LastModified"].astimezone(UTC))
            if not page.get("IsTruncated"):
                return
            params["ContinuationToken"] = page["NextContinuationToken"]

    async def signed_url(self, key: str, expires_in: int = MAX_URL_TTL, download_name: str | None = None) -> str:
        validate_key(key)
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if download_name is not None:
            params["ResponseContentDisposition"] = content_disposition(download_name)
        # Presigning is local computation; no request goes out.
        return str(self._signer.generate_presigned_url("get_object", Params=params, ExpiresIn=_ttl(expires_in)))

    async def ping(self) -> None:
        self._bucket_ready = False
        await self._ready()


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


# ---------------------------------------------------------------------------------------------


def object_store_for(
    *,
    data_dir: Path | str,
    signing_secret: str,
    public_base_url: str = "/api/v1/objects",
    s3_endpoint_url: str | None = None,
    s3_bucket: str | None = None,
    s3_region: str | None = None,
    s3_access_key: str | None = None,
    s3_secret_key: str | None = None,
    s3_public_endpoint_url: str | None = None,
) -> ObjectStore:
    """S3 when an endpoint is configured (for AWS, its regional endpoint), else `{data_dir}/objects`."""
    if s3_endpoint_url:
        if not s3_bucket:
            raise ValueError("an S3 endpoint is configured without a bucket name")
        return S3ObjectStore(
            bucket=s3_bucket,
            endpoint_url=s3_endpoint_url,
            region=s3_region,
            access_key=s3_access_key,
            secret_key=s3_secret_key,
            public_endpoint_url=s3_public_endpoint_url or None,
        )
    return LocalObjectStore(Path(data_dir) / "objects", signing_secret, public_base_url)
