"""A tiny Z-Image pipeline with random weights, built offline, for tests and demos.

Same `ZImagePipeline` class and the same component classes as Z-Image-Turbo (DiT transformer,
Qwen3 text encoder, Qwen2 BPE tokenizer with a chat template, KL autoencoder with 16 latent
channels and an x8 downscale, flow-matching Euler scheduler), only with small dimensions and
random weights. Its images are noise: every result it returns is labelled engine "tiny".
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch

from zimage_worker.engine.base import Engine, pick_device
from zimage_worker.engine.optimize import EngineOptions

if TYPE_CHECKING:
    from diffusers.pipelines.z_image.pipeline_z_image import ZImagePipeline
    from transformers import Qwen2Tokenizer

log = logging.getLogger(__name__)

TINY_MODEL_ID = "tiny-zimage-random"
TINY_SEED = 20251126
# Bump when the recipe below changes, so caches built by an older recipe are rebuilt.
TINY_RECIPE_VERSION = 2
CACHE_MARKER = "tiny-recipe.json"

TEXT_HIDDEN_SIZE = 32  # the transformer's caption feature size must equal this
TOKENIZER_VOCAB_SIZE = 1024
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>")
# Qwen3's template reduced to what a plain user turn needs; `enable_thinking` as Qwen3 reads it.
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}"
    "{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}"
    "{%- endif %}"
    "{%- endif %}"
)
TOKENIZER_CORPUS = (
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n",
    "<|im_start|>assistant\n<think>\n\n</think>\n\n",
    "A photo of a red fox in fresh snow at golden hour, 35mm film, shallow depth of field.",
    "Product shot of a ceramic coffee mug on a walnut table, soft window light, minimal background.",
    "Autumn sale banner with bold typography: UP TO 50% OFF, orange and navy palette, 1080x1080.",
    "Portrait of a smiling woman in a denim jacket, city street at night, neon reflections, bokeh.",
    "Flat vector illustration of a delivery drone over a small town, pastel colours, clean lines.",
    "Isometric 3D render of a cozy home office with plants, a laptop and warm lamp light.",
    "눈 덮인 숲속의 붉은 여우, 황금빛 노을, 35mm 필름 사진, 얕은 심도.",
    "가을 세일 배너: 최대 50% 할인! 굵은 글씨, 주황색과 남색 배경, 인스타그램 정사각형.",
    "나무 테이블 위의 세라믹 커피잔 제품 사진, 부드러운 창문 빛, 미니멀한 배경.",
    "한국어 마케팅 문구가 들어간 포스터, 서울 야경, 네온사인, 시네마틱 조명.",
    "봄맞이 신상품 출시 이벤트, 벚꽃, 파스텔 톤, 깔끔한 레이아웃, 고해상도.",
    "一只在雪地里的红狐狸，金色黄昏，电影感。 雪の中の赤いキツネ、夕焼け、映画のような光。",
    "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ high quality, ultra detailed, 8k, photorealistic",
)

TRANSFORMER_CONFIG: dict[str, Any] = {
    "all_patch_size": (2,),
    "all_f_patch_size": (1,),
    "in_channels": 16,
    "dim": 32,
    "n_layers": 2,
    "n_refiner_layers": 1,
    "n_heads": 1,
    "n_kv_heads": 1,
    "cap_feat_dim": TEXT_HIDDEN_SIZE,
    "axes_dims": [8, 12, 12],  # sums to the head size, dim / n_heads
    "axes_lens": [1024, 512, 512],
}
TEXT_ENCODER_CONFIG: dict[str, Any] = {
    "hidden_size": TEXT_HIDDEN_SIZE,
    "intermediate_size": 64,
    "num_hidden_layers": 2,  # the pipeline reads the second-to-last hidden state
    "num_attention_heads": 2,
    "num_key_value_heads": 1,
    "head_dim": 16,
    "max_position_embeddings": 1024,
}
VAE_CONFIG: dict[str, Any] = {
    "in_channels": 3,
    "out_channels": 3,
    "down_block_types": ("DownEncoderBlock2D",) * 4,  # four blocks: x8 downscale like the FLUX VAE
    "up_block_types": ("UpDecoderBlock2D",) * 4,
    "block_out_channels": (8, 16, 16, 16),
    "layers_per_block": 1,
    "norm_num_groups": 8,
    "latent_channels": 16,
    "scaling_factor": 0.3611,  # the FLUX VAE's latent statistics
    "shift_factor": 0.1159,
    "use_quant_conv": False,
    "use_post_quant_conv": False,
    # Attention over every latent pixel is the FLUX VAE's costliest part and adds nothing to noise.
    "mid_block_add_attention": False,
}
# Z-Image-Turbo's scheduler_config.json.
SCHEDULER_CONFIG: dict[str, Any] = {"num_train_timesteps": 1000, "shift": 3.0, "use_dynamic_shifting": False}


def build_tokenizer() -> Qwen2Tokenizer:
    """Byte-level BPE trained on the built-in corpus, with Qwen2's pre-tokenizer and a Qwen chat template."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import Qwen2Tokenizer
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    bpe = Tokenizer(models.BPE())
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=TOKENIZER_VOCAB_SIZE,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(TOKENIZER_CORPUS, trainer=trainer)
    model = json.loads(bpe.to_str())["model"]
    merges = [tuple(merge) if isinstance(merge, list) else tuple(merge.split(" ")) for merge in model["merges"]]
    return Qwen2Tokenizer(
        vocab=model["vocab"],
        merges=merges,  # type: ignore[arg-type]  # annotated list[str]; the BPE model takes pairs
        unk_token=None,  # type: ignore[arg-type]  # byte-level BPE covers every input: Qwen has no unknown token
        eos_token="<|im_end|>",  # noqa: S106
        pad_token="<|endoftext|>",  # noqa: S106
        extra_special_tokens=list(SPECIAL_TOKENS[1:]),
        chat_template=CHAT_TEMPLATE,
        model_max_length=32768,
    )


