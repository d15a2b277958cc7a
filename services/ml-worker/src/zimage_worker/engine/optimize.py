"""Speed switches for the engine, each one either exact (the same function as plain diffusers, up to bf16
rounding) or opt-in. Measured on the full-size architecture by bench/gpu/bench.py; bench/gpu/NOTES.md
has the numbers behind every default here.

Exact switches:
- text encoder trimming: encode only the prompt's real tokens (diffusers pads every prompt to 512),
  stop after the layer whose output the pipeline reads (the last layer and the final norm are
  computed and thrown away), no KV cache;
- prompt-embedding LRU cache: a repeated prompt (or an expanded template) skips the text encoder;
- attention kernel: call cuDNN's or FlashAttention's fused kernel directly instead of letting SDPA
  choose per call (same maths, one kernel, visible to torch.compile);
- real-valued RoPE: the same rotation written with cos/sin pairs instead of complex numbers, so
  Inductor can fuse it into the surrounding kernels;
- regional torch.compile of the transformer's repeated blocks (one compiled block reused 34 times);
- tensor->image on the GPU: the same float32 arithmetic as diffusers' postprocess, then only uint8
  pixels cross to the host;
- fused projections: q/k/v as one matmul and the feed-forward's w1/w3 as one (the same weights,
  concatenated: larger matmuls fill the GPU's 132 multiprocessors in fewer partial waves);
- the VAE decoder's GroupNorm with its statistics as a compiled split reduction (PyTorch's kernel
  runs one thread block per (image, group): 32 blocks for a whole 1024² decode);
- VAE in channels_last (decoder convolutions in NHWC, cuDNN's native layout for tensor cores);
- the whole VAE decoder compiled (static shapes), instead of its GroupNorm alone.

Memory plan: which components stay on the GPU, from the card's memory (24 GB cards included).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import torch

if TYPE_CHECKING:
    from diffusers.pipelines.z_image.pipeline_z_image import ZImagePipeline
    from PIL import Image

log = logging.getLogger(__name__)

GiB = 2**30
AttentionKernel = Literal["sdpa", "cudnn", "flash"]
Fp8Scaling = Literal["row", "tensor"]
MemoryMode = Literal["resident", "offload_text_encoder"]


# --------------------------------------------------------------------------------------------------
# Options


@dataclass(frozen=True)
class EngineOptions:
    """What the engine does to go fast. `exact` options compute the same function as plain diffusers."""

    trim_text_encoder: bool = True
    prompt_cache_size: int = 64  # prompts kept (about 0.7 MB each for a 128-token prompt); 0 turns it off
    attention: AttentionKernel = "sdpa"
    real_rope: bool = True
    compile_transformer: bool = False
    fuse_projections: bool = False  # q/k/v as one matmul, w1/w3 as one matmul (same weights, concatenated)
    # Fast mode, lossy, opt-in (ZIMAGE_FAST_MODE=fp8): the blocks' matmuls in FP8. H100 (run 8): 0.600 s
    # instead of 0.835 s at 1024², latents 1.7e-2 from float32 (exact mode: 3.4e-3). Needs compute
    # capability 8.9+. Run 8 measured row-wise with fast accumulation fastest (0.600 s; row-wise without
    # it 0.625 s, tensor-wise 0.623 s: its whole-tensor amax costs a pass of its own), same error.
    fp8: bool = False
    fp8_scaling: Fp8Scaling = "row"  # "row": per token and weight row; "tensor": one scale each (cuBLAS)
    fp8_fast_accum: bool = True  # the FP8 tensor cores' own accumulator, without float32 promotion
    # Fast mode's second lossy lever: merge the first `merged_steps` + 1 steps into one. The transformer's
    # prediction at the first sigma carries the latents straight to the sigma after the merged ones, which is
    # exactly what reusing that prediction for the skipped steps gives with the Euler scheduler (the early,
    # high-noise steps are the shortest in sigma). 8 steps become 8 - merged_steps transformer evaluations.
    merged_steps: int = 0
    vae_fast_groupnorm: bool = False  # the VAE's GroupNorm as a compiled split reduction (float32 statistics)
    vae_groupnorm_static: bool = False  # compile it per shape (faster kernels, ~8 small compiles per image size)
    vae_channels_last: bool = False
    # The whole VAE decoder as one static-shape Inductor graph (its GroupNorm statistics, SiLU and
    # residuals fused, fewer launches); replaces vae_fast_groupnorm when on. One compile per image size.
    vae_compile: bool = False
    cudnn_benchmark: bool = False  # let cuDNN time its convolution algorithms per shape (the VAE)
    gpu_postprocess: bool = True
    memory_mode: MemoryMode = "resident"
    vae_tiling: bool = False
    # Replay the denoising step from CUDA graphs, one per (size, caption length) (see StepGraphs).
    cuda_graphs: bool = False
    # Sizes (width, height, num_images) generated once at start-up, so the first task of each common
    # size pays no compilation; only used when compile_transformer is on.
    warmup_sizes: tuple[tuple[int, int, int], ...] = ((1024, 1024, 1),)

    @classmethod
    def plain(cls) -> EngineOptions:
        """Plain diffusers: every switch off (the baseline the benchmark compares against)."""
        return cls(
            trim_text_encoder=False,
            prompt_cache_size=0,
            attention="sdpa",
            real_rope=False,
            compile_transformer=False,
            fuse_projections=False,
            vae_fast_groupnorm=False,
            vae_channels_last=False,
            gpu_postprocess=False,
        )

    @classmethod
    def for_device(cls, device: torch.device, total_memory: int | None = None) -> EngineOptions:
        """The defaults a worker runs with on this device (see NOTES.md for the measurements)."""
        if device.type != "cuda":
            # The CPU runs the tiny engine: only the cheap exact switches, no compilation.
            return cls(attention="sdpa", compile_transformer=False)
        if total_memory is None:
            total_memory = torch.cuda.get_device_properties(device).total_memory
        plan = plan_memory(total_memory)
        options = cls(
            attention=DEFAULT_CUDA_ATTENTION,
            compile_transformer=DEFAULT_CUDA_COMPILE,
            fuse_projections=DEFAULT_CUDA_FUSE_PROJECTIONS,
            vae_fast_groupnorm=DEFAULT_CUDA_VAE_FAST_GROUPNORM,
            vae_groupnorm_static=DEFAULT_CUDA_VAE_GROUPNORM_STATIC,
            vae_compile=DEFAULT_CUDA_VAE_COMPILE,
            vae_channels_last=DEFAULT_CUDA_VAE_CHANNELS_LAST,
            cudnn_benchmark=DEFAULT_CUDA_CUDNN_BENCHMARK,
            memory_mode=plan.mode,
            vae_tiling=plan.vae_tiling,
            warmup_sizes=DEFAULT_WARMUP_SIZES,
            cuda_graphs=DEFAULT_CUDA_GRAPHS,
        )
        return options.with_env_overrides()

    def with_env_overrides(self, environ: dict[str, str] | None = None) -> EngineOptions:
        """ZIMAGE_COMPILE=0/1, ZIMAGE_ATTENTION=sdpa|cudnn|flash, ZIMAGE_PROMPT_CACHE=N,
        ZIMAGE_MEMORY_MODE=resident|offload_text_encoder, ZIMAGE_FAST_MODE=fp8 (lossy; anything else: exact),
        ZIMAGE_FAST_MERGED_STEPS=N (fast mode only; default FAST_MODE_MERGED_STEPS)."""
        env = os.environ if environ is None else environ
        changes: dict[str, Any] = {}
        if "ZIMAGE_COMPILE" in env:
            changes["compile_transformer"] = env["ZIMAGE_COMPILE"].strip().lower() in ("1", "true", "yes", "on")
        if env.get("ZIMAGE_ATTENTION") in ("sdpa", "cudnn", "flash"):
            changes["attention"] = env["ZIMAGE_ATTENTION"]
        if env.get("ZIMAGE_PROMPT_CACHE", "").isdigit():
            changes["prompt_cache_size"] = int(env["ZIMAGE_PROMPT_CACHE"])
        if "ZIMAGE_FAST_MODE" in env:
            fast = env["ZIMAGE_FAST_MODE"].strip().lower() == "fp8"
            changes["fp8"] = fast
            changes["merged_steps"] = FAST_MODE_MERGED_STEPS if fast else 0
            merged = env.get("ZIMAGE_FAST_MERGED_STEPS", "").strip()
            if fast and merged:
                if not merged.isdigit():
                    raise ValueError(f"ZIMAGE_FAST_MERGED_STEPS must be a whole number of steps, not {merged!r}")
                changes["merged_steps"] = int(merged)
        if "ZIMAGE_CUDA_GRAPHS" in env:
            changes["cuda_graphs"] = env["ZIMAGE_CUDA_GRAPHS"].strip().lower() in ("1", "true", "yes", "on")
        if env.get("ZIMAGE_MEMORY_MODE") in ("resident", "offload_text_encoder"):
            changes["memory_mode"] = env["ZIMAGE_MEMORY_MODE"]
        return replace(self, **changes) if changes else self


# Measured defaults on Hopper (bench/gpu/NOTES.md); each is exact within bf16 rounding.
DEFAULT_CUDA_ATTENTION: AttentionKernel = "sdpa"
DEFAULT_CUDA_COMPILE = True
DEFAULT_CUDA_VAE_CHANNELS_LAST = False
DEFAULT_CUDA_FUSE_PROJECTIONS = False  # measured: no gain, eager or compiled (NOTES.md, run 2)
DEFAULT_CUDA_VAE_FAST_GROUPNORM = True
DEFAULT_CUDA_VAE_GROUPNORM_STATIC = True  # run 3: 41.5 ms vs 66.4 ms dynamic, 85.5 ms plain
DEFAULT_CUDA_VAE_COMPILE = True  # run 8 (H100): 39.3 ms vs 48.6 ms (GroupNorm alone), 92.6 ms plain
DEFAULT_CUDA_CUDNN_BENCHMARK = False
DEFAULT_CUDA_GRAPHS = False
# Fast mode merges the first two of the eight steps (H100, run 16: see NOTES.md); 0 keeps FP8 alone.
FAST_MODE_MERGED_STEPS = 1
DEFAULT_WARMUP_SIZES: tuple[tuple[int, int, int], ...] = ((1024, 1024, 1), (1024, 1024, 4), (1024, 576, 1))


# --------------------------------------------------------------------------------------------------
# Memory plan


@dataclass(frozen=True)
class MemoryPlan:
    mode: MemoryMode
    vae_tiling: bool
    reason: str


# Resident weights in bf16: transformer 11.5 GiB + text encoder 7.5 GiB + VAE 0.2 GiB = 19.2 GiB; the
# peak of a 1024² generation, 1 or 4 images, is 21.5 GiB (bench/gpu/NOTES.md, 24 GiB mode).
# Measured under a 24 GiB cap: peak 21.55 GiB allocated for 4 images at 1024². A 24 GB card reports 23.69 GiB,
# of which the CUDA context takes ~0.5 GiB: resident fits, with expandable segments against fragmentation.
RESIDENT_MIN_BYTES = 23 * GiB
WHOLE_VAE_MIN_BYTES = 32 * GiB  # below this, decode images over 1024 px a side in tiles


def plan_memory(total_bytes: int) -> MemoryPlan:
    """Where the components live on a card with `total_bytes` of memory.

    - 32 GiB and more: everything resident, whole-image VAE decode.
    - 23-32 GiB (24 GB cards such as the RTX 3090/4090): everything resident; large images decode in
      tiles (a 2048² decode would peak at 28.8 GiB).
    - under 23 GiB: the text encoder lives in host memory and visits the GPU only to encode a prompt
      that is not in the prompt cache.
    """
    if total_bytes >= WHOLE_VAE_MIN_BYTES:
        return MemoryPlan("resident", vae_tiling=False, reason=f"{total_bytes / GiB:.0f} GiB: everything resident")
    if total_bytes >= RESIDENT_MIN_BYTES:
        return MemoryPlan(
            "resident", vae_tiling=True, reason=f"{total_bytes / GiB:.1f} GiB: resident, large images decoded in tiles"
        )
    return MemoryPlan(
        "offload_text_encoder",
        vae_tiling=True,
        reason=f"{total_bytes / GiB:.1f} GiB: text encoder in host memory between prompts",
    )


# --------------------------------------------------------------------------------------------------
# Host work before the first kernel

_PINNED_CLASSES: dict[type, type] = {}


def merged_sigmas(steps: int, merged: int) -> list[float] | None:
    """The sigma schedule with steps 2..merged+1 folded into the first, or None for the pipeline's own.

    diffusers' Z-Image schedule is linspace(1, 1/steps, steps) before the scheduler's shift; dropping the
    sigmas after the first makes the first Euler step span them with the first prediction. At least two
    evaluations are kept."""
    merged = min(merged, steps - 2)
    if merged <= 0:
        return None
    sigmas = torch.linspace(1.0, 1 / steps, steps).tolist()
    return sigmas[:1] + sigmas[1 + merged :]


def pin_execution_device(pipeline: ZImagePipeline, device: torch.device) -> None:
    """Answer diffusers' `_execution_device` with the engine's device instead of looking it up.

    diffusers finds it on every call by walking every module of every component (looking for offload
    hooks), and the engine asks once more: tens of milliseconds on the full model, during which the GPU
    waits at the start of each generation. The engine never installs diffusers' offload hooks (its own
    text-encoder offload moves weights itself), so the answer is always its device. The pipeline becomes
    an instance of a subclass that differs only in this property."""
    cls = type(pipeline)
    if cls not in _PINNED_CLASSES.values():
        if cls not in _PINNED_CLASSES:
            _PINNED_CLASSES[cls] = type(
                cls.__name__,
                (cls,),
                {"_execution_device": property(lambda self: self._zimage_execution_device)},
            )
        pipeline.__class__ = _PINNED_CLASSES[cls]
    pipeline._zimage_execution_device = device


# --------------------------------------------------------------------------------------------------
# Stage timing


class StageClock:
    """Per-stage times: CUDA events on a GPU (no synchronisation until `result`), wall clock elsewhere."""

    def __init__(self, device: torch.device) -> None:
        self.cuda = device.type == "cuda"
        self._marks: list[tuple[str, Any, float]] = []
        self.mark("start")

    def mark(self, name: str) -> None:
        event = None
        if self.cuda:
            event = torch.cuda.Event(enable_timing=True)
            event.record()
        self._marks.append((name, event, time.perf_counter()))

    def result(self) -> dict[str, float]:
        """Seconds per stage (from the previous mark to this one), plus `total`."""
        if not self._marks:
            return {}
        if self.cuda:
            self._marks[-1][1].synchronize()
        out: dict[str, float] = {}
        for (_, e0, t0), (name, e1, t1) in zip(self._marks, self._marks[1:], strict=False):
            out[name] = out.get(name, 0.0) + (e0.elapsed_time(e1) / 1000 if self.cuda else t1 - t0)
        first, last = self._marks[0], self._marks[-1]
        out["total"] = first[1].elapsed_time(last[1]) / 1000 if self.cuda else last[2] - first[2]
        return out


# --------------------------------------------------------------------------------------------------
# Text encoding


class _StopEncoding(Exception):
    """Raised from a forward hook once the layer the pipeline reads has run."""


class PromptEncoder:
    """Prompt -> caption features, as `ZImagePipeline._encode_prompt` computes them, optionally trimmed and cached.

    The pipeline keeps `hidden_states[-2]` (the output of the second-to-last decoder layer) at the real
    tokens of a prompt padded to 512. Causal attention means padding never changes a real token's
    features, so encoding the real tokens alone and stopping after that layer gives the same features.
    """

    def __init__(self, pipeline: ZImagePipeline, *, trim: bool, cache_size: int) -> None:
        self.pipeline = pipeline
        self.trim = trim
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[str, int], torch.Tensor] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        # Set by the memory plan: called around a real encoding (moves the text encoder in and out).
        self.before_encode: Callable[[], None] | None = None
        self.after_encode: Callable[[], None] | None = None

    def __len__(self) -> int:
        return len(self._cache)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def encode(self, prompt: str, device: torch.device, max_sequence_length: int) -> torch.Tensor:
        """Features [tokens, hidden] of one prompt."""
        key = (prompt, max_sequence_length)
        if self.cache_size > 0:
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
                    self.hits += 1
                    return cached
        self.misses += 1
        if self.before_encode is not None:
            self.before_encode()
        try:
            if self.trim:
                features = self._encode_trimmed(prompt, device, max_sequence_length)
            else:
                features = self.pipeline._encode_prompt(
                    [prompt], device=device, max_sequence_length=max_sequence_length
                )[0]
        finally:
            if self.after_encode is not None:
                self.after_encode()
        if self.cache_size > 0:
            with self._lock:
                self._cache[key] = features
                self._cache.move_to_end(key)
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return features

    def _encode_trimmed(self, prompt: str, device: torch.device, max_sequence_length: int) -> torch.Tensor:
        pipeline = self.pipeline
        text = pipeline.tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True, enable_thinking=True
        )
        ids = pipeline.tokenizer(
            [text], padding=False, max_length=max_sequence_length, truncation=True, return_tensors="pt"
        ).input_ids.to(device)
        encoder = pipeline.text_encoder
        layers = encoder.layers
        if len(layers) < 2:  # hidden_states[-2] would be the embeddings: nothing to trim
            return pipeline._encode_prompt([prompt], device=device, max_sequence_length=max_sequence_length)[0]
        captured: dict[str, torch.Tensor] = {}

        def stop_after(_module: torch.nn.Module, _args: Any, output: Any) -> None:
            captured["hidden"] = output[0] if isinstance(output, tuple) else output
            raise _StopEncoding

        handle = layers[-2].register_forward_hook(stop_after)
        try:
            with torch.no_grad():
                encoder(input_ids=ids, use_cache=False)
        except _StopEncoding:
            pass
        finally:
            handle.remove()
        return captured["hidden"][0]


# --------------------------------------------------------------------------------------------------
# Transformer: attention kernel and real-valued RoPE


class RealRopeEmbedder:
    """Z-Image's RoPE table as real (cos, sin) pairs [..., head_dim / 2, 2] instead of complex numbers."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def __call__(self, ids: torch.Tensor) -> torch.Tensor:
        return torch.view_as_real(self.inner(ids)).contiguous()


