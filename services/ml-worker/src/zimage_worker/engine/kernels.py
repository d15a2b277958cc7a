"""Hand-written Triton kernels for the two memory-bound steps Inductor leaves slowest (bench/gpu/NOTES.md,
session 3 profile), each one pass over its data:

- `qk_norm_rope`: the per-head RMSNorm of q or k followed by Z-Image's interleaved RoPE, the same roundings
  as diffusers' RMSNorm (bf16 after normalising and after the weight) and our float32 rotation;
- `silu_mul_quant`: the feed-forward's SiLU(w1 x) * (w3 x) and its per-token FP8 quantization (fast mode),
  where Inductor reads each 10240-wide row twice (once for the amax, once to cast).

Both are `torch.library.triton_op`s, so the compiled blocks call them inside their graph. `available()` says
whether they can run (a CUDA device and Triton); elsewhere the callers keep their PyTorch code, which
`reference_*` below mirror for the tests."""

from __future__ import annotations

import functools
from typing import Any

import torch

FP8_MAX = 448.0


@functools.cache
def available() -> bool:
    if not torch.cuda.is_available():
        return False
    try:
        import triton  # noqa: F401
    except ImportError:
        return False
    return _ops() is not None


def reference_qk_norm_rope(x: torch.Tensor, weight: torch.Tensor, freqs: torch.Tensor, eps: float) -> torch.Tensor:
    """x [B, S, H, D] -> RMSNorm over D (weight [D]) then RoPE with real (cos, sin) pairs freqs [B, S, D/2, 2]."""
    xf = x.float()
    y = (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)).to(weight.dtype)
    y = (y * weight).to(x.dtype).float().reshape(*x.shape[:-1], -1, 2)
    cos, sin = freqs[..., 0].unsqueeze(2), freqs[..., 1].unsqueeze(2)
    out = torch.stack((y[..., 0] * cos - y[..., 1] * sin, y[..., 0] * sin + y[..., 1] * cos), dim=-1)
    return out.flatten(3).to(x.dtype)


