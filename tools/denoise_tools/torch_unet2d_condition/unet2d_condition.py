"""diffusers' UNet2DConditionModel (Stable Diffusion 1.x/2.x, LCM) rebuilt in plain PyTorch, with diffusers'
state_dict names.

Written from the architecture (not diffusers' source) and checked against fixtures/diffusers-sd/ by check.py.
The resnets, resamplers and time embedding are torch_unet2d's (layers.py); the transformers are
transformer_2d.py's. Module attributes carry diffusers' names (conv_in, time_embedding.linear_1/cond_proj,
down_blocks.N.resnets.M, .attentions.M (a Transformer2DModel), .downsamplers.0.conv, mid_block.resnets.0/1,
mid_block.attentions.0, up_blocks.N.upsamplers.0.conv, conv_norm_out, conv_out), so a diffusers
diffusion_pytorch_model.safetensors loads with strict=True.

    model = load_unet2d_condition("fixtures/diffusers-sd/sd1-tiny/unet")
    out = model(sample, timestep, encoder_hidden_states)   # diffusers: unet(...).sample
"""
import os

import torch
from torch import nn

from denoise_tools.torch_unet2d.layers import (
    Downsample2D,
    ResnetBlock2D,
    TimestepEmbedding,
    Timesteps,
    Upsample2D,
    make_activation,
)
from denoise_tools.torch_unet2d.safetensors_file import read_safetensors
from denoise_tools.torch_unet2d.weights import load_state_strict, weights_path
from denoise_tools.torch_unet2d_condition.transformer_2d import Transformer2DModel
from denoise_tools.torch_unet2d_condition.unet2d_condition_config import (
    UNet2DConditionConfig,
    read_unet2d_condition_config,
)


def _resnet(c: UNet2DConditionConfig, in_ch: int, out_ch: int, output_scale_factor: float = 1.0) -> ResnetBlock2D:
    return ResnetBlock2D(in_ch, out_ch, c.time_embed_dim, c.norm_num_groups, c.norm_eps, c.act_fn, "default",
                         c.dropout, output_scale_factor=output_scale_factor)


def _transformer(c: UNet2DConditionConfig, level: int) -> Transformer2DModel:
    """The Transformer2DModel of a level (down order): its channels, heads, context width, depth and
    only_cross_attention. The up blocks read the per-level lists reversed, which is the same level."""
    return Transformer2DModel(c.block_out_channels[level], c.num_attention_heads[level], c.cross_attention_dim[level],
                              c.transformer_layers_per_block[level], c.norm_num_groups, c.use_linear_projection,
                              c.only_cross_attention[level], c.dropout)


