"""Download Z-Image-Turbo into MODEL_PATH: `python -m zimage_worker.download [--model-path PATH]`.

Resumable (re-run it after an interruption), shows progress, checks the result, and fails within
seconds with a clear message when the Hugging Face Hub cannot be reached.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import httpx

from zimage_worker.weights import MODEL_REPO_ID, missing_files

ALLOW_PATTERNS = [
    "model_index.json",
    "scheduler/*",
    "text_encoder/*",
    "tokenizer/*",
    "transformer/*",
    "vae/*",
]
EXIT_UNREACHABLE = 2
EXIT_INCOMPLETE = 3
EXIT_INTERRUPTED = 4


def default_model_path() -> Path:
    if os.environ.get("MODEL_PATH"):
        return Path(os.environ["MODEL_PATH"])
    return Path(os.environ.get("DATA_DIR") or "data") / "models" / "Z-Image-Turbo"


def hub_unreachable_reason(endpoint: str, timeout: float) -> str | None:
    """Why the hub cannot be used now, or None when it answers."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return "HF_HUB_OFFLINE is set"
    url = f"{endpoint.rstrip('/')}/api/models/{MODEL_REPO_ID}"
    try:
        response = httpx.head(url, timeout=timeout, follow_redirects=True)
    except httpx.HTTPError as exc:
        return f"{url} gave no answer within {timeout:g}s: {type(exc).__name__}: {exc}"
    if response.status_code >= 500:
        return f"{url} answered HTTP {response.status_code}"
    return None


def download(model_path: Path, timeout: float) -> int:
    from huggingface_hub import constants, snapshot_download

    if not missing_files(model_path):
        print(f"Z-Image-Turbo is already complete in {model_path}")
        return 0
    endpoint = constants.ENDPOINT
    reason = hub_unreachable_reason(endpoint, timeout)
    if reason is not None:
        print(
            f"Cannot download {MODEL_REPO_ID}: the Hugging Face Hub is not reachable ({reason}).\n"
            f"Run this on a machine with internet access and copy the folder to MODEL_PATH, or point "
            f"HF_ENDPOINT at a mirror. Until then ZIMAGE_ENGINE=tiny runs the tiny random engine.",
            file=sys.stderr,
        )
        return EXIT_UNREACHABLE
    print(f"Downloading {MODEL_REPO_ID} from {endpoint} into {model_path} (resumes where it stopped)")
    model_path.mkdir(parents=True, exist_ok=True)
    try:
        snapshot_download(MODEL_REPO_ID, local_dir=model_path, allow_patterns=ALLOW_PATTERNS, etag_timeout=timeout)
    except Exception as exc:  # network drops surface as several libraries' errors; all mean "run again"
        print(f"Download stopped: {type(exc).__name__}: {exc}\nRun it again to resume.", file=sys.stderr)
        return EXIT_INTERRUPTED
    missing = missing_files(model_path)
    if missing:
        print(f"Download finished but {model_path} lacks: {', '.join(missing)}. Run it again.", file=sys.stderr)
        return EXIT_INCOMPLETE
    print(f"Z-Image-Turbo is ready in {model_path}; set MODEL_PATH={model_path} if it is not the default")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zimage_worker.download", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model-path",
        type=Path,
        default=None,
        help="target folder (default: $MODEL_PATH, else ${DATA_DIR:-./data}/models/Z-Image-Turbo)",
    )
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the hub to answer")
    args = parser.parse_args(argv)
    return download(args.model_path or default_model_path(), args.timeout)


if __name__ == "__main__":
    sys.exit(main())