def _rope(x: torch.Tensor, freqs: torch.Tensor) -> torch.Tensor:
    """Apply the rotation to x [B, S, H, D] in float32, as diffusers does with complex64 numbers."""
    if freqs.is_complex():
        x_c = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
        return torch.view_as_real(x_c * freqs.unsqueeze(2)).flatten(3).type_as(x)
    xf = x.float().reshape(*x.shape[:-1], -1, 2)
    x_re, x_im = xf[..., 0], xf[..., 1]
    cos, sin = freqs[..., 0].unsqueeze(2), freqs[..., 1].unsqueeze(2)
    out = torch.stack((x_re * cos - x_im * sin, x_re * sin + x_im * cos), dim=-1)
    return out.flatten(3).type_as(x)


class FastZImageAttnProcessor:
    """ZSingleStreamAttnProcessor with a chosen fused attention kernel and either RoPE form."""

    def __init__(self, kernel: AttentionKernel = "sdpa") -> None:
        self.kernel = kernel

    def __call__(
        self,
        attn: Any,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        freqs_cis: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if hasattr(attn, "to_qkv"):
            query, key, value = attn.to_qkv(hidden_states).chunk(3, dim=-1)
        else:
            query, key, value = attn.to_q(hidden_states), attn.to_k(hidden_states), attn.to_v(hidden_states)
        query = query.unflatten(-1, (attn.heads, -1))
        key = key.unflatten(-1, (attn.heads, -1))
        value = value.unflatten(-1, (attn.heads, -1))
        if attn.norm_q is not None:
            query = attn.norm_q(query)
        if attn.norm_k is not None:
            key = attn.norm_k(key)
        if freqs_cis is not None:
            query = _rope(query, freqs_cis)
            key = _rope(key, freqs_cis)
        dtype = query.dtype
        q, k, v = query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2)  # [B, H, S, D]
        out = attention(q, k, v, attention_mask, self.kernel)
        out = out.transpose(1, 2).flatten(2, 3).to(dtype)
        out = attn.to_out[0](out)
        if len(attn.to_out) > 1:
            out = attn.to_out[1](out)
        return out


