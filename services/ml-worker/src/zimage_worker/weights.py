"""Where the Z-Image-Turbo weights are on this machine, found without touching the network."""

from __future__ import annotations

import json
from pathlib import Path

MODEL_REPO_ID = "Tongyi-MAI/Z-Image-Turbo"
# Components with learned weights; the others (scheduler, tokenizer) are configuration only.
WEIGHTED_COMPONENTS = ("text_encoder", "transformer", "vae")
COMPONENT_FILES = {
    "scheduler": ("scheduler_config.json",),
    "tokenizer": ("tokenizer_config.json",),
    "text_encoder": ("config.json",),
    "transformer": ("config.json",),
    "vae": ("config.json",),
}
WEIGHT_SUFFIXES = (".safetensors", ".bin")

HOW_TO_GET_WEIGHTS = (
    f"Download {MODEL_REPO_ID} (over 20 GB) with `make download-model` "
    "(or `uv run python -m zimage_worker.download --model-path PATH`), "
    "or set MODEL_PATH to a folder that already holds it; "
    "ZIMAGE_ENGINE=tiny runs the tiny random pipeline instead (noise, for tests and demos)."
)


def missing_files(folder: Path) -> list[str]:
    """What a diffusers folder of Z-Image-Turbo lacks, as paths relative to it; empty when complete."""
    index = folder / "model_index.json"
    if not index.is_file():
        return ["model_index.json"]
    try:
        listed = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ["model_index.json (unreadable)"]
    components = sorted(name for name, value in listed.items() if not name.startswith("_") and isinstance(value, list))
    missing = [f"{name}/" for name in COMPONENT_FILES if name not in components]
    for name in components:
        missing.extend(
            f"{name}/{file}" for file in COMPONENT_FILES.get(name, ()) if not (folder / name / file).is_file()
        )
        if name in WEIGHTED_COMPONENTS:
            missing.extend(_missing_weights(folder / name))
    return missing


def _missing_weights(component: Path) -> list[str]:
    shard_indexes = list(component.glob("*.index.json")) if component.is_dir() else []
    if shard_indexes:
        missing = []
        for shard_index in shard_indexes:
            try:
                shards = set(json.loads(shard_index.read_text(encoding="utf-8"))["weight_map"].values())
            except (OSError, ValueError, KeyError):
                missing.append(f"{component.name}/{shard_index.name} (unreadable)")
                continue
            missing.extend(f"{component.name}/{shard}" for shard in sorted(shards) if not (component / shard).is_file())
        return missing
    if component.is_dir() and any(
        path.is_file() and path.name.endswith(WEIGHT_SUFFIXES) for path in component.iterdir()
    ):
        return []
    return [f"{component.name}/*.safetensors"]


def cached_snapshot(repo_id: str = MODEL_REPO_ID) -> Path | None:
    """The Hugging Face cache's snapshot of `repo_id`, if one was downloaded; never goes online."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None


def locate_weights(model_path: str | Path | None) -> Path | None:
    """The complete local folder to load: `model_path` when it holds the model, else the HF cache's copy.

    `model_path` may also be a repo id ("owner/name"), looked up in the cache only.
    """
    candidates: list[Path] = []
    repo_id = MODEL_REPO_ID
    if model_path:
        path = Path(model_path).expanduser()
        if path.exists() or _looks_like_path(str(model_path)):
            candidates.append(path)
        else:
            repo_id = str(model_path)
    snapshot = cached_snapshot(repo_id)
    if snapshot is not None:
        candidates.append(snapshot)
    return next((folder for folder in candidates if folder.is_dir() and not missing_files(folder)), None)


def weights_present(model_path: str | Path | None) -> bool:
    return locate_weights(model_path) is not None


def _looks_like_path(value: str) -> bool:
    return value.startswith((".", "/", "~")) or value.count("/") != 1