def reference_silu_mul_quant(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """SiLU(a) * b rounded to a's dtype, then per-row FP8 e4m3 with its float32 scale [R, 1]."""
    h = (torch.nn.functional.silu(a) * b).to(a.dtype).float()
    scale = h.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / FP8_MAX
    return (h / scale).to(torch.float8_e4m3fn), scale


def _kernels() -> Any:
    import triton
    import triton.language as tl

    @triton.jit
    def qk_norm_rope_kernel(
        x_ptr,
        w_ptr,
        f_ptr,
        out_ptr,
        rows,
        heads,
        seq,
        eps,
        stride_xb,
        stride_xs,
        stride_xh,
        stride_fb,
        stride_fs,
        D: tl.constexpr,
        BLOCK_R: tl.constexpr,
    ):
        r = tl.program_id(0) * BLOCK_R + tl.arange(0, BLOCK_R)
        mask = r < rows
        h = r % heads
        s = (r // heads) % seq
        b = r // (heads * seq)
        d = tl.arange(0, D)
        offs = (b * stride_xb + s * stride_xs + h * stride_xh)[:, None] + d[None, :]
        x = tl.load(x_ptr + offs, mask=mask[:, None], other=0.0).to(tl.float32)
        inv = tl.rsqrt(tl.sum(x * x, axis=1) / D + eps)
        w = tl.load(w_ptr + d).to(tl.float32)
        y = (x * inv[:, None]).to(tl.bfloat16, fp_downcast_rounding="rtne").to(tl.float32)
        y = (y * w[None, :]).to(tl.bfloat16, fp_downcast_rounding="rtne").to(tl.float32)
        y0, y1 = tl.split(tl.reshape(y, (BLOCK_R, D // 2, 2)))
        j = tl.arange(0, D // 2)
        f_offs = (b * stride_fb + s * stride_fs)[:, None] + 2 * j[None, :]
        cos = tl.load(f_ptr + f_offs, mask=mask[:, None], other=0.0)
        sin = tl.load(f_ptr + f_offs + 1, mask=mask[:, None], other=0.0)
        out = tl.reshape(tl.join(y0 * cos - y1 * sin, y0 * sin + y1 * cos), (BLOCK_R, D))
        out_offs = r.to(tl.int64)[:, None] * D + d[None, :]  # out is [B, S, H, D] contiguous
        tl.store(out_ptr + out_offs, out.to(out_ptr.dtype.element_ty), mask=mask[:, None])

    @triton.jit
    def silu_mul_quant_kernel(
        a_ptr,
        b_ptr,
        q_ptr,
        s_ptr,
        n,
        stride_a,
        stride_b,
        stride_q,
        fp8_max,
        BLOCK_N: tl.constexpr,
    ):
        row = tl.program_id(0).to(tl.int64)
        cols = tl.arange(0, BLOCK_N)
        mask = cols < n
        a = tl.load(a_ptr + row * stride_a + cols, mask=mask, other=0.0).to(tl.float32)
        b = tl.load(b_ptr + row * stride_b + cols, mask=mask, other=0.0).to(tl.float32)
        silu = (a / (1.0 + tl.exp(-a))).to(tl.bfloat16, fp_downcast_rounding="rtne").to(tl.float32)
        h = (silu * b).to(tl.bfloat16, fp_downcast_rounding="rtne").to(tl.float32)
        scale = tl.maximum(tl.max(tl.abs(h), axis=0), 1e-12) / fp8_max
        tl.store(q_ptr + row * stride_q + cols, (h / scale).to(q_ptr.dtype.element_ty), mask=mask)
        tl.store(s_ptr + row, scale)

    return qk_norm_rope_kernel, silu_mul_quant_kernel


@functools.cache
def _ops() -> Any:
    """Define the two custom ops once (None where this PyTorch has no triton_op)."""
    if not hasattr(torch.library, "triton_op"):
        return None
    import triton

    qk_kernel, quant_kernel = _kernels()

    @torch.library.triton_op("zimage::qk_norm_rope", mutates_args=())
    def qk_norm_rope(x: torch.Tensor, weight: torch.Tensor, freqs: torch.Tensor, eps: float) -> torch.Tensor:
        batch, seq, heads, dim = x.shape
        out = torch.empty((batch, seq, heads, dim), device=x.device, dtype=x.dtype)
        f = freqs if freqs.dim() == 4 else freqs.unsqueeze(0)
        rows = batch * seq * heads
        block = 16

        def grid(meta: dict[str, Any]) -> tuple[int]:
            return (triton.cdiv(rows, meta["BLOCK_R"]),)

        torch.library.wrap_triton(qk_kernel)[grid](
            x,
            weight,
            f,
            out,
            rows,
            heads,
            seq,
            eps,
            x.stride(0),
            x.stride(1),
            x.stride(2),
            f.stride(0) if f.shape[0] > 1 else 0,
            f.stride(1),
            D=dim,
            BLOCK_R=block,
        )
        return out

    @torch.library.triton_op("zimage::silu_mul_quant", mutates_args=())
    def silu_mul_quant(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        rows, n = a.shape
        q = torch.empty((rows, n), device=a.device, dtype=torch.float8_e4m3fn)
        scale = torch.empty((rows, 1), device=a.device, dtype=torch.float32)
        block = triton.next_power_of_2(n)
        torch.library.wrap_triton(quant_kernel)[(rows,)](
            a, b, q, scale, n, a.stride(0), b.stride(0), q.stride(0), FP8_MAX, BLOCK_N=block, num_warps=16
        )
        return q, scale

    return qk_norm_rope, silu_mul_quant


def qk_norm_rope(x: torch.Tensor, weight: torch.Tensor, freqs: torch.Tensor, eps: float) -> torch.Tensor:
    ops = _ops()
    assert ops is not None
    out: torch.Tensor = ops[0](x, weight, freqs.float(), eps)
    return out


def silu_mul_quant(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    ops = _ops()
    assert ops is not None
    q, scale = ops[1](a, b)
    return q, scale
