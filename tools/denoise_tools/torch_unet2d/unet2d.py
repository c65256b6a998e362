"""diffusers' UNet2DModel rebuilt in plain PyTorch, with diffusers' state_dict names.

Written from the architecture (not diffusers' source) and checked against fixtures/diffusers-unet/ by
check.py. Module attributes carry diffusers' names (conv_in, time_embedding.linear_1,
down_blocks.N.resnets.M.norm1, .attentions.M.to_q, .to_out.0, .group_norm, .downsamplers.0.conv, mid_block,
up_blocks.N.upsamplers.0.conv, conv_norm_out, conv_out, class_embedding, time_proj), so a diffusers
diffusion_pytorch_model.safetensors loads with strict=True.

    model = load_unet2d("fixtures/diffusers-unet/ddpm-cifar10-32-tiny")
    out = model(sample, timestep)            # diffusers: model(sample, timestep).sample
"""
import math
import os

import torch
from torch import nn

from denoise_tools.torch_unet2d.layers import (
    Downsample2D,
    ResnetBlock2D,
    TimestepEmbedding,
    Timesteps,
    Upsample2D,
    multi_head_attention,
)
from denoise_tools.torch_unet2d.safetensors_file import read_safetensors
from denoise_tools.torch_unet2d.unet2d_config import UNet2DConfig, read_unet2d_config
from denoise_tools.torch_unet2d.weights import load_state_strict, weights_path

# diffusers before 0.14 stored the attention of these blocks as AttentionBlock; its loader renames them.
LEGACY_ATTENTION_NAMES = {"query": "to_q", "key": "to_k", "value": "to_v", "proj_attn": "to_out.0"}


class GaussianFourierProjection(nn.Module):
    """Score-SDE noise-level embedding: x = log(sigma), [sin | cos](x * W * 2pi) (cos first when flipped).
    W (state_dict `time_proj.weight`, block_out_channels[0] values) is fixed at init as 16 * N(0, 1)."""

    def __init__(self, embedding_size: int, scale: float = 16.0, flip_sin_to_cos: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(embedding_size) * scale, requires_grad=False)
        self.flip_sin_to_cos = flip_sin_to_cos

    def forward(self, sigmas: torch.Tensor) -> torch.Tensor:
        x = torch.log(sigmas)
        # Same multiplication order as diffusers: the arguments reach ~1e3 rad, so float32 rounding shows.
        proj = x[:, None] * self.weight[None, :] * 2 * math.pi
        if self.flip_sin_to_cos:
            return torch.cat([torch.cos(proj), torch.sin(proj)], dim=-1)
        return torch.cat([torch.sin(proj), torch.cos(proj)], dim=-1)


