#!/usr/bin/env python3
"""GPU benchmark of the Z-Image worker: plain diffusers vs the worker's engine, in one run.

Builds the full-size Z-Image-Turbo architecture (transformer default config, Qwen3-4B text encoder,
FLUX VAE) with random bf16 weights directly on the GPU (speed does not depend on weight values), then:

  baseline   plain diffusers ZImagePipeline, bf16, default attention, eager (1024², 1024x576, 1088²)
  levers     text encoder trimmed/cached, attention kernels, VAE layouts, one at a time
  ours       the worker's real ZImageTurboEngine (the object the Celery task calls) with its defaults
  exactness  same seeds -> latents relative error against the baseline
  profile    GPU time per kernel class (torch.profiler)
  e2e        the real Runner against a local object store and a fake image-service client:
             task start -> PNG stored, and a 30-task queue sequential vs overlapped (GPU idle share)
  mem24      the process capped at 24 GiB (set_per_process_memory_fraction): 1 and 4 images at 1024²
  startup    worker ready (build + optimise + warm-up) cold, then again in a fresh process with the
             compile cache that the first one wrote

Writes JSON (and prints a table) to --out. `--tiny` runs every phase on the CPU with the tiny pipeline
(a check that the harness works, not a measurement).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import types
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "libs/common/src"), str(REPO / "services/ml-worker/src")]

import torch  # noqa: E402
from device_shims import shim_errors  # noqa: E402 - bench/gpu is the script's folder

shim_errors()

GiB = 2**30
LAT0_FILE = Path(tempfile.gettempdir()) / "zimage_ours_lat0.pt"  # the parent's latents, for the tuning child
T0 = time.perf_counter()
R: dict[str, Any] = {}
OUT = Path(".")
TINY = False


def log(*args: Any) -> None:
    print(f"[{time.perf_counter() - T0:6.1f}s]", *args, flush=True)


def save() -> None:
    (OUT / "gpu_bench.json").write_text(json.dumps(R, indent=1, default=str))


def med(xs: list[float]) -> float:
    return float(statistics.median(xs)) if xs else float("nan")


def sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def peak_gib() -> float:
    return round(torch.cuda.max_memory_allocated() / GiB, 2) if torch.cuda.is_available() else 0.0


def reset_peak() -> None:
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach().double(), b.detach().double()
    return float((a - b).norm() / b.norm())


# ------------------------------------------------------------------------------------------------
# Model


def build_pipeline(tiny: bool, device: torch.device) -> Any:
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, ZImagePipeline, ZImageTransformer2DModel
    from transformers import Qwen3Config, Qwen3Model
    from zimage_worker.engine.tiny import SCHEDULER_CONFIG, build_tiny_pipeline, build_tokenizer

    if tiny:
        return build_tiny_pipeline().to(device)
    torch.manual_seed(0)
    with torch.device(device):  # weights are created on the GPU, never on the CPU
        transformer = ZImageTransformer2DModel(axes_lens=[1536, 512, 512]).to(torch.bfloat16).eval()
        text_encoder = (
            Qwen3Model(
                Qwen3Config(
                    vocab_size=151936,
                    hidden_size=2560,
                    intermediate_size=9728,
                    num_hidden_layers=36,
                    num_attention_heads=32,
                    num_key_value_heads=8,
                    head_dim=128,
                    max_position_embeddings=40960,
                    rope_theta=1000000,
                    rms_norm_eps=1e-6,
                    tie_word_embeddings=True,
                )
            )
            .to(torch.bfloat16)
            .eval()
        )
        vae = (
            AutoencoderKL(
                down_block_types=("DownEncoderBlock2D",) * 4,
                up_block_types=("UpDecoderBlock2D",) * 4,
                block_out_channels=(128, 256, 512, 512),
                layers_per_block=2,
                latent_channels=16,
                sample_size=1024,
                scaling_factor=0.3611,
                shift_factor=0.1159,
                use_quant_conv=False,
                use_post_quant_conv=False,
            )
            .to(torch.bfloat16)
            .eval()
        )
    return ZImagePipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(**SCHEDULER_CONFIG),
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=build_tokenizer(),
        transformer=transformer,
    )


PROMPT_WORDS = (
    "A cinematic photo of a red fox in fresh snow at golden hour, 35mm film, shallow depth of field, "
    "soft window light, neon reflections, bokeh, autumn sale banner with bold typography, orange and navy "
    "palette, 눈 덮인 숲속의 붉은 여우, 황금빛 노을, 고해상도, high quality, ultra detailed, photorealistic"
)


def make_prompt(tokenizer: Any, target: int) -> tuple[str, int]:
    """A prompt whose chat-templated form is `target` tokens or just under (the issue's 128-token caption)."""
    words = PROMPT_WORDS.split()

    def count(text: str) -> int:
        templated = tokenizer.apply_chat_template(
            [{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True, enable_thinking=True
        )
        return len(tokenizer(templated).input_ids)

    best = ""
    for n in range(1, 400):
        text = " ".join(words[i % len(words)] for i in range(n))
        if count(text) > target:
            break
        best = text
    return best, count(best)


def flops(pipe: Any, width: int, height: int, cap_tokens: int, batch: int) -> dict[str, float]:
    """Matmul FLOPs of one DiT forward (and of the text encoder), counted from the configs."""
    cfg = pipe.transformer.config
    dim = cfg.dim
    hidden = int(dim / 3 * 8)
    lin = 2 * (4 * dim * dim + 3 * dim * hidden)  # per token per block: q, k, v, o + w1, w2, w3
    img = (height // 16) * (width // 16)
    cap = -(-cap_tokens // 32) * 32  # the transformer pads captions to a multiple of 32

    def blocks(n: int, s: int) -> float:
        return n * (s * lin + 4 * s * s * dim)

    step = blocks(cfg.n_layers, img + cap) + blocks(cfg.n_refiner_layers, img) + blocks(cfg.n_refiner_layers, cap)
    te = pipe.text_encoder.config
    te_params = sum(p.numel() for n, p in pipe.text_encoder.named_parameters() if "embed" not in n)
    return {
        "dit_step_tflop": batch * step / 1e12,
        "text_encoder_tflop_512": 2 * te_params * 512 / 1e12,
        "text_encoder_tflop_real": 2
        * te_params
        * cap_tokens
        * (te.num_hidden_layers - 1)
        / te.num_hidden_layers
        / 1e12,
    }


# ------------------------------------------------------------------------------------------------
# Baseline: plain diffusers, per stage


class PlainStages:
    """Marks stage boundaries inside a plain pipeline call by wrapping encode_prompt and vae.decode."""

    def __init__(self, pipe: Any) -> None:
        from zimage_worker.engine.optimize import StageClock

        self.pipe = pipe
        self.clock_cls = StageClock
        self.clock: Any = None
        enc, dec = pipe.encode_prompt, pipe.vae.decode

        def encode_prompt(*a: Any, **k: Any) -> Any:
            out = enc(*a, **k)
            self.clock.mark("text_encode")
            return out

        def decode(*a: Any, **k: Any) -> Any:
            self.clock.mark("denoise")
            out = dec(*a, **k)
            self.clock.mark("vae_decode")
            return out

        pipe.encode_prompt, pipe.vae.decode = encode_prompt, decode

    def remove(self) -> None:
        del self.pipe.encode_prompt
        del self.pipe.vae.decode

    def run(self, prompt: str, w: int, h: int, steps: int, seeds: list[int], output_type: str = "pil") -> Any:
        self.clock = self.clock_cls(self.pipe._execution_device)
        gens = [torch.Generator("cpu").manual_seed(s) for s in seeds]
        out = self.pipe(
            prompt=prompt,
            height=h,
            width=w,
            num_inference_steps=steps,
            guidance_scale=0.0,
            num_images_per_prompt=len(seeds),
            generator=gens,
            max_sequence_length=512,
            output_type=output_type,
        ).images
        self.clock.mark("to_image")
        return out, self.clock.result()


def summarize(runs: list[dict[str, float]], wall: list[float]) -> dict[str, Any]:
    keys = [k for k in ("text_encode", "denoise", "vae_decode", "to_image", "total") if any(k in r for r in runs)]
    out: dict[str, Any] = {k: round(med([r.get(k, 0.0) for r in runs]), 4) for k in keys}
    out["gpu_prompt_to_decoded"] = round(
        med([r.get("text_encode", 0) + r.get("denoise", 0) + r.get("vae_decode", 0) for r in runs]), 4
    )
    out["wall"] = round(med(wall), 4)
    out["reps"] = len(runs)
    out["spread_total"] = [
        round(min(r.get("total", 0) for r in runs), 4),
        round(max(r.get("total", 0) for r in runs), 4),
    ]
    return out


# ------------------------------------------------------------------------------------------------
# Runner: fake image-service client and a local object store


def object_store(root: Path) -> Any:
    try:
        from zimage_common.objects import LocalObjectStore

        store = LocalObjectStore(root, signing_secret="bench", public_base_url="http://bench")  # noqa: S106
        return store, "LocalObjectStore"
    except ImportError:  # fastapi/sqlalchemy are not on the GPU machine: same file writes, no routes
        shim = types.ModuleType("zimage_common.objects")

        class ObjectStore:
            pass

        class FolderStore(ObjectStore):
            def __init__(self, root: Path) -> None:
                self.root = root

            def _write(self, key: str, data: bytes) -> None:
                path = self.root / key
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
                tmp.write_bytes(data)
                os.replace(tmp, path)

            async def put(self, key: str, data: bytes, content_type: str) -> None:
                await asyncio.to_thread(self._write, key, data)

        shim.ObjectStore = ObjectStore  # type: ignore[attr-defined]
        sys.modules["zimage_common.objects"] = shim
        return FolderStore(
            root
        ), "folder shim (LocalObjectStore's write-then-rename; zimage_common.objects needs fastapi)"


class FakeImageService:
    """Answers the Runner like image-service would, and records when each task completed."""

    def __init__(self) -> None:
        self.tasks: dict[str, Any] = {}
        self.completed: dict[str, float] = {}
        self.reports: dict[str, Any] = {}
        self.lock = threading.Lock()

    def add(self, prompt: str, w: int, h: int, n: int, seed: int) -> str:
        from zimage_worker.image_service import ClaimedTask

        tid = uuid.uuid4()
        self.tasks[str(tid)] = ClaimedTask(
            task_id=tid,
            user_id=uuid.UUID(int=7),
            attempt=1,
            prompt=prompt,
            negative_prompt=None,
            width=w,
            height=h,
            generation_width=w,
            generation_height=h,
            num_images=n,
            seed=seed,
            steps=8,
            guidance_scale=0.0,
            lease_seconds=60.0,
        )
        return str(tid)

    def claim(self, task_id: str, worker: str) -> Any:
        return self.tasks[task_id]

    def heartbeat(self, task: Any, step: int | None = None, total: int | None = None) -> bool:
        return False

    def complete(self, task: Any, **kw: Any) -> None:
        with self.lock:
            self.completed[str(task.task_id)] = time.perf_counter()
            self.reports[str(task.task_id)] = kw

    def fail(self, task: Any, error: str, **kw: Any) -> None:
        raise RuntimeError(f"task failed: {error}")

    def canceled(self, task: Any) -> None:
        pass

    def close(self) -> None:
        pass


# ------------------------------------------------------------------------------------------------
# Profile


KERNEL_CLASSES = (
    ("attention", ("flash", "fmha", "sdpa", "attention", "attn")),
    ("gemm", ("gemm", "nvjet", "cutlass", "xmma_gemm", "sm90_xmma", "cublas", "matmul")),
    ("conv", ("conv", "fprop", "dgrad", "implicit", "winograd", "xmma")),
    ("triton_fused", ("triton",)),
    ("norm", ("norm",)),
    ("copy_cat", ("copy", "memcpy", "cat", "memset")),
    ("elementwise_reduce", ("elementwise", "vectorized", "reduce", "unrolled")),
)


def classify(name: str) -> str:
    low = name.lower()
    for cls, keys in KERNEL_CLASSES:
        if any(k in low for k in keys):
            return cls
    return "other"


def profile(fn: Any) -> dict[str, Any]:
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as tprofile

    with tprofile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        fn()
        sync()
    rows = []
    for ev in prof.key_averages():
        t = getattr(ev, "self_device_time_total", None)
        if t is None:
            t = getattr(ev, "self_cuda_time_total", 0)
        if t and getattr(ev, "device_type", None) is not None and "CUDA" in str(ev.device_type):
            rows.append((ev.key, t / 1e6, ev.count))
    if not rows:  # older attribute layout: keep everything with device time
        for ev in prof.key_averages():
            t = getattr(ev, "self_device_time_total", 0) or getattr(ev, "self_cuda_time_total", 0)
            if t:
                rows.append((ev.key, t / 1e6, ev.count))
    rows.sort(key=lambda r: -r[1])
    classes: dict[str, float] = {}
    for name, t, _ in rows:
        c = classify(name)
        classes[c] = classes.get(c, 0.0) + t
    total = sum(classes.values())
    return {
        "device_seconds": round(total, 4),
        "by_class": {
            k: {"s": round(v, 4), "share": round(v / total, 3)}
            for k, v in sorted(classes.items(), key=lambda kv: -kv[1])
        },
        "top": [{"kernel": n[:120], "s": round(t, 4), "calls": c, "class": classify(n)} for n, t, c in rows[:25]],
    }


def gaps(fn: Any) -> dict[str, Any]:
    """Where the GPU waits: a kernel-only trace (little overhead) of one call, the idle time between
    consecutive kernels, and the largest gaps with the kernels on either side."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as tprofile

    sync()
    with tprofile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        sync()
    spans = sorted(
        (ev.time_range.start, ev.time_range.end, ev.name)
        for ev in prof.events()
        if getattr(ev, "device_type", None) is not None and "CUDA" in str(ev.device_type) and ev.time_range.end
    )
    if not spans:
        return {"error": "no device events"}
    idle, end, name = [], spans[0][1], spans[0][2]
    for start, stop, kernel in spans[1:]:
        if start > end:
            idle.append((start - end, name, kernel))
        if stop > end:
            end, name = stop, kernel
    total = sum(g for g, _, _ in idle)
    window = end - spans[0][0]
    idle.sort(key=lambda g: -g[0])
    return {
        "window_ms": round(window / 1e3, 2),
        "idle_ms": round(total / 1e3, 2),
        "idle_share": round(total / window, 4) if window else None,
        "gaps_over_100us": sum(1 for g, _, _ in idle if g > 100),
        "idle_in_gaps_over_100us_ms": round(sum(g for g, _, _ in idle if g > 100) / 1e3, 2),
        "largest": [{"us": round(g), "after": a[:90], "before": b[:90]} for g, a, b in idle[:12]],
    }


# ------------------------------------------------------------------------------------------------


def main() -> None:
    global OUT, TINY
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.environ.get("OUT", "bench/results"))
    ap.add_argument("--tiny", action="store_true", help="CPU check with the tiny pipeline")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--budget", type=float, default=540.0, help="seconds; later phases are skipped past it")
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--compile", action="store_true", help="force the compiled transformer (e.g. on the CPU)")
    ap.add_argument("--skip", default="", help="comma-separated phases to skip")
    ap.add_argument("--queue", type=int, default=30)
    ap.add_argument("--startup-child", action="store_true", help="(internal) measure one start-up and exit")
    ap.add_argument("--mem24-child", action="store_true", help="(internal) generate under a 24 GiB cap and exit")
    ap.add_argument("--tuning-child", action="store_true", help="(internal) time with other Inductor settings")
    ap.add_argument(
        "--inductor",
        default='{"coordinate_descent_tuning": true}',
        help="JSON of Inductor settings for the tuning child, e.g. '{\"triton.multi_kernel\": 1}'",
    )
    ap.add_argument("--children-only", action="store_true", help="only the 24 GiB and start-up phases")
    ap.add_argument("--fp8-variants", default="row,row+fast_accum,tensor+fast_accum", help="FP8 variants to time")
    args = ap.parse_args()
    OUT = Path(args.out)
    OUT.mkdir(parents=True, exist_ok=True)
    skip = set(filter(None, args.skip.split(",")))

    from zimage_worker.engine import GenerationRequest, ZImageTurboEngine
    from zimage_worker.engine.optimize import (
        EngineOptions,
        PromptEncoder,
        apply_transformer_options,
        decode_latents,
        use_fast_group_norm,
    )

    device = torch.device("cpu" if args.tiny else "cuda")
    tiny = TINY = args.tiny
    steps = 2 if tiny else 8
    S = (256, 256) if tiny else (1024, 1024)
    sizes = [(256, 256), (320, 256)] if tiny else [(1024, 1024), (1024, 576), (1088, 1088)]
    reps = 2 if tiny else args.reps
    base_opts = EngineOptions.for_device(device)
    if args.no_compile:
        base_opts = replace(base_opts, compile_transformer=False)
    if args.compile:
        base_opts = replace(base_opts, compile_transformer=True)
    if tiny:
        base_opts = replace(base_opts, warmup_sizes=((256, 256, 1),))

    def left() -> float:
        return args.budget - (time.perf_counter() - T0)

    if args.mem24_child:
        print(json.dumps(mem24_child(base_opts)), flush=True)
        return
    if args.tuning_child:
        print(json.dumps(tuning_child(base_opts, json.loads(args.inductor))), flush=True)
        return

    # ---- start-up child: build, optimise, warm up, report, exit
    if args.startup_child:
        t = time.perf_counter()
        pipe = build_pipeline(tiny, device)
        sync()
        build_s = time.perf_counter() - t
        engine = ZImageTurboEngine(device=device, options=base_opts, pipeline=pipe)
        engine.load()
        engine.warmup()
        sync()
        ready = time.perf_counter() - t
        t = time.perf_counter()
        engine.generate(GenerationRequest(prompt="first task", width=S[0], height=S[1], steps=steps, seed=1))
        sync()
        print(
            json.dumps(
                {
                    "build_s": round(build_s, 2),
                    "optimise_and_warmup_s": round(engine.ready_seconds or 0, 2),
                    "ready_s": round(ready, 2),
                    "first_task_s": round(time.perf_counter() - t, 3),
                    "applied": engine.applied,
                },
                default=str,
            ),
            flush=True,
        )
        return

    if args.children_only:
        R["meta"] = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "children_only": True}
        if not tiny:
            R["meta"]["device"] = torch.cuda.get_device_name()
        children_phases(base_opts, skip, left, tiny)
        save()
        return

    R["meta"] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "device": torch.cuda.get_device_name() if not tiny else "cpu (tiny pipeline: harness check, not a measurement)",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "steps": steps,
        "reps": reps,
        "note": "random weights, full-size architecture; speed does not depend on weight values",
    }
    try:
        import diffusers
        import transformers

        R["meta"].update(diffusers=diffusers.__version__, transformers=transformers.__version__)
    except ImportError as exc:
        R["meta"]["versions_error"] = str(exc)
    if not tiny:
        props = torch.cuda.get_device_properties(0)
        R["meta"].update(total_memory_gib=round(props.total_memory / GiB, 1), sms=props.multi_processor_count)
    log("meta", R["meta"])

    # ---- build
    t = time.perf_counter()
    pipe = build_pipeline(tiny, device)
    sync()
    R["build"] = {
        "seconds": round(time.perf_counter() - t, 2),
        "params_b": {
            n: round(sum(p.numel() for p in getattr(pipe, n).parameters()) / 1e9, 3)
            for n in ("transformer", "text_encoder", "vae")
        },
        "resident_gib": round(torch.cuda.memory_allocated() / GiB, 2) if not tiny else 0.0,
    }
    prompt, cap_tokens = make_prompt(pipe.tokenizer, 128 if not tiny else 40)
    R["prompt"] = {"text": prompt, "tokens": cap_tokens}
    fl = flops(pipe, S[0], S[1], cap_tokens, 1)
    R["flops_1024"] = {k: round(v, 2) for k, v in fl.items()}
    log("build", R["build"], "prompt tokens", cap_tokens, "flops", R["flops_1024"])
    save()

    # ---- baseline: plain diffusers, eager (before anything is changed on the modules)
    pipe.set_progress_bar_config(disable=True)
    plain = PlainStages(pipe)
    R["baseline"] = {}
    base_latents: dict[int, torch.Tensor] = {}
    base_images: dict[int, Any] = {}
    for w, h in sizes:
        n_reps = reps if (w, h) == S else max(2, reps - 2)
        plain.run(prompt, w, h, steps, [0])  # warm-up
        runs, walls = [], []
        for i in range(n_reps):
            sync()
            t = time.perf_counter()
            imgs, st = plain.run(prompt, w, h, steps, [i])
            sync()
            walls.append(time.perf_counter() - t)
            runs.append(st)
            if (w, h) == S and i < 2:
                base_images[i] = imgs[0]
        R["baseline"][f"{w}x{h}"] = summarize(runs, walls)
        log("baseline", w, h, R["baseline"][f"{w}x{h}"])
    for seed in (0, 1):
        lat, _ = plain.run(prompt, S[0], S[1], steps, [seed], output_type="latent")
        base_latents[seed] = lat.float().clone()
    base_embeds = pipe._encode_prompt([prompt], device=device, max_sequence_length=512)[0].clone()
    plain.remove()
    ref32: dict[str, Any] = {}
    if "ref32" not in skip:
        try:
            ref32 = fp32_reference(pipe, prompt, S, steps)
            R["fp32_reference"] = {
                "baseline_latent_rel_err_vs_fp32": rel(base_latents[0], ref32["latents"]),
                "baseline_embeds_rel_err_vs_fp32": rel(base_embeds, ref32["embeds"]),
                "seconds": ref32["seconds"],
            }
            log("fp32 reference", R["fp32_reference"])
        except Exception:
            R["fp32_reference"] = "failed: " + traceback.format_exc()[-1500:]
            log(R["fp32_reference"])
            ref32 = {}
        torch.cuda.empty_cache()
        save()
    fl_step = fl["dit_step_tflop"]
    b = R["baseline"][f"{S[0]}x{S[1]}"]
    b["denoise_tflops"] = round(fl_step * steps / b["denoise"], 1)
    save()

    # ---- levers, one at a time (eager)
    R["levers"] = {}
    # text encoder
    if "levers" not in skip:
        enc_plain = PromptEncoder(pipe, trim=False, cache_size=0)
        enc_trim = PromptEncoder(pipe, trim=True, cache_size=0)
        enc_cache = PromptEncoder(pipe, trim=True, cache_size=8)
        te: dict[str, Any] = {}
        with torch.no_grad():
            for name, enc in (("plain_512", enc_plain), ("trimmed", enc_trim), ("cache_hit", enc_cache)):
                enc.encode(prompt, device, 512)
                ts = []
                for _ in range(reps):
                    sync()
                    t = time.perf_counter()
                    out = enc.encode(prompt, device, 512)
                    sync()
                    ts.append(time.perf_counter() - t)
                te[name] = {
                    "s": round(med(ts), 5),
                    "rel_err_vs_plain": rel(out, base_embeds),
                    "tokens": int(out.shape[0]),
                }
                if "embeds" in ref32:
                    te[name]["rel_err_vs_fp32"] = rel(out, ref32["embeds"])
        R["levers"]["text_encoder"] = te
        log("text encoder", te)
        save()

    # attention kernels at the real shape
    if "levers" not in skip and not tiny:
        from zimage_worker.engine.optimize import attention, attention_kernel_works

        cfg = pipe.transformer.config
        seq = (S[0] // 16) * (S[1] // 16) + -(-cap_tokens // 32) * 32
        heads, hd = cfg.n_heads, cfg.dim // cfg.n_heads
        q, k, v = (torch.randn(1, heads, seq, hd, device=device, dtype=torch.bfloat16) for _ in range(3))
        ref = torch.nn.functional.scaled_dot_product_attention(q.float(), k.float(), v.float())
        att: dict[str, Any] = {"shape": [1, heads, seq, hd]}
        for kern in ("sdpa", "cudnn", "flash"):
            if not attention_kernel_works(kern, device, torch.bfloat16, hd):
                att[kern] = "unavailable"
                continue
            for _ in range(3):
                attention(q, k, v, None, kern)
            sync()
            e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            e0.record()
            for _ in range(20):
                o = attention(q, k, v, None, kern)
            e1.record()
            sync()
            ms = e0.elapsed_time(e1) / 20
            att[kern] = {
                "ms": round(ms, 3),
                "tflops": round(4 * seq * seq * heads * hd / (ms / 1e3) / 1e12, 1),
                "rel_err_vs_fp32": rel(o.float(), ref),
            }
        del q, k, v, ref
        R["levers"]["attention_kernel"] = att
        log("attention", att)
        save()

    # the engine: the worker's real object, given the already-built pipeline
    eager_opts = replace(base_opts, compile_transformer=False)
    engine = ZImageTurboEngine(device=device, options=eager_opts, pipeline=pipe)
    t = time.perf_counter()
    engine.load()
    R["engine_applied_eager"] = engine.applied
    req = GenerationRequest(prompt=prompt, width=S[0], height=S[1], steps=steps, seed=0)

    def time_engine(request: Any, n: int, latents_only: bool = False) -> tuple[dict[str, Any], Any]:
        fn = engine.generate_latents if latents_only else engine.generate
        out = fn(request)  # warm-up (and compilation for a new size)
        runs, walls = [], []
        for i in range(n):
            sync()
            t = time.perf_counter()
            out = fn(replace(request, seed=request.seed + i))
            sync()
            walls.append(time.perf_counter() - t)
            runs.append(dict(engine.last_timings))
        return summarize(runs, walls), out

    if "levers" not in skip:
        dn: dict[str, Any] = {}
        kernels = ("sdpa",) if tiny or "attention_eager" in skip else ("sdpa", "cudnn", "flash")
        for kern in kernels:
            apply_transformer_options(pipe, replace(eager_opts, attention=kern))
            s, _ = time_engine(req, max(2, reps - 2), latents_only=True)
            lat = engine.generate_latents(req)
            dn[kern] = {
                "denoise": s["denoise"],
                "text_encode": s["text_encode"],
                "latent_rel_err": rel(lat, base_latents[0]),
            }
            log("eager engine, attention", kern, dn[kern])
        R["levers"]["eager_engine_by_attention"] = dn
        if not tiny and "fused_eager" not in skip:
            fastest = min(dn, key=lambda k: dn[k]["denoise"])
            apply_transformer_options(pipe, replace(eager_opts, attention=fastest, fuse_projections=True))
            s_, _ = time_engine(req, max(2, reps - 2), latents_only=True)
            lat = engine.generate_latents(req)
            R["levers"]["eager_fused_projections"] = {
                "attention": fastest,
                "denoise": s_["denoise"],
                "latent_rel_err": rel(lat, base_latents[0]),
            }
            log("eager fused projections", R["levers"]["eager_fused_projections"])
        apply_transformer_options(pipe, eager_opts)
        save()

        # VAE decode variants on the baseline's latents
        vae_r: dict[str, Any] = {}
        ref_img = None
        import copy

        vae32 = copy.deepcopy(pipe.vae).float()
        with torch.no_grad():
            img32 = vae32.decode(
                ((base_latents[0] / vae32.config.scaling_factor) + vae32.config.shift_factor).float(), return_dict=False
            )[0].float()
        del vae32
        with torch.no_grad():
            variants = (
                "plain",
                "cudnn_benchmark",
                "channels_last",
                "fast_groupnorm",
                "fast_groupnorm_static",
                "fast_groupnorm+channels_last",
                "compiled_decoder",
            )
            if "vae_short" in skip:
                variants = ("plain", "fast_groupnorm", "fast_groupnorm_static", "compiled_decoder")
            for name in variants if not tiny else ("plain", "fast_groupnorm"):
                cl = "channels_last" in name
                torch.backends.cudnn.benchmark = "benchmark" in name
                use_fast_group_norm(pipe.vae.decoder, "fast_groupnorm" in name, static="static" in name)
                pipe.vae.decoder._compiled_call_impl = None
                if name == "compiled_decoder":
                    pipe.vae.decoder.compile(dynamic=False)
                pipe.vae.to(memory_format=torch.channels_last if cl else torch.contiguous_format)
                decode_latents(pipe, base_latents[0], channels_last=cl)
                ts = []
                for _ in range(reps):
                    sync()
                    t = time.perf_counter()
                    img = decode_latents(pipe, base_latents[0], channels_last=cl)
                    sync()
                    ts.append(time.perf_counter() - t)
                if ref_img is None:
                    ref_img = img.float()
                vae_r[name] = {
                    "s": round(med(ts), 4),
                    "rel_err_vs_plain": rel(img.float(), ref_img),
                    "rel_err_vs_fp32": rel(img.float(), img32),
                }
                log("vae", name, vae_r[name])
        torch.backends.cudnn.benchmark = False
        use_fast_group_norm(pipe.vae.decoder, False)
        pipe.vae.decoder._compiled_call_impl = None
        pipe.vae.to(memory_format=torch.contiguous_format)
        R["levers"]["vae_decode"] = vae_r
        save()

    # ---- ours: the engine with its defaults (compiled). Where this run measured a different attention
    # kernel or VAE layout faster than the shipped default, use the faster one and say so.
    if "levers" not in skip and not tiny:
        dn = R["levers"]["eager_engine_by_attention"]
        fastest = min(dn, key=lambda k: dn[k]["denoise"])
        vae_r = R["levers"]["vae_decode"]
        best_vae = min(vae_r, key=lambda k: vae_r[k]["s"])
        better = vae_r[best_vae]["s"] < 0.97 * vae_r["plain"]["s"]
        chosen = replace(
            base_opts,
            attention=fastest,
            vae_fast_groupnorm=better and "fast_groupnorm" in best_vae,
            vae_compile=better and best_vae == "compiled_decoder",
            vae_groupnorm_static=better and "static" in best_vae,
            vae_channels_last=better and "channels_last" in best_vae,
            cudnn_benchmark=better and "benchmark" in best_vae,
        )
        keys = (
            "attention",
            "vae_fast_groupnorm",
            "vae_groupnorm_static",
            "vae_compile",
            "vae_channels_last",
            "cudnn_benchmark",
            "fuse_projections",
        )
        R["ours_choice"] = {
            "default": {k: getattr(base_opts, k) for k in keys},
            "used": {k: getattr(chosen, k) for k in keys},
        }
        base_opts = chosen
    engine.options = base_opts
    from zimage_worker.engine.optimize import apply_vae_options

    apply_vae_options(pipe, replace(base_opts, vae_tiling=False))
    t = time.perf_counter()
    engine.applied.update(apply_transformer_options(pipe, base_opts))
    engine.warmup()
    if engine.applied.get("compiled") == "failed; eager" and base_opts.attention != "sdpa":
        log("compiled warm-up failed with", base_opts.attention, "attention; compiling with sdpa")
        base_opts = replace(base_opts, attention="sdpa")
        engine.options = base_opts
        engine.applied.update(apply_transformer_options(pipe, base_opts))
        engine.warmup()
    sync()
    R["ours_setup"] = {
        "applied": engine.applied,
        "warmup_s": round(time.perf_counter() - t, 2),
        "warmup_sizes": base_opts.warmup_sizes,
        "options": base_opts.__dict__,
    }
    log("ours setup", R["ours_setup"])
    save()

    R["ours"] = {}
    for w, h in sizes:
        if left() < 60 and (w, h) != S:
            R["ours"][f"{w}x{h}"] = "skipped: time"
            continue
        s, _ = time_engine(replace(req, width=w, height=h), reps if (w, h) == S else max(2, reps - 2))
        R["ours"][f"{w}x{h}"] = s
        bl = R["baseline"].get(f"{w}x{h}")
        if bl:
            s["speedup_gpu_prompt_to_decoded"] = round(bl["gpu_prompt_to_decoded"] / s["gpu_prompt_to_decoded"], 3)
            s["speedup_total"] = round(bl["total"] / s["total"], 3)
        log("ours", w, h, s)
        save()
    o = R["ours"][f"{S[0]}x{S[1]}"]
    o["denoise_tflops"] = round(fl_step * steps / o["denoise"], 1)

    # exactness: same seeds -> latents (and pixels) against the baseline
    ex: dict[str, Any] = {}
    import numpy as np

    ours_lat0 = None
    for seed in (0, 1):
        lat = engine.generate_latents(replace(req, seed=seed))
        ex[f"latent_rel_err_seed{seed}"] = rel(lat, base_latents[seed])
        if seed == 0:
            ours_lat0 = lat.clone()
            if "latents" in ref32:
                ex["ours_latent_rel_err_vs_fp32"] = rel(lat, ref32["latents"])
                ex["baseline_latent_rel_err_vs_fp32"] = rel(base_latents[0], ref32["latents"])
    imgs = engine.generate(replace(req, seed=0))
    a, bimg = np.asarray(imgs[0], dtype=np.int16), np.asarray(base_images[0], dtype=np.int16)
    ex["pixel_mean_abs_diff_seed0"] = float(np.abs(a - bimg).mean())
    ex["pixel_max_abs_diff_seed0"] = int(np.abs(a - bimg).max())
    # the two baseline seeds differ by this much: what "a different image" looks like at this scale
    ex["reference_rel_diff_between_seeds"] = rel(base_latents[1], base_latents[0])
    R["exactness"] = ex
    log("exactness", ex)
    save()

    # batch of 4
    if left() > 60 and "batch4" not in skip:
        s, _ = time_engine(replace(req, num_images=4), max(2, reps - 2))
        s["per_image_total"] = round(s["total"] / 4, 4)
        R["ours"][f"{S[0]}x{S[1]}x4"] = s
        log("ours x4", s)
        save()

    # ---- profile one compiled generation
    if left() > 50 and "profile" not in skip:
        try:
            R["profile"] = profile(lambda: engine.generate(req))
            log("profile", R["profile"]["by_class"])
            R["profile"]["gaps"] = gaps(lambda: engine.generate(req))
            log("gaps", R["profile"]["gaps"])
        except Exception as exc:
            R["profile"] = f"failed: {exc!r}"
        save()

    # ---- CUDA graphs for the denoising step (the engine's cuda_graphs switch), same engine, same weights
    if left() > 120 and "graphs" not in skip and not tiny:
        try:
            R["ours_graphs"] = graphs_phase(
                engine, pipe, req, reps, base_latents, ours_lat0, R["ours"], fl_step * steps
            )
            log("graphs", R["ours_graphs"])
        except Exception:
            R["ours_graphs"] = "failed: " + traceback.format_exc()[-2000:]
            log(R["ours_graphs"])
            from zimage_worker.engine.optimize import use_step_graphs

            use_step_graphs(pipe, False)
        g = R["ours_graphs"]
        faster = isinstance(g, dict) and g["repeated_prompt"]["total"] < 0.99 * R["ours"][f"{S[0]}x{S[1]}"]["total"]
        if not faster:
            from zimage_worker.engine.optimize import use_step_graphs

            use_step_graphs(pipe, False)
        R["e2e_with_cuda_graphs"] = faster
        save()
    if not tiny:
        torch.save(ours_lat0, LAT0_FILE)

    # ---- end to end through the real Runner
    if left() > 80 and "e2e" not in skip:
        try:
            R["e2e"] = run_e2e(engine, prompt, S, args.queue if not tiny else 4, reps)
            log("e2e", R["e2e"])
        except Exception:
            R["e2e"] = "failed: " + traceback.format_exc()[-2000:]
            log(R["e2e"])
        save()

    # ---- fast mode (opt-in, lossy): FP8 matmuls in the transformer blocks, each variant in turn
    if left() > 150 and "fp8" not in skip and not tiny:
        try:
            tokens = -(-cap_tokens // 32) * 32 + S[0] * S[1] // 256
            R["fp8_matmul"] = fp8_matmul_table(pipe.transformer.config, tokens)
        except Exception:
            R["fp8_matmul"] = "failed: " + traceback.format_exc()[-1500:]
        log("fp8 matmuls", R["fp8_matmul"])
        save()
        R["fast_fp8"] = {}
        from zimage_worker.engine.optimize import restore_linears, use_fp8, use_step_graphs

        exact_options = engine.options

        def fast_variant(name: str) -> tuple[int, int]:
            """Install a variant named like "row+fast_accum+merge1" ("bf16": no FP8); returns (FP8 linears,
            merged steps)."""
            parts = name.split("+")
            merged = next((int(p[len("merge") :]) for p in parts if p.startswith("merge")), 0)
            engine.options = replace(exact_options, merged_steps=merged)
            if parts[0] == "bf16":
                restore_linears(pipe.transformer)
                return 0, merged
            return use_fp8(pipe.transformer, parts[0], "fast_accum" in parts, keep_source=True), merged  # type: ignore[arg-type]

        for name in args.fp8_variants.split(","):
            if left() < 90:
                R["fast_fp8"][name] = "skipped: time"
                continue
            try:
                t = time.perf_counter()
                n, merged = fast_variant(name)
                engine.generate(replace(req, steps=2))
                compile_s = time.perf_counter() - t
                use_step_graphs(pipe, "graphs" in name)  # after the swap: graphs hold the modules' kernels
                s, _ = time_engine(req, max(3, reps - 2))
                lat = engine.generate_latents(req)
                use_step_graphs(pipe, False)
                s.update(
                    fp8_linears=n,
                    compile_s=round(compile_s, 1),
                    latent_rel_err_vs_baseline=rel(lat, base_latents[0]),
                    latent_rel_err_vs_exact_ours=rel(lat, ours_lat0),
                    merged_steps=merged,
                    denoise_tflops=round(fl_step * (steps - merged) / s["denoise"], 1),
                    speedup_vs_exact_ours=round(R["ours"][f"{S[0]}x{S[1]}"]["total"] / s["total"], 3),
                )
                if "latents" in ref32:
                    s["latent_rel_err_vs_fp32"] = rel(lat, ref32["latents"])
                R["fast_fp8"][name] = s
                log("fp8", name, s)
            except Exception:
                R["fast_fp8"][name] = "failed: " + traceback.format_exc()[-1500:]
                log(R["fast_fp8"][name])
            save()
        done = {k: v for k, v in R["fast_fp8"].items() if isinstance(v, dict)}
        if done and left() > 60 and "profile" not in skip:
            best = min(done, key=lambda k: done[k]["total"])
            fast_variant(best)
            use_step_graphs(pipe, "graphs" in best)
            try:
                R["fast_fp8_profile"] = {"variant": best, **profile(lambda: engine.generate(req))}
                log("fp8 profile", best, R["fast_fp8_profile"]["by_class"])
                R["fast_fp8_profile"]["gaps"] = gaps(lambda: engine.generate(req))
                log("fp8 gaps", R["fast_fp8_profile"]["gaps"])
            except Exception as exc:
                R["fast_fp8_profile"] = f"failed: {exc!r}"
            use_step_graphs(pipe, False)
        restore_linears(pipe.transformer)
        engine.options = exact_options
        save()

    children_phases(base_opts, skip, left, tiny)

    # ---- Inductor's coordinate-descent tuning of its generated kernels, in a fresh process with an empty
    # compile cache (the option changes the compiled code): compile time, speed and exactness
    if left() > 130 and "tuning" not in skip and not tiny:
        cache = tempfile.mkdtemp(prefix="zimage-tuning-cache-")
        env = {"TORCHINDUCTOR_CACHE_DIR": cache, "TRITON_CACHE_DIR": f"{cache}/triton"}
        res = child(["--tuning-child", "--inductor", args.inductor], base_opts, left() - 10, env)
        ref = R["ours"][f"{S[0]}x{S[1]}"]
        if isinstance(res, dict) and "total" in res:
            res["same_run_default_total"] = ref["total"]
            fp8 = R.get("fast_fp8", {}).get("row+fast_accum")
            if isinstance(fp8, dict) and isinstance(res.get("fp8"), dict):
                res["fp8"]["same_run_default_total"] = fp8["total"]
        R["inductor_tuning"] = {"settings": json.loads(args.inductor), **res}
        log("inductor tuning", R["inductor_tuning"])
        save()
    print_table()


def children_phases(base_opts: Any, skip: set[str], left: Any, tiny: bool) -> None:
    """The phases that need fresh processes: the 24 GiB cap, and start-up with a cold then a warm cache."""
    # ---- 24 GiB cap, in a fresh process (the cap and the allocator settings apply from its start)
    if left() > 100 and "mem24" not in skip and not tiny:
        R["mem24"] = child(["--mem24-child"], base_opts, left() - 60)
        log("mem24", R["mem24"])
        save()

    # ---- start-up, second time, with the compile cache the first start wrote
    R["startup"] = {}
    if "build" in R and "ours_setup" in R:
        R["startup"]["first_start"] = {
            "build_s": R["build"]["seconds"],
            "optimise_and_warmup_s": R["ours_setup"]["warmup_s"],
        }
    if left() > 90 and "startup" not in skip:
        # Two fresh worker processes sharing a compile cache that starts empty: cold, then warm.
        cache = tempfile.mkdtemp(prefix="zimage-startup-cache-")
        env = {"TORCHINDUCTOR_CACHE_DIR": cache, "TRITON_CACHE_DIR": f"{cache}/triton"}
        R["startup"]["cache_dir"] = cache
        for label in ("cold_cache", "warm_cache"):
            t = time.perf_counter()
            R["startup"][label] = child(["--startup-child"], base_opts, left() - 10, env)
            R["startup"][label + "_process_wall_s"] = round(time.perf_counter() - t, 1)
            log("startup", label, R["startup"][label])
        try:
            R["startup"]["speedup_ready"] = round(
                R["startup"]["cold_cache"]["ready_s"] / R["startup"]["warm_cache"]["ready_s"], 2
            )
            R["startup"]["speedup_optimise_and_warmup"] = round(
                R["startup"]["cold_cache"]["optimise_and_warmup_s"]
                / R["startup"]["warm_cache"]["optimise_and_warmup_s"],
                2,
            )
        except (KeyError, TypeError, ZeroDivisionError):
            pass
        R["startup"]["cache_dir"] = os.environ.get("TORCHINDUCTOR_CACHE_DIR", "default")
        log("startup", R["startup"])
    save()


def graphs_phase(
    engine: Any,
    pipe: Any,
    req: Any,
    reps: int,
    base_latents: dict[int, torch.Tensor],
    ours_lat0: Any,
    ours: dict[str, Any],
    step_tflop: float,
) -> dict[str, Any]:
    """The engine with StepGraphs on: capture cost for a new (size, caption length), time with a repeated
    prompt (graphs replayed), time for prompts of new lengths (first step plain, second captures), and the
    latents against the baseline and against the same engine without graphs."""
    from zimage_worker.engine.optimize import use_step_graphs

    graphs = use_step_graphs(pipe, True)
    assert graphs is not None
    out: dict[str, Any] = {}
    t = time.perf_counter()
    engine.generate(req)  # step 1 runs as before, step 2 captures, steps 3-8 replay
    sync()
    out["first_generation_with_capture_s"] = round(time.perf_counter() - t, 3)
    runs, walls = [], []
    for i in range(reps):
        sync()
        t = time.perf_counter()
        engine.generate(replace(req, seed=req.seed + i))
        sync()
        walls.append(time.perf_counter() - t)
        runs.append(dict(engine.last_timings))
    out["repeated_prompt"] = summarize(runs, walls)
    key = f"{req.width}x{req.height}"
    plain = ours[key]
    out["repeated_prompt"]["speedup_vs_ours_without_graphs"] = round(
        plain["total"] / out["repeated_prompt"]["total"], 3
    )
    out["repeated_prompt"]["denoise_tflops"] = round(step_tflop / out["repeated_prompt"]["denoise"], 1)
    out["ours_without_graphs_total"] = plain["total"]
    # New caption lengths: a new graph each (what a stream of different prompts costs)
    new = []
    for i in range(3):
        prompt = req.prompt + " extra" * (3 + 2 * i)
        sync()
        t = time.perf_counter()
        engine.generate(replace(req, prompt=prompt, seed=50 + i))
        sync()
        new.append(
            {"wall": round(time.perf_counter() - t, 4), **{k: round(v, 4) for k, v in engine.last_timings.items()}}
        )
    out["new_caption_length"] = new
    for w, h in ((1024, 576),):
        r = replace(req, width=w, height=h)
        engine.generate(r)
        engine.generate(r)
        runs = []
        for i in range(max(2, reps - 2)):
            engine.generate(replace(r, seed=i))
            runs.append(dict(engine.last_timings))
        out[f"{w}x{h}"] = summarize(runs, [0.0])
        if f"{w}x{h}" in ours and isinstance(ours[f"{w}x{h}"], dict):
            out[f"{w}x{h}"]["ours_without_graphs_total"] = ours[f"{w}x{h}"]["total"]
    lat = engine.generate_latents(replace(req, seed=0))
    out["latent_rel_err_vs_baseline"] = rel(lat, base_latents[0])
    if ours_lat0 is not None:
        out["latent_rel_err_vs_ours_without_graphs"] = rel(lat, ours_lat0)
    out["captures"], out["replays"], out["graphs_held"] = graphs.captures, graphs.replays, len(graphs.graphs)
    out["failed_keys"] = len(graphs.failed)
    out["memory_reserved_gib"] = round(torch.cuda.memory_reserved() / GiB, 2)
    return out


def widen_persistent_reductions(limit: int) -> None:
    """Let Inductor keep whole rows of up to `limit` elements in registers (one pass over the data)
    instead of looping over them (it stops at 1024): the RMSNorm rows here are 3840 wide, the FP8
    per-token scales 3840 and 10240. An experiment: Inductor's own heuristic, widened."""
    from torch._inductor.choices import InductorChoices
    from torch._inductor.runtime.hints import ReductionHint
    from torch._inductor.virtualized import V

    original = InductorChoices.should_use_persistent_reduction

    def widened(features: Any, cooperative_reduction: bool, *args: Any, **kwargs: Any) -> bool:
        if original(features, cooperative_reduction, *args, **kwargs):
            return True
        if cooperative_reduction or features.get_reduction_hint() != ReductionHint.INNER:
            return False
        rblock = features.strict_reduction_rblock()
        sizevars = V.graph.sizevars
        if rblock is not None and not sizevars.statically_known_geq(rblock, features.reduction_numel):
            return False
        return bool(sizevars.statically_known_leq(features.reduction_numel, limit))

    InductorChoices.should_use_persistent_reduction = staticmethod(widened)  # type: ignore[method-assign]


def tuning_child(opts: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """A fresh process compiled with other Inductor settings: exact mode, then fast mode (FP8 row-wise with
    fast accumulation), against the main process's latents."""
    import torch._inductor.config as inductor_config
    from zimage_worker.engine import GenerationRequest, ZImageTurboEngine
    from zimage_worker.engine.optimize import use_fp8

    for key, value in settings.items():
        if key == "persistent_reduction_max":
            widen_persistent_reductions(int(value))
            continue
        target = inductor_config
        *path, leaf = key.split(".")
        for part in path:
            target = getattr(target, part)
        setattr(target, leaf, value)
    pipe = build_pipeline(False, torch.device("cuda"))
    prompt, _ = make_prompt(pipe.tokenizer, 128)
    options = replace(opts, warmup_sizes=((1024, 1024, 1),))
    engine = ZImageTurboEngine(device="cuda", options=options, pipeline=pipe)
    t = time.perf_counter()
    engine.load()
    engine.warmup()
    out: dict[str, Any] = {"optimise_and_warmup_s": round(time.perf_counter() - t, 1), "applied": engine.applied}
    req = GenerationRequest(prompt=prompt, width=1024, height=1024, steps=8, seed=0)

    def timed() -> dict[str, Any]:
        engine.generate(req)
        runs = []
        for i in range(5):
            engine.generate(replace(req, seed=i))
            runs.append(dict(engine.last_timings))
        return summarize(runs, [0.0])

    out.update(timed())
    lat = engine.generate_latents(req)
    if LAT0_FILE.exists():
        out["latent_rel_err_vs_ours_default"] = rel(lat, torch.load(LAT0_FILE))
    try:
        t = time.perf_counter()
        use_fp8(pipe.transformer, "row", True)
        engine.generate(replace(req, steps=2))
        fp8 = {"compile_s": round(time.perf_counter() - t, 1), **timed()}
        fp8["latent_rel_err_vs_exact_ours"] = rel(engine.generate_latents(req), torch.load(LAT0_FILE))
        out["fp8"] = fp8
    except Exception:
        out["fp8"] = "failed: " + traceback.format_exc()[-1500:]
    return out


def measure_encoding(engine: Any, prompt: str, S: tuple[int, int]) -> dict[str, Any]:
    """PNG (as stored, and at zlib level 1) and the WebP thumbnail, for this run's image (random weights:
    noise-like, the worst case for PNG) and for a smooth synthetic picture closer to a photo."""

    import numpy as np
    from PIL import Image
    from zimage_worker.engine import GenerationRequest
    from zimage_worker.imaging import encode_png, encode_thumbnail_webp

    generated = engine.generate(GenerationRequest(prompt=prompt, width=S[0], height=S[1], seed=0, steps=8))[0]
    from zimage_worker.png import default_threads

    yy, xx = np.mgrid[0 : S[1], 0 : S[0]].astype(np.float32)
    rng = np.random.default_rng(0)
    smooth = np.stack([128 + 100 * np.sin(xx / 97 + c) * np.cos(yy / 71 - c) for c in (0, 1, 2)], -1)
    smooth += rng.normal(0, 3, smooth.shape)
    images = {
        "generated_random_weights": generated,
        "smooth_synthetic": Image.fromarray(np.clip(smooth, 0, 255).astype(np.uint8)),
    }
    params = {"prompt": prompt, "seed": 0, "steps": 8}
    out: dict[str, Any] = {"png_threads": default_threads()}
    for name, image in images.items():
        r: dict[str, Any] = {}
        for label, fn in (
            ("png_stored", lambda im: encode_png(im, params)),
            ("png_pillow_level6", lambda im: _png(im, 6)),
            ("png_pillow_level1", lambda im: _png(im, 1)),
            ("webp_thumb", encode_thumbnail_webp),
        ):
            ts, data = [], b""
            for _ in range(3):
                t = time.perf_counter()
                data = fn(image)
                ts.append(time.perf_counter() - t)
            r[label] = {"s": round(med(ts), 4), "bytes": len(data)}
        out[name] = r
    return out


def _png(image: Any, level: int) -> bytes:
    import io

    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def run_e2e(engine: Any, prompt: str, S: tuple[int, int], queue: int, reps: int) -> dict[str, Any]:
    """Task start -> PNG stored through the real Runner, publishing in the background (the shipped
    default) and inline; then a queue: prefork-style one task at a time with background publishing (the
    shipped default), one at a time inline (the old default), and two task threads (the threads pool)."""
    tmp = Path(tempfile.mkdtemp(prefix="zimage-store-"))
    store, store_kind = object_store(tmp)
    from zimage_worker.runner import Publisher, Runner

    svc = FakeImageService()
    publisher = Publisher()
    inline = Runner(engine, store, svc, heartbeat_seconds=2.0)
    background = Runner(engine, store, svc, heartbeat_seconds=2.0, publisher=publisher)
    busy: list[float] = []
    lock = threading.Lock()

    def on_timings(t: dict[str, float]) -> None:
        with lock:
            busy.append(t["total"])

    engine.on_timings = on_timings
    out: dict[str, Any] = {"store": store_kind}
    # single tasks (distinct prompts: no prompt-cache help)
    for label, runner in (("background", background), ("inline", inline)):
        lat, gpu = [], []
        for i in range(reps + 1):
            tid = svc.add(f"{prompt} {label} #{i}", S[0], S[1], 1, i)
            t = time.perf_counter()
            assert runner.run(tid).status in ("completed", "publishing")
            publisher.drain(60)
            if i:  # the first is a warm-up
                lat.append(svc.completed[tid] - t)
                gpu.append(engine.last_timings.get("total", 0))
        out[f"task_start_to_png_stored_s_{label}"] = round(med(lat), 4)
        out[f"engine_gpu_total_s_{label}"] = round(med(gpu), 4)
        out[f"task_start_to_png_stored_all_{label}"] = [round(x, 4) for x in lat]
    out["task_start_to_png_stored_s"] = out["task_start_to_png_stored_s_background"]
    out["encode"] = measure_encoding(engine, prompt, S)

    def drain(threads: int, runner: Any, label: str) -> dict[str, Any]:
        ids = [svc.add(f"{prompt} {label} q{i}", S[0], S[1], 1, 100 + i) for i in range(queue)]
        busy.clear()
        pending = list(ids)
        plock = threading.Lock()

        def worker() -> None:
            while True:
                with plock:
                    if not pending:
                        return
                    tid = pending.pop(0)
                assert runner.run(tid).status in ("completed", "publishing")

        t = time.perf_counter()
        ths = [threading.Thread(target=worker) for _ in range(threads)]
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        publisher.drain(120)
        wall = max(svc.completed[i] for i in ids) - t
        gpu = sum(busy)
        per_image = gpu / len(ids)
        return {
            "tasks": len(ids),
            "wall_s": round(wall, 3),
            "gpu_busy_s": round(gpu, 3),
            "gpu_per_image_s": round(per_image, 4),
            "gpu_idle_share": round(1 - gpu / wall, 4),
            "images_per_min": round(60 * len(ids) / wall, 2),
            "ideal_images_per_min": round(60 / per_image, 2),
            "ratio_to_ideal": round((60 * len(ids) / wall) / (60 / per_image), 3),
            "completed": sum(1 for i in ids if i in svc.completed),
        }

    out["queue_prefork_background_publish"] = drain(1, background, "bg")
    out["queue_prefork_inline_publish"] = drain(1, inline, "inline")
    out["queue_threads_2_inline_publish"] = drain(2, inline, "threads")
    engine.on_timings = None
    return out


def fp8_matmul_table(cfg: Any, tokens: int) -> dict[str, Any]:
    """The block matmul shapes at this size: bf16 against each FP8 variant (matmul alone, and with the
    activation's quantization), median of CUDA-event timings, TFLOP/s of bf16-equivalent work."""
    dim, hidden = cfg.dim, int(cfg.dim / 3 * 8)
    shapes = {"qkv_out": (dim, dim), "w1_w3": (dim, hidden), "w2": (hidden, dim)}
    out: dict[str, Any] = {"tokens": tokens}
    for label, (k, n) in shapes.items():
        with torch.no_grad():
            out[label] = _fp8_matmul_row(tokens, k, n)
    return out


def _cuda_seconds(fn: Any, n: int = 20) -> float:
    for _ in range(3):
        fn()
    sync()
    e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    e0.record()
    for _ in range(n):
        fn()
    e1.record()
    sync()
    return e0.elapsed_time(e1) / n / 1e3


def _fp8_matmul_row(tokens: int, k: int, n: int) -> dict[str, Any]:
    from functools import partial

    from zimage_worker.engine.optimize import Fp8Linear, _fp8_scale

    linear = torch.nn.Linear(k, n, bias=False, device="cuda", dtype=torch.bfloat16)
    x = torch.randn(tokens, k, device="cuda", dtype=torch.bfloat16)
    tflop = 2 * tokens * k * n / 1e12
    ref = linear(x).float()
    t = _cuda_seconds(partial(linear, x))
    row: dict[str, Any] = {"bf16": {"ms": round(t * 1e3, 4), "tflops": round(tflop / t, 1)}}
    for scaling, fast in (("row", False), ("row", True), ("tensor", False), ("tensor", True)):
        f8 = Fp8Linear(linear, scaling, fast)  # type: ignore[arg-type]
        x_scale = _fp8_scale(x, scaling)  # type: ignore[arg-type]
        xq = (x.float() / x_scale).to(torch.float8_e4m3fn)
        mm = partial(
            torch._scaled_mm,
            xq,
            f8.weight_fp8.t(),
            scale_a=x_scale,
            scale_b=f8.weight_scale,
            out_dtype=torch.bfloat16,
            use_fast_accum=fast,
        )
        compiled = torch.compile(f8.forward, dynamic=False)
        t_mm, t_all = _cuda_seconds(mm), _cuda_seconds(partial(compiled, x))
        row[f"{scaling}{'+fast_accum' if fast else ''}"] = {
            "mm_ms": round(t_mm * 1e3, 4),
            "mm_tflops": round(tflop / t_mm, 1),
            "with_quant_ms": round(t_all * 1e3, 4),
            "rel_err": rel(compiled(x).float(), ref),
        }
    return row


def child(flags: list[str], opts: Any, timeout: float, extra_env: dict[str, str] | None = None) -> Any:
    """Run this script again in a fresh process (same options through the environment); its last JSON line."""
    cmd = [sys.executable, __file__, *flags, "--out", str(OUT)] + (["--tiny"] if TINY else [])
    env = dict(
        os.environ,
        ZIMAGE_ATTENTION=opts.attention,
        ZIMAGE_COMPILE="1" if opts.compile_transformer else "0",
        PYTORCH_CUDA_ALLOC_CONF="expandable_segments:True" if "--mem24-child" in flags else "",
        **(extra_env or {}),
    )
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=max(30, timeout), env=env)
    except subprocess.TimeoutExpired as exc:
        return {"error": "timed out", "stdout": (exc.stdout or b"")[-1500:]}
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("{")]
    return json.loads(lines[-1]) if lines else {"error": res.stderr[-2500:]}


def mem24_child(opts: Any) -> dict[str, Any]:
    """A worker process on a '24 GiB card': the cap is set before anything is generated, the planner picks
    the mode from 24 GiB, and 1 and 4 images at 1024² are generated, resident and text-encoder-offloaded."""
    from zimage_worker.engine import GenerationRequest, ZImageTurboEngine
    from zimage_worker.engine.optimize import EngineOptions, TextEncoderOffload, plan_memory

    cap = 24 * GiB
    pipe = build_pipeline(False, torch.device("cuda"))
    pipe.set_progress_bar_config(disable=True)
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(cap / torch.cuda.get_device_properties(0).total_memory)
    planned = EngineOptions.for_device(torch.device("cuda"), total_memory=cap)
    planned = replace(planned, attention=opts.attention, warmup_sizes=((1024, 1024, 1), (1024, 1024, 4)))
    out: dict[str, Any] = {
        "cap_gib": 24,
        "plan": plan_memory(cap).__dict__,
        "alloc_conf": os.environ.get("PYTORCH_CUDA_ALLOC_CONF"),
        "weights_gib": round(torch.cuda.memory_allocated() / GiB, 2),
    }
    engine = ZImageTurboEngine(device="cuda", options=planned, pipeline=pipe)
    t = time.perf_counter()
    engine.load()
    engine.warmup()
    out["warmup_s"] = round(time.perf_counter() - t, 1)
    prompt, _ = make_prompt(pipe.tokenizer, 128)
    req = GenerationRequest(prompt=prompt, width=1024, height=1024, steps=8, seed=0)

    def trial(label: str) -> None:
        out[f"{label}_resident_gib"] = round(torch.cuda.memory_allocated() / GiB, 2)
        for n in (1, 4):
            try:
                engine.generate(replace(req, num_images=n, prompt=f"{prompt} {label}{n}"))
                torch.cuda.reset_peak_memory_stats()
                ts, stages = [], {}
                for i in range(2):
                    sync()
                    t = time.perf_counter()
                    engine.generate(replace(req, num_images=n, seed=i, prompt=f"{prompt} {label}{n}-{i}"))
                    sync()
                    ts.append(time.perf_counter() - t)
                    stages = {k: round(v, 4) for k, v in engine.last_timings.items()}
                out[f"{label}_x{n}"] = {
                    "s": round(med(ts), 3),
                    "peak_allocated_gib": peak_gib(),
                    "peak_reserved_gib": round(torch.cuda.max_memory_reserved() / GiB, 2),
                    "stages_last": stages,
                }
            except torch.OutOfMemoryError as exc:
                out[f"{label}_x{n}"] = f"OOM: {str(exc)[:300]}"
                torch.cuda.empty_cache()

    trial("resident")
    off = TextEncoderOffload(pipe, torch.device("cuda"))
    off.install(engine.prompt_encoder)
    trial("offload_text_encoder")
    return out


def fp32_reference(pipe: Any, prompt: str, S: tuple[int, int], steps: int) -> dict[str, Any]:
    """The plain pipeline with float32 copies of the text encoder and transformer (no TF32): the
    higher-precision reference both bf16 versions are measured against."""
    import copy

    from diffusers import ZImagePipeline

    t = time.perf_counter()
    tf32 = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    te32 = copy.deepcopy(pipe.text_encoder).float()
    tr32 = copy.deepcopy(pipe.transformer).float()
    p32 = ZImagePipeline(
        scheduler=copy.deepcopy(pipe.scheduler),
        vae=pipe.vae,
        text_encoder=te32,
        tokenizer=pipe.tokenizer,
        transformer=tr32,
    )
    p32.set_progress_bar_config(disable=True)
    try:
        with torch.no_grad():
            embeds = p32._encode_prompt([prompt], device=pipe._execution_device, max_sequence_length=512)[0].float()
            lat = p32(
                prompt=prompt,
                height=S[1],
                width=S[0],
                num_inference_steps=steps,
                guidance_scale=0.0,
                generator=[torch.Generator("cpu").manual_seed(0)],
                max_sequence_length=512,
                output_type="latent",
            ).images.float()
    finally:
        torch.backends.cuda.matmul.allow_tf32 = tf32
        del te32, tr32, p32
    return {"embeds": embeds, "latents": lat, "seconds": round(time.perf_counter() - t, 1)}


def print_table() -> None:
    rows = []
    for label, sect in (("baseline", R.get("baseline", {})), ("ours", R.get("ours", {}))):
        for size, s in sect.items():
            if isinstance(s, dict):
                rows.append(
                    (
                        label,
                        size,
                        s.get("text_encode"),
                        s.get("denoise"),
                        s.get("vae_decode"),
                        s.get("to_image"),
                        s.get("gpu_prompt_to_decoded"),
                        s.get("total"),
                        s.get("speedup_gpu_prompt_to_decoded", ""),
                    )
                )
    print("\n| run | size | text enc | denoise | VAE | to image | GPU prompt->decoded | total | speed-up |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(f"{x:.4f}" if isinstance(x, float) else str(x) for x in r) + " |")
    print("exactness:", R.get("exactness"))
    print(json.dumps({k: R.get(k) for k in ("e2e", "mem24", "startup")}, default=str)[:3000])


if __name__ == "__main__":
    try:
        main()
    except Exception:
        R["fatal"] = traceback.format_exc()
        save()
        raise
