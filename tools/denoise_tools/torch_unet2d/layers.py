"""The layers diffusers' UNets share: timestep embedding, resnet block, resamplers and the attention math.

Used by unet2d.py (UNet2DModel) and by denoise_tools.torch_unet2d_condition (UNet2DConditionModel). Written
from the architecture; attribute names are diffusers' (linear_1, cond_proj, norm1, time_emb_proj, conv_shortcut,
conv), so the state_dict keys of the blocks built from them are diffusers' own.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


def make_activation(act_fn: str) -> nn.Module:
    return nn.Mish() if act_fn == "mish" else nn.SiLU()  # "swish" is diffusers' alias of silu


class Timesteps(nn.Module):
    """Sinusoidal embedding (DDPM, Vaswani et al. 2017): frequencies exp(-ln(10000) * i / (half - freq_shift)),
    [sin | cos], or [cos | sin] when flip_sin_to_cos; an odd dimension is zero-padded at the end."""

    def __init__(self, num_channels: int, flip_sin_to_cos: bool, freq_shift: float):
        super().__init__()
        self.num_channels = num_channels
        self.flip_sin_to_cos = flip_sin_to_cos
        self.freq_shift = freq_shift

    def forward(self, timesteps: torch.Tensor) -> torch.Tensor:
        half = self.num_channels // 2
        exponent = -math.log(10000) * torch.arange(half, dtype=torch.float32, device=timesteps.device)
        freqs = torch.exp(exponent / (half - self.freq_shift))
        args = timesteps[:, None].float() * freqs[None, :]
        emb = torch.cat([torch.sin(args), torch.cos(args)], dim=-1)
        if self.flip_sin_to_cos:
            emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
        if self.num_channels % 2:
            emb = F.pad(emb, (0, 1))
        return emb


class TimestepEmbedding(nn.Module):
    """[+ cond_proj(condition)] -> linear_1 -> act -> linear_2.

    UNet2DModel passes no act_fn (always SiLU); UNet2DConditionModel passes its act_fn. cond_proj (LCM's
    guidance embedding, time_cond_proj_dim wide) is a bias-free Linear onto the sinusoid's width, added before
    linear_1."""

    def __init__(self, in_channels: int, time_embed_dim: int, act_fn: str = "silu",
                 cond_proj_dim: int | None = None):
        super().__init__()
        self.linear_1 = nn.Linear(in_channels, time_embed_dim)
        self.cond_proj = nn.Linear(cond_proj_dim, in_channels, bias=False) if cond_proj_dim is not None else None
        self.act = make_activation(act_fn)
        self.linear_2 = nn.Linear(time_embed_dim, time_embed_dim)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        if condition is not None:
            if self.cond_proj is None:
                raise ValueError("a timestep condition was given but the model has no time_embedding.cond_proj")
            x = x + self.cond_proj(condition)
        return self.linear_2(self.act(self.linear_1(x)))


class Downsample2D(nn.Module):
    """3x3 stride-2 conv. With padding 0 the input is first padded by one zero row/column at the bottom/right
    only (F.pad (0, 1, 0, 1)), the original DDPM's asymmetric padding."""

    def __init__(self, channels: int, padding: int):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1))
        return self.conv(x)


class Upsample2D(nn.Module):
    """Nearest-neighbour x2 (or to output_size: UNet2DConditionModel passes the skip's size when the input
    is not a multiple of 2^upsamplers), then a 3x3 conv."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, output_size: tuple[int, int] | None = None) -> torch.Tensor:
        if output_size is None:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        else:
            x = F.interpolate(x, size=output_size, mode="nearest")
        return self.conv(x)


class ResnetBlock2D(nn.Module):
    """norm1 -> act -> [resample] -> conv1, + time_emb_proj(act(temb)), norm2 -> act -> dropout -> conv2,
    plus the (1x1-conv'd if channels change, resampled) input, all divided by output_scale_factor.

    scale_shift: time_emb_proj gives 2*out channels, split as (scale, shift); h = norm2(h) * (1 + scale) + shift.
    resample "down" is a 2x2 average pool, "up" nearest x2, applied to both branches after norm1/act."""

    def __init__(self, in_channels: int, out_channels: int, temb_channels: int, groups: int, eps: float,
                 act_fn: str, time_scale_shift: str, dropout: float, output_scale_factor: float = 1.0,
                 resample: str | None = None):
        super().__init__()
        self.time_scale_shift = time_scale_shift
        self.output_scale_factor = output_scale_factor
        self.resample = resample
        self.norm1 = nn.GroupNorm(groups, in_channels, eps=eps)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        proj_channels = 2 * out_channels if time_scale_shift == "scale_shift" else out_channels
        self.time_emb_proj = nn.Linear(temb_channels, proj_channels)
        self.norm2 = nn.GroupNorm(groups, out_channels, eps=eps)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.nonlinearity = make_activation(act_fn)
        self.conv_shortcut = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else None

    def _resample(self, x: torch.Tensor) -> torch.Tensor:
        if self.resample == "down":
            return F.avg_pool2d(x, kernel_size=2, stride=2)
        if self.resample == "up":
            return F.interpolate(x, scale_factor=2.0, mode="nearest")
        return x

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.nonlinearity(self.norm1(x))
        x = self._resample(x)
        h = self.conv1(self._resample(h))
        t = self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]
        if self.time_scale_shift == "scale_shift":
            scale, shift = torch.chunk(t, 2, dim=1)
            h = self.norm2(h) * (1 + scale) + shift
        else:
            h = self.norm2(h + t)
        h = self.conv2(self.dropout(self.nonlinearity(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return (x + h) / self.output_scale_factor


def multi_head_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int, head_dim: int) -> torch.Tensor:
    """softmax(q k^T / sqrt(head_dim)) v per head: q [B, N, heads*head_dim], k and v [B, S, heads*head_dim]
    -> [B, N, heads*head_dim].

    The classic formula, as diffusers' AttnProcessor computes it under torch 1.13 (no scaled-dot-product
    kernel): scores scaled after the product, softmax in float32. heads and head_dim are Python ints, so a
    traced export gets the scale as a constant and only the batch and token counts from shapes."""
    b = q.shape[0]

    def split_heads(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(b, -1, heads, head_dim).transpose(1, 2)  # [B, heads, tokens, head_dim]

    q, k, v = split_heads(q), split_heads(k), split_heads(v)
    scores = torch.matmul(q, k.transpose(-1, -2)) * (head_dim ** -0.5)
    h = torch.matmul(torch.softmax(scores.float(), dim=-1).to(v.dtype), v)
    return h.transpose(1, 2).reshape(b, -1, heads * head_dim)
