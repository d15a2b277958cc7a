"""C2PA manifests on exported files (c2pa-python, the Content Authenticity Initiative's c2pa-rs bindings).

ES256 with a certificate chain: the one configured (GALLERY_C2PA_CERT_CHAIN + GALLERY_C2PA_PRIVATE_KEY, required in
production), or in development a CA and a signing certificate made once with `cryptography` under
DATA_DIR/keys/c2pa. No time-stamp authority, so signing never reaches the network.
"""

from __future__ import annotations

import datetime
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from zimage_gallery.config import Settings
from zimage_gallery.provenance.metadata import TRAINED_ALGORITHMIC_MEDIA, Provenance

log = structlog.get_logger("zimage.gallery.c2pa")

# The SDK's own thumbnail would be a second, unmarked copy of the picture inside every file: leave it out.
_SDK_SETTINGS = {"builder": {"thumbnail": {"enabled": False}}}


@dataclass(frozen=True)
class SigningMaterial:
    chain_pem: bytes  # signing certificate first, then its issuers
    key_pem: bytes
    ca_pem: bytes | None  # the development CA, for verifying with it as the trust anchor


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "zimage-platform (development)"),
        ]
    )


def _key_usage(*, sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=not sign,
        crl_sign=not sign,
        encipher_only=False,
        decipher_only=False,
    )


def generate_development_material() -> SigningMaterial:
    """A CA and an ES256 signing certificate under it (C2PA refuses self-signed signing certificates)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("zimage-platform development CA"))
        .issuer_name(_name("zimage-platform development CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("zimage-platform exports"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    ca_pem = ca.public_bytes(pem)
    return SigningMaterial(
        chain_pem=leaf.public_bytes(pem) + ca_pem,
        key_pem=key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        ca_pem=ca_pem,
    )


def development_material(keys_dir: Path) -> SigningMaterial:
    """The development chain under `keys_dir`, made on first use and kept (files readable by the owner only)."""
    chain, key, ca = keys_dir / "chain.pem", keys_dir / "signer.key", keys_dir / "ca.pem"
    if not (chain.exists() and key.exists() and ca.exists()):
        keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        material = generate_development_material()
        for path, data in ((ca, material.ca_pem or b""), (chain, material.chain_pem), (key, material.key_pem)):
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            tmp.replace(path)  # another process racing here writes a whole chain too; one of them wins
        log.info("c2pa_development_chain_created", keys_dir=str(keys_dir))
    return SigningMaterial(chain.read_bytes(), key.read_bytes(), ca.read_bytes())


def manifest_definition(p: Provenance, title: str) -> dict[str, Any]:
    return {
        "claim_generator_info": [{"name": "zimage-platform", "version": p.platform_version}],
        "title": title,
        "assertions": [
            {
                "label": "c2pa.actions",
                "data": {
                    "actions": [
                        {
                            "action": "c2pa.created",
                            "digitalSourceType": TRAINED_ALGORITHMIC_MEDIA,
                            "softwareAgent": {"name": p.model, "version": p.engine},
                            "parameters": {"org.zimage.export_preset": p.export_preset},
                        }
                    ]
                },
            },
            {
                "label": "org.zimage.provenance",
                "data": {
                    "model": p.model,
                    "engine": p.engine,
                    "seed": p.seed,
                    "prompt_sha256": p.prompt_sha256,
                    "platform_version": p.platform_version,
                    "export_preset": p.export_preset,
                    "image_id": p.image_id,
                },
            },
        ],
    }


class ManifestSigner:
    """Signs one file at a time (a fresh native signer per call: the SDK's objects are single use)."""

    def __init__(self, material: SigningMaterial) -> None:
        import c2pa  # the native library loads on first use, not at import of the service

        self._c2pa = c2pa
        self.material = material

    def sign(self, data: bytes, mime_type: str, title: str, p: Provenance) -> bytes:
        c2pa = self._c2pa
        info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, self.material.chain_pem, self.material.key_pem, None)
        with (
            c2pa.Context(settings=c2pa.Settings.from_dict(_SDK_SETTINGS)) as context,
            c2pa.Signer.from_info(info) as signer,
            c2pa.Builder(manifest_definition(p, title), context=context) as builder,
        ):
            out = io.BytesIO()
            builder.sign(signer, mime_type, io.BytesIO(data), out)
            return out.getvalue()


def read_manifest(data: bytes, mime_type: str, trust_anchor_pem: bytes | None = None) -> dict[str, Any]:
    """The file's manifest store as JSON (validation results included), trusting `trust_anchor_pem` if given."""
    import c2pa

    settings: dict[str, Any] = {"verify": {"verify_trust": trust_anchor_pem is not None}}
    if trust_anchor_pem is not None:
        settings["trust"] = {"trust_anchors": trust_anchor_pem.decode("ascii")}
    with (
        c2pa.Context(settings=c2pa.Settings.from_dict(settings)) as context,
        c2pa.Reader(mime_type, io.BytesIO(data), context=context) as reader,
    ):
        result: dict[str, Any] = json.loads(reader.json())
        return result


def signer_for(settings: Settings) -> ManifestSigner | None:
    """The installation's signer, or None where it does not sign (see Settings.c2pa_signing)."""
    if settings.c2pa_signing is False:
        return None
    if settings.c2pa_cert_chain and settings.c2pa_private_key:
        material = SigningMaterial(settings.c2pa_cert_chain.read_bytes(), settings.c2pa_private_key.read_bytes(), None)
    elif settings.production:
        log.warning("c2pa_signing_off", reason="no GALLERY_C2PA_CERT_CHAIN / GALLERY_C2PA_PRIVATE_KEY configured")
        return None
    else:
        material = development_material(settings.data_dir / "keys" / "c2pa")
    return ManifestSigner(material)