def build_tiny_pipeline(seed: int = TINY_SEED) -> ZImagePipeline:
    """Build the tiny pipeline in memory; the same seed gives the same weights and tokenizer."""
    from diffusers.models.autoencoders.autoencoder_kl import AutoencoderKL
    from diffusers.models.transformers.transformer_z_image import ZImageTransformer2DModel
    from diffusers.pipelines.z_image.pipeline_z_image import ZImagePipeline
    from diffusers.schedulers.scheduling_flow_match_euler_discrete import FlowMatchEulerDiscreteScheduler
    from transformers import Qwen3Config, Qwen3Model

    tokenizer = build_tokenizer()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        transformer = ZImageTransformer2DModel(**TRANSFORMER_CONFIG)
        text_encoder = Qwen3Model(
            Qwen3Config(
                vocab_size=len(tokenizer),
                pad_token_id=tokenizer.pad_token_id,
                eos_token_id=tokenizer.eos_token_id,
                **TEXT_ENCODER_CONFIG,
            )
        )
        vae = AutoencoderKL(**VAE_CONFIG)
    return ZImagePipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(**SCHEDULER_CONFIG),
        vae=vae,
        text_encoder=text_encoder.eval(),
        tokenizer=tokenizer,  # type: ignore[arg-type]  # annotated AutoTokenizer, any tokenizer works
        transformer=transformer.eval(),
    )


def load_tiny_pipeline(cache_dir: Path | None, seed: int = TINY_SEED) -> ZImagePipeline:
    """The tiny pipeline from `cache_dir`, building and saving it there when missing, stale or unreadable."""
    from diffusers.pipelines.z_image.pipeline_z_image import ZImagePipeline

    if cache_dir is not None and _cache_matches(cache_dir, seed):
        try:
            return ZImagePipeline.from_pretrained(cache_dir, dtype=torch.float32, local_files_only=True)
        except Exception:
            log.warning("tiny pipeline cache at %s is unreadable; rebuilding it", cache_dir, exc_info=True)
    pipeline = build_tiny_pipeline(seed)
    if cache_dir is not None:
        _save_cache(pipeline, cache_dir, seed)
    return pipeline


def _marker(seed: int) -> dict[str, int]:
    return {"recipe_version": TINY_RECIPE_VERSION, "seed": seed}


def _cache_matches(cache_dir: Path, seed: int) -> bool:
    try:
        return bool(json.loads((cache_dir / CACHE_MARKER).read_text(encoding="utf-8")) == _marker(seed))
    except (OSError, ValueError):
        return False


def _save_cache(pipeline: ZImagePipeline, cache_dir: Path, seed: int) -> None:
    """Write next to the cache, then rename into place, so no process ever reads a half-written cache."""
    staging = cache_dir.with_name(f".{cache_dir.name}.{os.getpid()}.partial")
    try:
        shutil.rmtree(staging, ignore_errors=True)
        pipeline.save_pretrained(staging, safe_serialization=True)
        (staging / CACHE_MARKER).write_text(json.dumps(_marker(seed)), encoding="utf-8")
        if cache_dir.exists() and not _cache_matches(cache_dir, seed):
            shutil.rmtree(cache_dir)
        staging.rename(cache_dir)
    except OSError:
        # Another process may have won the race, or the folder is read-only: either way we still run.
        log.warning("could not save the tiny pipeline to %s; it will be rebuilt next time", cache_dir, exc_info=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class TinyEngine(Engine):
    """Random weights, real architecture: generates noise quickly on a CPU, never a real picture."""

    name: ClassVar[str] = "tiny"

    def __init__(
        self,
        cache_dir: Path | None = None,
        device: str | torch.device | None = None,
        *,
        options: EngineOptions | None = None,
    ) -> None:
        # CPU by default: the same pixels for a seed on every machine, and no GPU needed.
        super().__init__(model_id=TINY_MODEL_ID, device=pick_device(device or "cpu"), options=options)
        self.cache_dir = cache_dir

    def _load_pipeline(self) -> ZImagePipeline:
        return load_tiny_pipeline(self.cache_dir).to(self.device)