class Attention(nn.Module):
    """Self-attention over the H*W positions (diffusers' Attention as built for the UNet2D blocks):
    [group_norm] -> to_q/to_k/to_v -> heads = channels // head_dim, softmax(q k^T / sqrt(head_dim)) v ->
    to_out.0, then + input (residual) and / rescale_output_factor."""

    def __init__(self, channels: int, head_dim: int, norm_groups: int | None, eps: float,
                 rescale_output_factor: float = 1.0):
        super().__init__()
        self.heads = channels // head_dim
        self.head_dim = head_dim
        self.rescale_output_factor = rescale_output_factor
        inner = self.heads * head_dim
        self.group_norm = nn.GroupNorm(norm_groups, channels, eps=eps) if norm_groups is not None else None
        self.to_q = nn.Linear(channels, inner)
        self.to_k = nn.Linear(channels, inner)
        self.to_v = nn.Linear(channels, inner)
        self.to_out = nn.ModuleList([nn.Linear(inner, channels), nn.Dropout(0.0)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, height, width = x.shape
        h = x if self.group_norm is None else self.group_norm(x)
        h = h.reshape(b, c, height * width).transpose(1, 2)  # [B, N, C]
        h = multi_head_attention(self.to_q(h), self.to_k(h), self.to_v(h), self.heads, self.head_dim)
        for layer in self.to_out:
            h = layer(h)
        h = h.transpose(1, 2).reshape(b, c, height, width)
        return (h + x) / self.rescale_output_factor


class DownBlock(nn.Module):
    """DownBlock2D (attention=False, downsample "conv"), AttnDownBlock2D (attention=True, downsample
    downsample_type) and ResnetDownsampleBlock2D (attention=False, downsample "resnet"); downsample None in
    the last block. Returns the output and every intermediate state kept for the skip connections."""

    def __init__(self, c: UNet2DConfig, in_channels: int, out_channels: int, attention: bool,
                 downsample: str | None):
        super().__init__()
        temb, groups, eps = c.time_embed_dim, c.norm_num_groups, c.norm_eps
        self.resnets = nn.ModuleList([
            ResnetBlock2D(in_channels if i == 0 else out_channels, out_channels, temb, groups, eps, c.act_fn,
                          c.resnet_time_scale_shift, c.dropout)
            for i in range(c.layers_per_block)
        ])
        if attention:
            # attention_head_dim null means one head over all channels; the blocks use norm_num_groups
            # (attn_norm_num_groups only reaches the mid block).
            head_dim = c.attention_head_dim or out_channels
            self.attentions = nn.ModuleList([
                Attention(out_channels, head_dim, groups, eps) for _ in range(c.layers_per_block)
            ])
        else:
            self.attentions = None
        if downsample == "conv":
            self.downsamplers = nn.ModuleList([Downsample2D(out_channels, c.downsample_padding)])
        elif downsample == "resnet":
            self.downsamplers = nn.ModuleList([
                ResnetBlock2D(out_channels, out_channels, temb, groups, eps, c.act_fn, c.resnet_time_scale_shift,
                              c.dropout, resample="down")
            ])
        else:
            self.downsamplers = None

    def forward(self, h: torch.Tensor, temb: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        states = []
        for i, resnet in enumerate(self.resnets):
            h = resnet(h, temb)
            if self.attentions is not None:
                h = self.attentions[i](h)
            states.append(h)
        if self.downsamplers is not None:
            down = self.downsamplers[0]
            h = down(h, temb) if isinstance(down, ResnetBlock2D) else down(h)
            states.append(h)
        return h, states


class UNetMidBlock2D(nn.Module):
    """resnet, [attention, resnet] with everything divided by mid_block_scale_factor. The attention's
    GroupNorm has attn_norm_num_groups, else norm_num_groups, except with scale_shift: then none at all."""

    def __init__(self, c: UNet2DConfig):
        super().__init__()
        ch, temb, eps = c.block_out_channels[-1], c.time_embed_dim, c.norm_eps
        scale = c.mid_block_scale_factor

        def resnet() -> ResnetBlock2D:
            return ResnetBlock2D(ch, ch, temb, c.norm_num_groups, eps, c.act_fn, c.resnet_time_scale_shift,
                                 c.dropout, output_scale_factor=scale)

        self.resnets = nn.ModuleList([resnet(), resnet()])
        if c.add_attention:
            groups = c.attn_norm_num_groups
            if groups is None and c.resnet_time_scale_shift == "default":
                groups = c.norm_num_groups
            self.attentions = nn.ModuleList([Attention(ch, c.attention_head_dim or ch, groups, eps, scale)])
        else:
            self.attentions = None

    def forward(self, h: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.resnets[0](h, temb)
        if self.attentions is not None:
            h = self.attentions[0](h)
        return self.resnets[1](h, temb)


class UpBlock(nn.Module):
    """UpBlock2D / AttnUpBlock2D / ResnetUpsampleBlock2D (see DownBlock). layers_per_block + 1 resnets, each
    taking cat([h, skip]) with the skips popped from the end of the down path."""

    def __init__(self, c: UNet2DConfig, in_channels: int, out_channels: int, prev_output_channels: int,
                 attention: bool, upsample: str | None):
        super().__init__()
        temb, groups, eps = c.time_embed_dim, c.norm_num_groups, c.norm_eps
        layers = c.layers_per_block + 1
        resnets = []
        for i in range(layers):
            skip_channels = in_channels if i == layers - 1 else out_channels
            h_channels = prev_output_channels if i == 0 else out_channels
            resnets.append(ResnetBlock2D(h_channels + skip_channels, out_channels, temb, groups, eps, c.act_fn,
                                         c.resnet_time_scale_shift, c.dropout))
        self.resnets = nn.ModuleList(resnets)
        if attention:
            head_dim = c.attention_head_dim or out_channels
            self.attentions = nn.ModuleList([Attention(out_channels, head_dim, groups, eps) for _ in range(layers)])
        else:
            self.attentions = None
        if upsample == "conv":
            self.upsamplers = nn.ModuleList([Upsample2D(out_channels)])
        elif upsample == "resnet":
            self.upsamplers = nn.ModuleList([
                ResnetBlock2D(out_channels, out_channels, temb, groups, eps, c.act_fn, c.resnet_time_scale_shift,
                              c.dropout, resample="up")
            ])
        else:
            self.upsamplers = None

    def forward(self, h: torch.Tensor, skips: list[torch.Tensor], temb: torch.Tensor) -> torch.Tensor:
        for i, resnet in enumerate(self.resnets):
            h = resnet(torch.cat([h, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                h = self.attentions[i](h)
        if self.upsamplers is not None:
            up = self.upsamplers[0]
            h = up(h, temb) if isinstance(up, ResnetBlock2D) else up(h)
        return h


def _down_block(c: UNet2DConfig, block_type: str, in_ch: int, out_ch: int, is_final: bool) -> DownBlock:
    # diffusers' get_down_block: DownBlock2D always resamples with a conv, ResnetDownsampleBlock2D with a
    # resnet; only AttnDownBlock2D follows downsample_type.
    downsample = {"DownBlock2D": "conv", "AttnDownBlock2D": c.downsample_type, "ResnetDownsampleBlock2D": "resnet"}
    return DownBlock(c, in_ch, out_ch, block_type == "AttnDownBlock2D", None if is_final else downsample[block_type])


def _up_block(c: UNet2DConfig, block_type: str, in_ch: int, out_ch: int, prev_ch: int, is_final: bool) -> UpBlock:
    upsample = {"UpBlock2D": "conv", "AttnUpBlock2D": c.upsample_type, "ResnetUpsampleBlock2D": "resnet"}
    return UpBlock(c, in_ch, out_ch, prev_ch, block_type == "AttnUpBlock2D", None if is_final else upsample[block_type])


class UNet2DModel(nn.Module):
    def __init__(self, config: UNet2DConfig):
        super().__init__()
        c = self.config = config
        ch0, temb = c.block_out_channels[0], c.time_embed_dim
        self.conv_in = nn.Conv2d(c.in_channels, ch0, 3, padding=1)

        if c.time_embedding_type == "fourier":
            # UNet2DModel builds it with the defaults (flip_sin_to_cos False): the config's flag is not used.
            self.time_proj = GaussianFourierProjection(ch0, scale=16.0)
            timestep_input_dim = 2 * ch0
        elif c.time_embedding_type == "learned":
            self.time_proj = nn.Embedding(c.num_train_timesteps, ch0)
            timestep_input_dim = ch0
        else:
            self.time_proj = Timesteps(ch0, c.flip_sin_to_cos, c.freq_shift)
            timestep_input_dim = ch0
        self.time_embedding = TimestepEmbedding(timestep_input_dim, temb)

        if c.class_embed_type is None and c.num_class_embeds is not None:
            self.class_embedding = nn.Embedding(c.num_class_embeds, temb)
        elif c.class_embed_type == "timestep":
            self.class_embedding = TimestepEmbedding(timestep_input_dim, temb)
        elif c.class_embed_type == "identity":
            self.class_embedding = nn.Identity()
        else:
            self.class_embedding = None

        chs = c.block_out_channels
        n = len(chs)
        self.down_blocks = nn.ModuleList([
            _down_block(c, t, chs[max(i - 1, 0)], chs[i], i == n - 1) for i, t in enumerate(c.down_block_types)
        ])
        self.mid_block = UNetMidBlock2D(c) if c.mid_block_type == "UNetMidBlock2D" else None
        rev = list(reversed(chs))
        self.up_blocks = nn.ModuleList([
            _up_block(c, t, rev[min(i + 1, n - 1)], rev[i], rev[max(i - 1, 0)], i == n - 1)
            for i, t in enumerate(c.up_block_types)
        ])
        self.conv_norm_out = nn.GroupNorm(c.norm_num_groups, ch0, eps=c.norm_eps)
        self.conv_act = nn.SiLU()  # SiLU whatever act_fn says, as in diffusers
        self.conv_out = nn.Conv2d(ch0, c.out_channels, 3, padding=1)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor | int | float,
                class_labels: torch.Tensor | None = None) -> torch.Tensor:
        c = self.config
        if c.center_input_sample:
            sample = 2 * sample - 1.0
        timesteps = timestep if torch.is_tensor(timestep) else torch.tensor([timestep], device=sample.device)
        if timesteps.dim() == 0:
            timesteps = timesteps[None]
        # A 0-d or [1] timestep is broadcast to the batch (diffusers multiplies by ones(batch)).
        timesteps = timesteps * torch.ones(sample.shape[0], dtype=timesteps.dtype, device=timesteps.device)

        emb = self.time_embedding(self.time_proj(timesteps).to(sample.dtype))
        if self.class_embedding is not None:
            if class_labels is None:
                raise ValueError("class_labels is required: the config has a class embedding")
            if c.class_embed_type == "timestep":
                class_labels = self.time_proj(class_labels)
            emb = emb + self.class_embedding(class_labels).to(sample.dtype)
        elif class_labels is not None:
            raise ValueError("class_labels given but the config has no class embedding")

        h = self.conv_in(sample)
        skips = [h]
        for block in self.down_blocks:
            h, states = block(h, emb)
            skips.extend(states)
        if self.mid_block is not None:
            h = self.mid_block(h, emb)
        for block in self.up_blocks:
            h = block(h, skips, emb)
        h = self.conv_out(self.conv_act(self.conv_norm_out(h)))

        if c.time_embedding_type == "fourier":
            # The score-SDE parameterisation: the network output is divided by sigma.
            h = h / timesteps.reshape(sample.shape[0], *([1] * (sample.dim() - 1)))
        return h


def rename_legacy_keys(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Map 2022 attention names (…attentions.N.query.weight) to current ones (…attentions.N.to_q.weight)."""
    renamed = {}
    for key, value in state.items():
        parts = key.split(".")
        if len(parts) >= 3 and "attentions" in parts[:-2] and parts[-2] in LEGACY_ATTENTION_NAMES:
            new_key = ".".join(parts[:-2] + [LEGACY_ATTENTION_NAMES[parts[-2]], parts[-1]])
            if new_key in state:
                raise ValueError(f"weights hold both {key!r} and its current name {new_key!r}")
            key = new_key
        renamed[key] = value
    return renamed


def load_state(model: UNet2DModel, state: dict[str, torch.Tensor], source: str) -> None:
    """Strict load (legacy attention names accepted) that names every missing, unexpected or mis-shaped tensor."""
    load_state_strict(model, rename_legacy_keys(state), source)


def load_unet2d(model_dir: str, variant: str | None = None) -> UNet2DModel:
    """config.json + diffusion_pytorch_model[.variant].safetensors (F32 or F16, F16 widened) -> eval model."""
    config = read_unet2d_config(os.path.join(model_dir, "config.json"))
    path = weights_path(model_dir, variant)
    model = UNet2DModel(config)
    load_state(model, read_safetensors(path), path)
    return model.eval()