class DownBlock(nn.Module):
    """CrossAttnDownBlock2D (cross_attention=True: a Transformer2DModel after each resnet) or DownBlock2D;
    layers_per_block resnets, then a stride-2 conv except in the last block. Returns the output and the
    states kept for the skip connections (each resnet/transformer output, then the downsampler's)."""

    def __init__(self, c: UNet2DConditionConfig, level: int, in_channels: int, cross_attention: bool,
                 add_downsample: bool):
        super().__init__()
        out_channels = c.block_out_channels[level]
        layers = c.layers_per_block[level]
        self.resnets = nn.ModuleList([
            _resnet(c, in_channels if i == 0 else out_channels, out_channels) for i in range(layers)
        ])
        self.attentions = nn.ModuleList([_transformer(c, level) for _ in range(layers)]) if cross_attention else None
        self.downsamplers = (
            nn.ModuleList([Downsample2D(out_channels, c.downsample_padding)]) if add_downsample else None
        )

    def forward(self, h: torch.Tensor, temb: torch.Tensor,
                context: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        states = []
        for i, resnet in enumerate(self.resnets):
            h = resnet(h, temb)
            if self.attentions is not None:
                h = self.attentions[i](h, context)
            states.append(h)
        if self.downsamplers is not None:
            h = self.downsamplers[0](h)
            states.append(h)
        return h, states


class UNetMidBlock2DCrossAttn(nn.Module):
    """resnet, transformer, resnet at the last level; the resnets divide by mid_block_scale_factor, the
    transformer does not. Its transformer never has only_cross_attention (diffusers hands
    mid_block_only_cross_attention to the SimpleCrossAttn mid block only)."""

    def __init__(self, c: UNet2DConditionConfig):
        super().__init__()
        level = len(c.block_out_channels) - 1
        ch, scale = c.block_out_channels[level], c.mid_block_scale_factor
        self.resnets = nn.ModuleList([_resnet(c, ch, ch, scale), _resnet(c, ch, ch, scale)])
        self.attentions = nn.ModuleList([
            Transformer2DModel(ch, c.num_attention_heads[level], c.cross_attention_dim[level],
                               c.transformer_layers_per_block[level], c.norm_num_groups, c.use_linear_projection,
                               False, c.dropout)
        ])

    def forward(self, h: torch.Tensor, temb: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        h = self.resnets[0](h, temb)
        h = self.attentions[0](h, context)
        return self.resnets[1](h, temb)


class UpBlock(nn.Module):
    """CrossAttnUpBlock2D / UpBlock2D at `level` (down order; up block i is level n-1-i): layers_per_block + 1
    resnets, each on cat([h, skip]) with the skips popped from the end of the down path, [transformer], then
    nearest x2 + conv except in the last block."""

    def __init__(self, c: UNet2DConditionConfig, level: int, prev_output_channels: int, cross_attention: bool,
                 add_upsample: bool):
        super().__init__()
        out_channels = c.block_out_channels[level]
        skip_last = c.block_out_channels[max(level - 1, 0)]  # the next-lower level's channels
        layers = c.layers_per_block[level] + 1
        self.resnets = nn.ModuleList([
            _resnet(c, (prev_output_channels if i == 0 else out_channels)
                    + (skip_last if i == layers - 1 else out_channels), out_channels)
            for i in range(layers)
        ])
        self.attentions = nn.ModuleList([_transformer(c, level) for _ in range(layers)]) if cross_attention else None
        self.upsamplers = nn.ModuleList([Upsample2D(out_channels)]) if add_upsample else None

    def forward(self, h: torch.Tensor, skips: list[torch.Tensor], temb: torch.Tensor, context: torch.Tensor,
                upsample_to_skip: bool) -> torch.Tensor:
        for i, resnet in enumerate(self.resnets):
            h = resnet(torch.cat([h, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                h = self.attentions[i](h, context)
        if self.upsamplers is not None:
            # For sizes that do not halve evenly, upsample to the next skip's size (diffusers' upsample_size).
            h = self.upsamplers[0](h, tuple(skips[-1].shape[2:]) if upsample_to_skip else None)
        return h


class UNet2DConditionModel(nn.Module):
    def __init__(self, config: UNet2DConditionConfig):
        super().__init__()
        c = self.config = config
        chs = c.block_out_channels
        n = len(chs)
        self.conv_in = nn.Conv2d(c.in_channels, chs[0], 3, padding=1)
        self.time_proj = Timesteps(chs[0], c.flip_sin_to_cos, c.freq_shift)
        self.time_embedding = TimestepEmbedding(chs[0], c.time_embed_dim, act_fn=c.act_fn,
                                                cond_proj_dim=c.time_cond_proj_dim)
        self.down_blocks = nn.ModuleList([
            DownBlock(c, i, chs[max(i - 1, 0)], t == "CrossAttnDownBlock2D", i < n - 1)
            for i, t in enumerate(c.down_block_types)
        ])
        self.mid_block = UNetMidBlock2DCrossAttn(c)
        self.up_blocks = nn.ModuleList([
            UpBlock(c, n - 1 - i, chs[min(n - i, n - 1)], t == "CrossAttnUpBlock2D", i < n - 1)
            for i, t in enumerate(c.up_block_types)
        ])
        self.conv_norm_out = nn.GroupNorm(c.norm_num_groups, chs[0], eps=c.norm_eps)
        self.conv_act = make_activation(c.act_fn)
        self.conv_out = nn.Conv2d(chs[0], c.out_channels, 3, padding=1)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor | int | float, encoder_hidden_states: torch.Tensor,
                timestep_cond: torch.Tensor | None = None) -> torch.Tensor:
        """sample [B, in_channels, h, w]; timestep 0-d, [1] or [B] (int64 or float); encoder_hidden_states
        [B, S, cross_attention_dim]; timestep_cond [B, time_cond_proj_dim] (LCM's guidance embedding; optional
        even when the model has cond_proj, as in diffusers)."""
        c = self.config
        if c.center_input_sample:
            sample = 2 * sample - 1.0
        if torch.is_tensor(timestep):
            timesteps = timestep[None] if timestep.dim() == 0 else timestep
        else:
            dtype = torch.float64 if isinstance(timestep, float) else torch.int64
            timesteps = torch.tensor([timestep], dtype=dtype, device=sample.device)
        # A 0-d or [1] timestep is broadcast to the batch.
        timesteps = timesteps.expand(sample.shape[0])
        emb = self.time_embedding(self.time_proj(timesteps).to(sample.dtype), timestep_cond)

        # diffusers passes each upsampler the next skip's size when h or w is not a multiple of 2^upsamplers.
        factor = 2 ** (len(self.up_blocks) - 1)
        upsample_to_skip = any(d % factor != 0 for d in sample.shape[-2:])

        h = self.conv_in(sample)
        skips = [h]
        for block in self.down_blocks:
            h, states = block(h, emb, encoder_hidden_states)
            skips.extend(states)
        h = self.mid_block(h, emb, encoder_hidden_states)
        for block in self.up_blocks:
            h = block(h, skips, emb, encoder_hidden_states, upsample_to_skip)
        return self.conv_out(self.conv_act(self.conv_norm_out(h)))


def load_unet2d_condition(model_dir: str, variant: str | None = None) -> UNet2DConditionModel:
    """config.json + diffusion_pytorch_model[.variant].safetensors (F32 or F16, F16 widened) -> eval model.
    Missing, unexpected or mis-shaped tensors are reported by name."""
    config = read_unet2d_condition_config(os.path.join(model_dir, "config.json"))
    path = weights_path(model_dir, variant)
    model = UNet2DConditionModel(config)
    load_state_strict(model, read_safetensors(path), path)
    return model.eval()
