"""A small diffusers-style UNet for 1x32x32 images (epsilon prediction).

Layout follows diffusers' UNet2DModel: conv_in, down blocks (ResnetBlock2D [+ attention] then a strided
conv), a mid block (resnet, attention, resnet), up blocks that each consume layers_per_block + 1 skip
connections, then GroupNorm + SiLU + conv_out. The timestep gets a sinusoidal embedding (Vaswani et al.
2017, as in DDPM) followed by a two-layer MLP and is added inside every residual block.

This is the one definition of the network: train.py, export.py and denoise_tools.torch_baseline import it.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

# Defaults of the shipped fixture (fixtures/models/fmnist-unet); recorded in model.json.
DEFAULT_CONFIG = {
    "in_channels": 1,
    "out_channels": 1,
    "sample_size": 32,
    "base_channels": 32,
    "channel_mult": [1, 2, 2],
    "layers_per_block": 1,
    "attention_levels": [2],  # 8x8 only
    "norm_num_groups": 8,
    "attention_head_dim": 32,
    "time_embed_dim": 128,
}


def timestep_embedding(timesteps: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding [cos | sin] of integer timesteps, shape [B, dim]."""
    half = dim // 2
    exponent = -math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=timesteps.device) / half
    args = timesteps.to(torch.float32)[:, None] * torch.exp(exponent)[None, :]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


class ResnetBlock(nn.Module):
    """GroupNorm -> SiLU -> conv, + time embedding, GroupNorm -> SiLU -> conv, + (1x1) shortcut."""

    def __init__(self, in_ch: int, out_ch: int, temb_dim: int, groups: int):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, in_ch, eps=1e-5)
        self.conv1 = nn.Conv2d(in_ch, out_ch, 3, padding=1)
        self.time_proj = nn.Linear(temb_dim, out_ch)
        self.norm2 = nn.GroupNorm(groups, out_ch, eps=1e-5)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, padding=1)
        self.shortcut = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return self.shortcut(x) + h


class SelfAttention(nn.Module):
    """Multi-head self-attention over the H*W positions, with a residual connection."""

    def __init__(self, ch: int, head_dim: int, groups: int):
        super().__init__()
        self.heads = ch // head_dim
        self.head_dim = head_dim
        self.norm = nn.GroupNorm(groups, ch, eps=1e-5)
        self.qkv = nn.Linear(ch, 3 * ch)
        self.proj = nn.Linear(ch, ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        y = self.norm(x).reshape(b, c, h * w).transpose(1, 2)  # [B, N, C]
        q, k, v = self.qkv(y).reshape(b, h * w, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        attn = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * (self.head_dim ** -0.5), dim=-1)
        y = torch.matmul(attn, v).transpose(1, 2).reshape(b, h * w, c)
        y = self.proj(y).transpose(1, 2).reshape(b, c, h, w)
        return x + y


class UNet(nn.Module):
    def __init__(self, config: dict | None = None):
        super().__init__()
        cfg = dict(DEFAULT_CONFIG, **(config or {}))
        self.config = cfg
        base, groups, temb_dim = cfg["base_channels"], cfg["norm_num_groups"], cfg["time_embed_dim"]
        chans = [base * m for m in cfg["channel_mult"]]
        n_layers, levels = cfg["layers_per_block"], len(chans)
        attn_at, head_dim = set(cfg["attention_levels"]), cfg["attention_head_dim"]

        self.time_mlp = nn.Sequential(nn.Linear(base, temb_dim), nn.SiLU(), nn.Linear(temb_dim, temb_dim))
        self.conv_in = nn.Conv2d(cfg["in_channels"], base, 3, padding=1)

        self.down_res = nn.ModuleList()
        self.down_attn = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skip_chans = [base]
        ch = base
        for level, out_ch in enumerate(chans):
            for _ in range(n_layers):
                self.down_res.append(ResnetBlock(ch, out_ch, temb_dim, groups))
                self.down_attn.append(SelfAttention(out_ch, head_dim, groups) if level in attn_at else nn.Identity())
                ch = out_ch
                skip_chans.append(ch)
            if level < levels - 1:
                self.downsample.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                skip_chans.append(ch)

        self.mid_res1 = ResnetBlock(ch, ch, temb_dim, groups)
        self.mid_attn = SelfAttention(ch, head_dim, groups)
        self.mid_res2 = ResnetBlock(ch, ch, temb_dim, groups)

        self.up_res = nn.ModuleList()
        self.up_attn = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for level in reversed(range(levels)):
            out_ch = chans[level]
            for _ in range(n_layers + 1):
                self.up_res.append(ResnetBlock(ch + skip_chans.pop(), out_ch, temb_dim, groups))
                self.up_attn.append(SelfAttention(out_ch, head_dim, groups) if level in attn_at else nn.Identity())
                ch = out_ch
            if level > 0:
                self.upsample.append(nn.Conv2d(ch, ch, 3, padding=1))

        self.norm_out = nn.GroupNorm(groups, ch, eps=1e-5)
        self.conv_out = nn.Conv2d(ch, cfg["out_channels"], 3, padding=1)
        self.n_layers, self.levels = n_layers, levels

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        temb = self.time_mlp(timestep_embedding(timestep, self.config["base_channels"]))
        h = self.conv_in(sample)
        skips = [h]
        i = 0
        for level in range(self.levels):
            for _ in range(self.n_layers):
                h = self.down_attn[i](self.down_res[i](h, temb))
                skips.append(h)
                i += 1
            if level < self.levels - 1:
                h = self.downsample[level](h)
                skips.append(h)

        h = self.mid_res2(self.mid_attn(self.mid_res1(h, temb)), temb)

        i = 0
        for j, level in enumerate(reversed(range(self.levels))):
            for _ in range(self.n_layers + 1):
                h = self.up_attn[i](self.up_res[i](torch.cat([h, skips.pop()], dim=1), temb))
                i += 1
            if level > 0:
                h = self.upsample[j](F.interpolate(h, scale_factor=2.0, mode="nearest"))

        return self.conv_out(F.silu(self.norm_out(h)))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def load_unet(weights_path: str, device: str = "cpu") -> UNet:
    """The UNet in eval mode from a weights.pt written by export.py ({"unet_config", "state_dict"})."""
    blob = torch.load(weights_path, map_location=device)
    model = UNet(blob["unet_config"]).to(device)
    model.load_state_dict(blob["state_dict"])
    return model.eval()