def attention(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | None, kernel: AttentionKernel
) -> torch.Tensor:
    """softmax(q k^T / sqrt(d)) v over [B, H, S, D]; a boolean key mask [B, S] keeps SDPA's own choice."""
    if mask is not None:
        if mask.ndim == 2:
            mask = mask[:, None, None, :]
        return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    if kernel == "cudnn" and q.is_cuda:
        return torch.ops.aten._scaled_dot_product_cudnn_attention(q, k, v, None, False, 0.0, False, False)[0]
    if kernel == "flash" and q.is_cuda:
        return torch.ops.aten._scaled_dot_product_flash_attention(q, k, v, 0.0, False, False)[0]
    return torch.nn.functional.scaled_dot_product_attention(q, k, v)


def attention_kernel_works(kernel: AttentionKernel, device: torch.device, dtype: torch.dtype, head_dim: int) -> bool:
    """Whether `kernel` runs here and matches plain SDPA; a kernel this card or build lacks falls back."""
    if kernel == "sdpa":
        return True
    if device.type != "cuda":
        return False
    try:
        gen = torch.Generator(device=device).manual_seed(0)
        q, k, v = (torch.randn(1, 2, 256, head_dim, device=device, dtype=dtype, generator=gen) for _ in range(3))
        got = attention(q, k, v, None, kernel).float()
        ref = torch.nn.functional.scaled_dot_product_attention(q.float(), k.float(), v.float())
        err = ((got - ref).norm() / ref.norm()).item()
        return bool(err < 2e-2)
    except Exception as exc:  # a missing kernel raises at the first call
        log.warning("attention kernel %s unavailable here (%s); using SDPA", kernel, exc)
        return False


