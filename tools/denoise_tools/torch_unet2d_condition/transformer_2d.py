"""diffusers' Transformer2DModel over continuous input, as Stable Diffusion's UNet blocks build it.

Written from the architecture. Attribute names are diffusers' (norm, proj_in, transformer_blocks.N.norm1/attn1/
norm2/attn2/norm3/ff.net.0.proj/ff.net.2, attnK.to_q/to_k/to_v/to_out.0, proj_out), so the state_dict keys
under each `attentions.M.` of a CrossAttn block are diffusers' own.

    x [B, C, H, W] -> GroupNorm(eps 1e-6) -> proj_in -> tokens [B, H*W, inner] -> BasicTransformerBlock x L
      -> proj_out -> [B, C, H, W] + x
proj_in/proj_out are 1x1 convs (SD 1.x), or Linear layers applied to the tokens with use_linear_projection
(SD 2.x): same math, different weight shapes ([inner, C, 1, 1] vs [inner, C]) and order of reshape and projection.
"""
import torch
import torch.nn.functional as F
from torch import nn

from denoise_tools.torch_unet2d.layers import multi_head_attention

# Transformer2DModel's own constants, not taken from the UNet config: its GroupNorm eps, and the LayerNorm eps
# and feed-forward width of BasicTransformerBlock (norm_eps 1e-5, FeedForward mult 4).
TRANSFORMER_GROUP_NORM_EPS = 1e-6
LAYER_NORM_EPS = 1e-5
FF_MULT = 4


class Attention(nn.Module):
    """diffusers' Attention with attention_bias False: to_q/to_k/to_v without bias, keys and values from the
    context (encoder_hidden_states, context_dim wide) or, without one, from x; to_out.0 with bias.
    heads * head_dim may differ from dim (SD: dim // heads * heads = dim)."""

    def __init__(self, dim: int, heads: int, head_dim: int, context_dim: int | None = None):
        super().__init__()
        self.heads = heads
        self.head_dim = head_dim
        inner = heads * head_dim
        self.to_q = nn.Linear(dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim or dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim or dim, inner, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(inner, dim), nn.Dropout(0.0)])

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        kv = x if context is None else context
        h = multi_head_attention(self.to_q(x), self.to_k(kv), self.to_v(kv), self.heads, self.head_dim)
        for layer in self.to_out:
            h = layer(h)
        return h


class GEGLU(nn.Module):
    """proj to 2*inner, split as (h, gate) in that order, h * gelu(gate) (exact, erf-based GELU)."""

    def __init__(self, dim: int, inner: int):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    """net = [GEGLU(dim -> 4*dim), Dropout, Linear(4*dim -> dim)] (state_dict ff.net.0.proj, ff.net.2)."""

    def __init__(self, dim: int, dropout: float):
        super().__init__()
        inner = dim * FF_MULT
        self.net = nn.ModuleList([GEGLU(dim, inner), nn.Dropout(dropout), nn.Linear(inner, dim)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.net:
            x = layer(x)
        return x


class BasicTransformerBlock(nn.Module):
    """Pre-LayerNorm block, each sub-layer residual: x += attn1(norm1(x)); x += attn2(norm2(x), context);
    x += ff(norm3(x)). attn1 is self-attention, except with only_cross_attention: then it also attends to the
    context (its to_k/to_v are context_dim wide). attn2 always attends to the context."""

    def __init__(self, dim: int, heads: int, head_dim: int, context_dim: int, only_cross_attention: bool,
                 dropout: float):
        super().__init__()
        self.only_cross_attention = only_cross_attention
        self.norm1 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.attn1 = Attention(dim, heads, head_dim, context_dim if only_cross_attention else None)
        self.norm2 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.attn2 = Attention(dim, heads, head_dim, context_dim)
        self.norm3 = nn.LayerNorm(dim, eps=LAYER_NORM_EPS)
        self.ff = FeedForward(dim, dropout)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = self.attn1(self.norm1(x), context if self.only_cross_attention else None) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    """GroupNorm -> proj_in -> BasicTransformerBlock x num_layers -> proj_out, plus the input (see module doc)."""

    def __init__(self, channels: int, heads: int, context_dim: int, num_layers: int, norm_groups: int,
                 use_linear_projection: bool, only_cross_attention: bool, dropout: float):
        super().__init__()
        head_dim = channels // heads  # the blocks pass out_channels // num_attention_heads
        inner = heads * head_dim
        self.use_linear_projection = use_linear_projection
        self.norm = nn.GroupNorm(norm_groups, channels, eps=TRANSFORMER_GROUP_NORM_EPS)
        if use_linear_projection:
            self.proj_in = nn.Linear(channels, inner)
            self.proj_out = nn.Linear(inner, channels)
        else:
            self.proj_in = nn.Conv2d(channels, inner, 1)
            self.proj_out = nn.Conv2d(inner, channels, 1)
        self.transformer_blocks = nn.ModuleList([
            BasicTransformerBlock(inner, heads, head_dim, context_dim, only_cross_attention, dropout)
            for _ in range(num_layers)
        ])

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        b, _, height, width = x.shape
        h = self.norm(x)
        if not self.use_linear_projection:
            h = self.proj_in(h)
        inner = h.shape[1]
        h = h.permute(0, 2, 3, 1).reshape(b, height * width, inner)  # [B, H*W, inner] tokens
        if self.use_linear_projection:
            h = self.proj_in(h)
        for block in self.transformer_blocks:
            h = block(h, context)
        if self.use_linear_projection:
            h = self.proj_out(h)
        h = h.reshape(b, height, width, h.shape[-1]).permute(0, 3, 1, 2).contiguous()
        if not self.use_linear_projection:
            h = self.proj_out(h)
        return h + x
