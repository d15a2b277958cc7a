from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from zimage_common.settings import ApiServiceSettings


class Settings(ApiServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GALLERY_")
    service_name: ClassVar[str] = "gallery"

    signed_url_seconds: int = Field(300, ge=10, le=300, description="Lifetime of the object URLs handed out")
    # Orphan reconciler (P3): 0 turns the periodic run off; `python -m zimage_gallery.reconciler` runs it once.
    reconcile_interval_seconds: float = Field(3600.0, ge=0, description="Seconds between reconciler runs; 0 = off")
    reconcile_grace_hours: float = Field(24.0, gt=0, description="Objects without a record younger than this stay")
    # C2PA manifests on exports (docs/marketing.md, "C2PA"). None: sign with the configured chain, or in
    # development with one made under DATA_DIR/keys/c2pa; in production without a configured chain, exports
    # carry the XMP/PNG provenance but no manifest. True: a production start without a chain is refused.
    c2pa_signing: bool | None = Field(None, description="Sign exports with a C2PA manifest")
    c2pa_cert_chain: Path | None = Field(None, description="PEM: the ES256 signing certificate, then its issuers")
    c2pa_private_key: Path | None = Field(None, description="PEM: the signing certificate's private key (PKCS#8)")

    def insecure_reasons(self) -> list[str]:
        reasons = super().insecure_reasons()
        if self.c2pa_signing and not (self.c2pa_cert_chain and self.c2pa_private_key):
            reasons.append(
                "GALLERY_C2PA_SIGNING is on without GALLERY_C2PA_CERT_CHAIN and GALLERY_C2PA_PRIVATE_KEY "
                "(production never signs with a self-made development chain)"
            )
        return reasons