def _fused_linear(parts: list[torch.nn.Linear]) -> torch.nn.Linear:
    """One Linear whose weight is the parts' weights stacked; the parts' weights become views into it,
    so memory stays the same and the parts still compute what they did."""
    weight = torch.cat([p.weight.detach() for p in parts], dim=0)
    fused = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=False, device="meta")
    fused.weight = torch.nn.Parameter(weight, requires_grad=False)
    start = 0
    for p in parts:
        rows = p.weight.shape[0]
        p.weight = torch.nn.Parameter(weight[start : start + rows], requires_grad=False)
        start += rows
    return fused


class FusedFeedForward(torch.nn.Module):
    """Z-Image's SwiGLU feed-forward with w1 and w3 as one matmul: w2(silu(x w1) * (x w3))."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, up = self.w13(x).chunk(2, dim=-1)  # type: ignore[operator]
        return self.w2(torch.nn.functional.silu(gate) * up)  # type: ignore[operator]


def fuse_projections(transformer: Any) -> int:
    """Fuse q/k/v and w1/w3 of every block (bias-free, so concatenation is exact). Returns blocks fused."""
    from diffusers.models.attention_processor import Attention

    count = 0
    for module in transformer.modules():
        if isinstance(module, Attention) and not hasattr(module, "to_qkv") and module.to_q.bias is None:
            module.to_qkv = _fused_linear([module.to_q, module.to_k, module.to_v])
            count += 1
        elif type(module).__name__ == "FeedForward" and hasattr(module, "w3") and not hasattr(module, "w13"):
            module.w13 = _fused_linear([module.w1, module.w3])
            module.__class__ = _fused_class(type(module))
    return count


_FUSED_CLASSES: dict[type, type] = {}


def _fused_class(cls: type) -> type:
    """One fused subclass per original class (torch.compile guards on the class: one per block would recompile)."""
    if cls not in _FUSED_CLASSES:
        _FUSED_CLASSES[cls] = type(f"Fused{cls.__name__}", (FusedFeedForward, cls), {})
    return _FUSED_CLASSES[cls]


# --------------------------------------------------------------------------------------------------
# Fast mode (opt-in, lossy): FP8 matmuls


FP8_MAX = 448.0  # largest float8_e4m3fn


def _fp8_scale(x: torch.Tensor, scaling: Fp8Scaling) -> torch.Tensor:
    """float32 scale mapping x's range onto e4m3's: per row [R, 1], or one for the whole tensor [1, 1]."""
    amax = x.abs().amax(dim=1, keepdim=True) if scaling == "row" else x.abs().amax().reshape(1, 1)
    return amax.float().clamp(min=1e-12) / FP8_MAX


class Fp8Linear(torch.nn.Module):
    """A bias-free Linear in FP8 (e4m3) through `torch._scaled_mm`, bf16 out. Lossy: the benchmark reports
    its deviation from exact mode.

    scaling "row": weights scaled per output row, activations per token (CUTLASS's row-wise kernel);
    "tensor": one scale per weight and one per activation tensor (cuBLAS's FP8 kernel). Scales are
    computed from the data (dynamic). fast_accum: accumulate in the tensor cores' reduced-precision
    FP8 accumulator instead of promoting to float32 every few steps (faster, a little less precise).
    keep_source keeps the bf16 Linear so `restore_linears` can undo the swap (the benchmark compares
    variants in one process; the worker drops it to save the memory)."""

    def __init__(
        self,
        linear: torch.nn.Linear,
        scaling: Fp8Scaling = "row",
        fast_accum: bool = False,
        keep_source: bool = False,
    ) -> None:
        super().__init__()
        weight = linear.weight.detach()
        scale = _fp8_scale(weight, scaling)
        self.weight_fp8 = torch.nn.Parameter((weight.float() / scale).to(torch.float8_e4m3fn), requires_grad=False)
        self.weight_scale: torch.Tensor
        self.register_buffer("weight_scale", scale.reshape(1, -1).contiguous())
        self.out_features = weight.shape[0]
        self.scaling: Fp8Scaling = scaling
        self.fast_accum = fast_accum
        self.source: list[torch.nn.Linear] = [linear] if keep_source else []  # a list: no submodule

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        x2 = x.reshape(-1, shape[-1])
        x_scale = _fp8_scale(x2, self.scaling)
        x_fp8 = (x2.float() / x_scale).to(torch.float8_e4m3fn)
        out = torch._scaled_mm(
            x_fp8,
            self.weight_fp8.t(),
            scale_a=x_scale,
            scale_b=self.weight_scale,
            out_dtype=x.dtype,
            use_fast_accum=self.fast_accum,
        )
        return out.reshape(*shape[:-1], self.out_features)


FP8_LINEAR_NAMES = ("to_q", "to_k", "to_v", "to_qkv", "w1", "w2", "w3", "w13")


def _block_linears(transformer: Any) -> list[tuple[torch.nn.Module, str, torch.nn.Module]]:
    """(parent, name, child) for the big bias-free matmuls of every block (q/k/v or fused qkv, the
    attention output, w1/w2/w3 or w13), whether still bf16 or already FP8."""
    found = []
    for block in list(transformer.modules()):
        if type(block).__name__ != "ZImageTransformerBlock":
            continue
        for parent in list(block.modules()):
            for name, child in list(parent.named_children()):
                is_out = name == "0" and type(parent).__name__ == "ModuleList"
                linear = isinstance(child, torch.nn.Linear) and child.bias is None
                if (linear or isinstance(child, Fp8Linear)) and (name in FP8_LINEAR_NAMES or is_out):
                    found.append((parent, name, child))
    return found


def use_fp8(transformer: Any, scaling: Fp8Scaling = "row", fast_accum: bool = False, keep_source: bool = False) -> int:
    """Put the big matmuls of every block in FP8; returns how many. Already-FP8 layers that kept their
    source are re-quantized with the new variant."""
    count = 0
    for parent, name, child in _block_linears(transformer):
        if isinstance(child, Fp8Linear):
            if not child.source:
                continue
            source = child.source[0]
        else:
            assert isinstance(child, torch.nn.Linear)
            source = child
        setattr(parent, name, Fp8Linear(source, scaling, fast_accum, keep_source))
        count += 1
    return count


def restore_linears(transformer: Any) -> int:
    """Undo `use_fp8(keep_source=True)`: the original bf16 Linears back in place; returns how many."""
    count = 0
    for parent, name, child in _block_linears(transformer):
        if isinstance(child, Fp8Linear) and child.source:
            setattr(parent, name, child.source[0])
            count += 1
    return count


def apply_transformer_options(pipeline: ZImagePipeline, options: EngineOptions) -> dict[str, Any]:
    """Install the attention processor, RoPE form and regional compilation; returns what was applied."""
    from diffusers.models.attention_processor import Attention

    transformer = pipeline.transformer
    applied: dict[str, Any] = {}
    kernel = options.attention
    head_dim = transformer.config.dim // transformer.config.n_heads
    if not attention_kernel_works(kernel, transformer.device, transformer.dtype, head_dim):
        kernel = "sdpa"
    processor = FastZImageAttnProcessor(kernel)
    count = 0
    for module in transformer.modules():
        if isinstance(module, Attention):
            module.set_processor(processor)  # type: ignore[arg-type]
            count += 1
    applied["attention"] = kernel
    applied["attention_modules"] = count
    if options.real_rope and not isinstance(transformer.rope_embedder, RealRopeEmbedder):
        transformer.rope_embedder = RealRopeEmbedder(transformer.rope_embedder)
    applied["real_rope"] = isinstance(transformer.rope_embedder, RealRopeEmbedder)
    if options.fuse_projections:
        applied["fused_attention_modules"] = fuse_projections(transformer)
    if options.fp8:
        if transformer.device.type == "cuda" and torch.cuda.get_device_capability(transformer.device) >= (8, 9):
            applied["fp8_linears"] = use_fp8(transformer, options.fp8_scaling, options.fp8_fast_accum)
            applied["fp8_variant"] = f"{options.fp8_scaling}{'+fast_accum' if options.fp8_fast_accum else ''}"
        else:
            log.warning("FP8 needs a CUDA card of compute capability 8.9 or newer; the matmuls stay in bf16")
    if options.compile_transformer:
        from torch import _dynamo

        # Prompt lengths and image sizes vary; let shapes go dynamic instead of running out of recompiles.
        _dynamo.config.cache_size_limit = max(_dynamo.config.cache_size_limit, 64)
        if hasattr(_dynamo.config, "recompile_limit"):
            _dynamo.config.recompile_limit = max(_dynamo.config.recompile_limit, 64)
        transformer.compile_repeated_blocks(fullgraph=True)
        applied["compiled"] = "repeated blocks, fullgraph"
    graphs = use_step_graphs(pipeline, options.cuda_graphs)
    applied["cuda_graphs"] = graphs is not None
    return applied


# --------------------------------------------------------------------------------------------------
# CUDA graphs for the denoising step


class StepGraphs:
    """Replays the transformer's forward (one denoising step) from CUDA graphs: the ~1,000 kernel launches
    of a step become one, so the GPU no longer waits on the Python that launches them.

    A graph holds fixed shapes, so there is one per (latent shapes, caption lengths): the first step of a
    new key runs normally (compiling if it must), the second captures, later steps replay. The progress
    and cancel callbacks run between steps, outside the graphs. All graphs share one memory pool (they
    never run at once, and each step's output is consumed before the next replay), and the least recently
    used graph is dropped beyond `max_graphs`. Exact: the same kernels on the same inputs."""

    def __init__(self, transformer: Any, max_graphs: int = 32) -> None:
        self.transformer = transformer
        self.forward = transformer.forward  # the module's own (bound) forward
        self.max_graphs = max_graphs
        self.graphs: OrderedDict[tuple[Any, ...], tuple[Any, list[torch.Tensor], torch.Tensor, list[torch.Tensor], Any]]
        self.graphs = OrderedDict()
        self.seen: set[tuple[Any, ...]] = set()
        self.failed: set[tuple[Any, ...]] = set()
        self.captures = 0
        self.replays = 0
        self.pool: Any = None

    def install(self) -> None:
        self.transformer.forward = self

    def uninstall(self) -> None:
        if self.transformer.__dict__.get("forward") is self:
            del self.transformer.forward
        self.graphs.clear()

    @staticmethod
    def _key(x: Any, t: torch.Tensor, cap: Any) -> tuple[Any, ...] | None:
        if not (isinstance(x, list) and isinstance(cap, list)) or not x or isinstance(x[0], list):
            return None  # omni mode and other callers: not graphed
        if not x[0].is_cuda:
            return None
        return (
            tuple((tuple(xi.shape), xi.dtype) for xi in x),
            tuple((tuple(ci.shape), ci.dtype) for ci in cap),
            tuple(t.shape),
            t.dtype,
        )

    def __call__(self, x: Any, t: Any, cap_feats: Any, return_dict: bool = True, **kwargs: Any) -> Any:
        extra = {k: v for k, v in kwargs.items() if v is not None}
        key = None if extra or not torch.is_tensor(t) else self._key(x, t, cap_feats)
        if key is None or key in self.failed or torch.is_grad_enabled():
            return self.forward(x, t, cap_feats, return_dict=return_dict, **kwargs)
        if key not in self.graphs:
            if key not in self.seen:  # first sight: run (and compile) normally
                self.seen.add(key)
                return self.forward(x, t, cap_feats, return_dict=return_dict, **kwargs)
            try:
                self._capture(key, x, t, cap_feats)
            except Exception:
                log.exception("CUDA graph capture failed for %s; this shape runs without graphs", key)
                self.failed.add(key)
                return self.forward(x, t, cap_feats, return_dict=return_dict, **kwargs)
        graph, static_x, static_t, static_cap, out = self.graphs[key]
        self.graphs.move_to_end(key)
        for dst, src in zip(static_x, x, strict=True):
            dst.copy_(src)
        static_t.copy_(t)
        for dst, src in zip(static_cap, cap_feats, strict=True):
            dst.copy_(src)
        graph.replay()
        self.replays += 1
        return out if not return_dict else _output(out)

    def _capture(self, key: tuple[Any, ...], x: list[torch.Tensor], t: torch.Tensor, cap: list[torch.Tensor]) -> None:
        if self.pool is None:
            self.pool = torch.cuda.graph_pool_handle()
        static_x = [xi.clone() for xi in x]
        static_t = t.clone()
        static_cap = [ci.clone() for ci in cap]
        torch.cuda.synchronize()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph, pool=self.pool):
            out = self.forward(static_x, static_t, static_cap, return_dict=False)
        self.graphs[key] = (graph, static_x, static_t, static_cap, out)
        self.captures += 1
        while len(self.graphs) > self.max_graphs:
            self.graphs.popitem(last=False)


def _output(out: Any) -> Any:
    from diffusers.models.modeling_outputs import Transformer2DModelOutput

    return Transformer2DModelOutput(sample=out[0])


def use_step_graphs(pipeline: ZImagePipeline, enabled: bool = True) -> StepGraphs | None:
    """Install (or remove) CUDA-graph replay of the denoising step on a CUDA pipeline."""
    transformer = pipeline.transformer
    current = transformer.__dict__.get("forward")
    if isinstance(current, StepGraphs):
        if enabled:
            return current
        current.uninstall()
        return None
    if not enabled or transformer.device.type != "cuda":
        return None
    graphs = StepGraphs(transformer)
    graphs.install()
    return graphs


# --------------------------------------------------------------------------------------------------
# VAE and tensor -> image


def group_norm(x: torch.Tensor, num_groups: int, weight: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
    """GroupNorm with float32 statistics, as PyTorch's kernel computes it. PyTorch's CUDA kernel gives
    each (image, group) row one thread block: 32 blocks for a 1024² decode, a few percent of the GPU.
    Compiled, the statistics become a split reduction over the whole GPU."""
    shape = x.shape
    xf = x.float().reshape(shape[0], num_groups, -1)
    var, mean = torch.var_mean(xf, dim=-1, keepdim=True, correction=0)
    y = ((xf - mean) * torch.rsqrt(var + eps)).reshape(shape)
    affine = (1, shape[1]) + (1,) * (len(shape) - 2)
    return (y * weight.float().reshape(affine) + bias.float().reshape(affine)).to(x.dtype)


_compiled_group_norm: dict[bool, Any] = {}
_group_norm_static = False


class FastGroupNorm(torch.nn.GroupNorm):
    """A GroupNorm whose forward is the compiled `group_norm` (set by `use_fast_group_norm`)."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        static = _group_norm_static
        if static not in _compiled_group_norm:
            _compiled_group_norm[static] = torch.compile(group_norm, dynamic=not static)
        out: torch.Tensor = _compiled_group_norm[static](input, self.num_groups, self.weight, self.bias, self.eps)
        return out


def use_fast_group_norm(module: torch.nn.Module, enabled: bool = True, static: bool = False) -> int:
    """Switch every affine GroupNorm under `module` to the compiled one (or back); returns how many."""
    import torch._dynamo

    global _group_norm_static
    _group_norm_static = static
    # One decode meets ~8 (channels, size) pairs per image size: room for the common sizes when static.
    torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, 128)
    if hasattr(torch._dynamo.config, "recompile_limit"):
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 128)
    count = 0
    for sub in module.modules():
        if enabled and type(sub) is torch.nn.GroupNorm and sub.affine:
            sub.__class__ = FastGroupNorm
            count += 1
        elif not enabled and type(sub) is FastGroupNorm:
            sub.__class__ = torch.nn.GroupNorm  # type: ignore[assignment]
            count += 1
    return count


def apply_vae_options(pipeline: ZImagePipeline, options: EngineOptions) -> dict[str, Any]:
    vae = pipeline.vae
    applied: dict[str, Any] = {}
    if options.vae_compile and vae.device.type == "cuda":
        use_fast_group_norm(vae.decoder, False)
        vae.decoder.compile(dynamic=False)
        applied["compiled_decoder"] = True
    elif options.vae_fast_groupnorm and vae.device.type == "cuda":
        applied["fast_groupnorm"] = use_fast_group_norm(vae.decoder, static=options.vae_groupnorm_static)
    if options.vae_channels_last:
        vae.to(memory_format=torch.channels_last)
        applied["channels_last"] = True
    if options.cudnn_benchmark and vae.device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        applied["cudnn_benchmark"] = True
    if options.vae_tiling:
        vae.enable_tiling()
        applied["tiling"] = True
    return applied


def decode_latents(pipeline: ZImagePipeline, latents: torch.Tensor, channels_last: bool = False) -> torch.Tensor:
    """The pipeline's own decode: unscale, unshift, VAE decode; returns [B, 3, H, W] in [-1, 1] (VAE dtype)."""
    vae = pipeline.vae
    latents = latents.to(vae.dtype)
    latents = (latents / vae.config.scaling_factor) + vae.config.shift_factor
    if channels_last:
        latents = latents.contiguous(memory_format=torch.channels_last)
    return vae.decode(latents, return_dict=False)[0]


def images_to_uint8(images: torch.Tensor) -> torch.Tensor:
    """diffusers' postprocess arithmetic on the device: denormalise in the VAE dtype, then *255 and
    round half-to-even in float32 (numpy's `round`), to uint8 [B, H, W, 3]."""
    x = (images * 0.5 + 0.5).clamp(0, 1)
    return (x.float() * 255).round().to(torch.uint8).permute(0, 2, 3, 1).contiguous()


def to_pil(images: torch.Tensor, gpu: bool, pipeline: ZImagePipeline) -> list[Image.Image]:
    from PIL import Image

    if not gpu:
        return list(pipeline.image_processor.postprocess(images, output_type="pil"))
    pixels = images_to_uint8(images).cpu().numpy()
    return [Image.fromarray(p) for p in pixels]


# --------------------------------------------------------------------------------------------------
# Memory modes


class TextEncoderOffload:
    """Keeps the text encoder's weights in pinned host memory; they visit the GPU only while an uncached
    prompt is encoded. Pinned copies make the visit one fast host-to-device copy, and leaving costs
    nothing (the GPU copy is dropped: the weights never change)."""

    def __init__(self, pipeline: ZImagePipeline, device: torch.device) -> None:
        self.pipeline = pipeline
        self.device = device
        self.moves = 0
        self._host: list[tuple[torch.Tensor, torch.Tensor]] = []

    def install(self, encoder: PromptEncoder) -> None:
        module = self.pipeline.text_encoder
        tensors = [p for p in module.parameters()] + [b for b in module.buffers()]
        seen: set[int] = set()
        for tensor in tensors:
            if id(tensor) in seen:
                continue
            seen.add(id(tensor))
            host = tensor.data.to("cpu")
            if self.device.type == "cuda":
                host = host.pin_memory()
            self._host.append((tensor, host))
            tensor.data = host
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        encoder.before_encode = self.bring_in
        encoder.after_encode = self.send_out

    def bring_in(self) -> None:
        for tensor, host in self._host:
            tensor.data = host.to(self.device, non_blocking=True)
        self.moves += 1

    def send_out(self) -> None:
        for tensor, host in self._host:
            tensor.data = host

    def uninstall(self, encoder: PromptEncoder) -> None:
        self.bring_in()
        self._host.clear()
        encoder.before_encode = encoder.after_encode = None


def uncompile_transformer(pipeline: ZImagePipeline) -> None:
    """Undo compile_repeated_blocks and the compiled VAE decoder (both run eagerly again): the fallback
    when compilation fails."""
    use_step_graphs(pipeline, False)
    for module in [*pipeline.transformer.modules(), pipeline.vae.decoder]:
        if getattr(module, "_compiled_call_impl", None) is not None:
            module._compiled_call_impl = None
