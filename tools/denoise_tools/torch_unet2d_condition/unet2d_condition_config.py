"""The config.json of a diffusers UNet2DConditionModel, validated once with its defaults in one place.

Defaults are UNet2DConditionModel.__init__'s at diffusers 58eb52c (0.40.0.dev0): hub configs written by older
versions omit keys (SD 1.5's 0.6.0 file has no only_cross_attention, use_linear_projection, ...), which then take
these values. Unlike diffusers, unknown keys are rejected, and so is every value this module does not build
(SDXL's addition embeddings, class embeddings, other block types, ...), naming the key.

Per-level keys (attention_head_dim, cross_attention_dim, layers_per_block, transformer_layers_per_block,
only_cross_attention) may be one value or a list with one entry per down block; they are stored as tuples in down
order. The up blocks read them reversed, the mid block reads the last entry.
"""
import json
from dataclasses import dataclass
from typing import Any

DEFAULTS: dict[str, Any] = {
    "sample_size": None,
    "in_channels": 4,
    "out_channels": 4,
    "center_input_sample": False,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "only_cross_attention": False,
    "block_out_channels": [320, 640, 1280, 1280],
    "layers_per_block": 2,
    "downsample_padding": 1,
    "mid_block_scale_factor": 1,
    "dropout": 0.0,
    "act_fn": "silu",
    "norm_num_groups": 32,
    "norm_eps": 1e-5,
    "cross_attention_dim": 1280,
    "transformer_layers_per_block": 1,
    "reverse_transformer_layers_per_block": None,
    "encoder_hid_dim": None,
    "encoder_hid_dim_type": None,
    "attention_head_dim": 8,
    "num_attention_heads": None,
    "dual_cross_attention": False,
    "use_linear_projection": False,
    "class_embed_type": None,
    "addition_embed_type": None,
    "addition_time_embed_dim": None,
    "num_class_embeds": None,
    "upcast_attention": False,
    "resnet_time_scale_shift": "default",
    "resnet_skip_time_act": False,
    "resnet_out_scale_factor": 1.0,
    "time_embedding_type": "positional",
    "time_embedding_dim": None,
    "time_embedding_act_fn": None,
    "timestep_post_act": None,
    "time_cond_proj_dim": None,
    "conv_in_kernel": 3,
    "conv_out_kernel": 3,
    "projection_class_embeddings_input_dim": None,
    "attention_type": "default",
    "class_embeddings_concat": False,
    "mid_block_only_cross_attention": None,
    "cross_attention_norm": None,
    "addition_embed_type_num_heads": 64,
}

# Keys whose default is the only value supported: the features they switch on are not built here (SDXL's
# text_time addition, Kandinsky's encoder projections, class embeddings, GLIGEN, the SimpleCrossAttn and
# ResnetDownsample blocks that resnet_skip_time_act, resnet_out_scale_factor, cross_attention_norm and
# mid_block_only_cross_attention configure), or no reference folder covers them.
DEFAULT_ONLY = (
    "reverse_transformer_layers_per_block", "encoder_hid_dim", "encoder_hid_dim_type", "num_attention_heads",
    "dual_cross_attention", "class_embed_type", "addition_embed_type", "addition_time_embed_dim",
    "num_class_embeds", "resnet_time_scale_shift", "resnet_skip_time_act", "resnet_out_scale_factor",
    "time_embedding_type", "time_embedding_act_fn", "timestep_post_act", "conv_in_kernel", "conv_out_kernel",
    "projection_class_embeddings_input_dim", "attention_type", "class_embeddings_concat",
    "mid_block_only_cross_attention", "cross_attention_norm", "addition_embed_type_num_heads",
)

DOWN_BLOCK_TYPES = ("CrossAttnDownBlock2D", "DownBlock2D")
UP_BLOCK_TYPES = ("CrossAttnUpBlock2D", "UpBlock2D")
MID_BLOCK_TYPES = ("UNetMidBlock2DCrossAttn",)
# diffusers' get_activation also knows mish, gelu and relu; no reference folder covers them for this model.
ACT_FNS = ("silu", "swish")


class UNet2DConditionConfigError(ValueError):
    pass


@dataclass(frozen=True)
class UNet2DConditionConfig:
    sample_size: tuple[int, int] | None  # (height, width)
    in_channels: int
    out_channels: int
    center_input_sample: bool
    flip_sin_to_cos: bool
    freq_shift: float
    down_block_types: tuple[str, ...]
    mid_block_type: str
    up_block_types: tuple[str, ...]
    block_out_channels: tuple[int, ...]
    downsample_padding: int
    mid_block_scale_factor: float
    dropout: float
    act_fn: str
    norm_num_groups: int
    norm_eps: float
    use_linear_projection: bool
    upcast_attention: bool  # q/k product and softmax in float32: no effect on a float32 forward (null = false)
    time_embedding_dim: int | None
    time_cond_proj_dim: int | None
    # Per level, down order:
    layers_per_block: tuple[int, ...]
    transformer_layers_per_block: tuple[int, ...]
    cross_attention_dim: tuple[int, ...]
    only_cross_attention: tuple[bool, ...]
    # The config's attention_head_dim: diffusers reads it as the number of heads when num_attention_heads is
    # null (always, at this commit: it refuses num_attention_heads). SD 1.5's 8 is 8 heads of 40/80/160.
    num_attention_heads: tuple[int, ...]

    @property
    def time_embed_dim(self) -> int:
        return self.time_embedding_dim or self.block_out_channels[0] * 4


def _fail(key: str, value: Any, allowed: str) -> UNet2DConditionConfigError:
    return UNet2DConditionConfigError(f"config key {key!r}: got {value!r}, expected {allowed}")


def _is_int(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _int(raw: dict, key: str, minimum: int, optional: bool = False) -> int | None:
    value = raw[key]
    if value is None and optional:
        return None
    if not _is_int(value, minimum):
        raise _fail(key, value, f"an integer >= {minimum}" + (" or null" if optional else ""))
    return value


def _number(raw: dict, key: str, positive: bool = False) -> float:
    value = raw[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and not value > 0):
        raise _fail(key, value, "a positive number" if positive else "a number")
    return float(value)


def _bool(raw: dict, key: str) -> bool:
    if not isinstance(raw[key], bool):
        raise _fail(key, raw[key], "true or false")
    return raw[key]


def _choice(raw: dict, key: str, allowed: tuple) -> Any:
    if raw[key] not in allowed:
        raise _fail(key, raw[key], "one of " + ", ".join(json.dumps(a) for a in allowed))
    return raw[key]


def _per_level(raw: dict, key: str, levels: int, valid, what: str) -> tuple:
    """One value for every level, or a list of exactly `levels` values."""
    value = raw[key]
    if isinstance(value, list):
        if len(value) != levels or not all(valid(v) for v in value):
            raise _fail(key, value, f"{what}, or a list of {levels} (one per down block)")
        return tuple(value)
    if not valid(value):
        raise _fail(key, value, f"{what}, or a list of {levels} (one per down block)")
    return (value,) * levels


def _sample_size(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if _is_int(value, 1):
        return (value, value)
    if isinstance(value, list) and len(value) == 2 and all(_is_int(v, 1) for v in value):
        return (value[0], value[1])
    raise _fail("sample_size", value, "a positive integer, [height, width] or null")


def parse_unet2d_condition_config(raw: Any) -> UNet2DConditionConfig:
    if not isinstance(raw, dict):
        raise UNet2DConditionConfigError(f"config: got {type(raw).__name__}, expected a JSON object")
    if raw.get("_class_name", "UNet2DConditionModel") != "UNet2DConditionModel":
        raise _fail("_class_name", raw["_class_name"], '"UNet2DConditionModel"')
    unknown = sorted(k for k in raw if not k.startswith("_") and k not in DEFAULTS)
    if unknown:
        raise UNet2DConditionConfigError(f"config keys {unknown} are not UNet2DConditionModel arguments")
    r = {**DEFAULTS, **{k: v for k, v in raw.items() if not k.startswith("_")}}
    for key in DEFAULT_ONLY:
        # == lets 1 stand for 1.0; a bool is also an int, so booleans must match in type too (0 is not false).
        if r[key] != DEFAULTS[key] or (type(r[key]) is bool) != (type(DEFAULTS[key]) is bool):
            raise _fail(key, r[key], f"{json.dumps(DEFAULTS[key])} (the only value supported)")

    channels = r["block_out_channels"]
    if not isinstance(channels, list) or not channels or not all(_is_int(c, 1) for c in channels):
        raise _fail("block_out_channels", channels, "a non-empty list of positive integers")
    levels = len(channels)
    for key, allowed in (("down_block_types", DOWN_BLOCK_TYPES), ("up_block_types", UP_BLOCK_TYPES)):
        types = r[key]
        if not isinstance(types, list) or len(types) != levels:
            raise _fail(key, types, f"a list as long as block_out_channels ({levels})")
        for t in types:
            if t not in allowed:
                raise _fail(key, types, "a list of " + ", ".join(allowed))

    def positive(v: Any) -> bool:
        return _is_int(v, 1)

    config = UNet2DConditionConfig(
        sample_size=_sample_size(r["sample_size"]),
        in_channels=_int(r, "in_channels", 1),
        out_channels=_int(r, "out_channels", 1),
        center_input_sample=_bool(r, "center_input_sample"),
        flip_sin_to_cos=_bool(r, "flip_sin_to_cos"),
        freq_shift=_number(r, "freq_shift"),
        down_block_types=tuple(r["down_block_types"]),
        mid_block_type=_choice(r, "mid_block_type", MID_BLOCK_TYPES),
        up_block_types=tuple(r["up_block_types"]),
        block_out_channels=tuple(channels),
        downsample_padding=_int(r, "downsample_padding", 0),
        mid_block_scale_factor=_number(r, "mid_block_scale_factor", positive=True),
        dropout=_number(r, "dropout"),
        act_fn=_choice(r, "act_fn", ACT_FNS),
        norm_num_groups=_int(r, "norm_num_groups", 1),
        norm_eps=_number(r, "norm_eps", positive=True),
        use_linear_projection=_bool(r, "use_linear_projection"),
        # LCM_Dreamshaper_v7's config has null, which diffusers passes on as a falsy flag.
        upcast_attention=False if r["upcast_attention"] is None else _bool(r, "upcast_attention"),
        time_embedding_dim=_int(r, "time_embedding_dim", 1, optional=True),
        time_cond_proj_dim=_int(r, "time_cond_proj_dim", 1, optional=True),
        layers_per_block=_per_level(r, "layers_per_block", levels, positive, "a positive integer"),
        transformer_layers_per_block=_per_level(r, "transformer_layers_per_block", levels, positive,
                                                "a positive integer (nested lists need reverse_transformer_layers_per_block, not supported)"),
        cross_attention_dim=_per_level(r, "cross_attention_dim", levels, positive, "a positive integer"),
        only_cross_attention=_per_level(r, "only_cross_attention", levels, lambda v: isinstance(v, bool),
                                        "true or false"),
        num_attention_heads=_per_level(r, "attention_head_dim", levels, positive,
                                       "a positive integer (the number of heads)"),
    )
    _check_consistency(config)
    return config


def _check_consistency(c: UNet2DConditionConfig) -> None:
    if not 0.0 <= c.dropout < 1.0:
        raise _fail("dropout", c.dropout, "a number in [0, 1)")
    for ch in c.block_out_channels:
        if ch % c.norm_num_groups:
            raise _fail("norm_num_groups", c.norm_num_groups, f"a divisor of every block_out_channels entry ({ch})")
    if c.block_out_channels[0] // 2 == c.freq_shift:
        raise _fail("freq_shift", c.freq_shift, "not block_out_channels[0] // 2 (divides by zero)")
    # Each transformer has heads of channels // heads each: at least one channel per head, at every level
    # with attention (the mid block is the last level's).
    attention_levels = {i for i, t in enumerate(c.down_block_types) if t == "CrossAttnDownBlock2D"}
    attention_levels |= {len(c.block_out_channels) - 1 - i for i, t in enumerate(c.up_block_types)
                         if t == "CrossAttnUpBlock2D"}
    attention_levels.add(len(c.block_out_channels) - 1)
    for i in sorted(attention_levels):
        if c.block_out_channels[i] < c.num_attention_heads[i]:
            raise _fail("attention_head_dim", list(c.num_attention_heads),
                        f"at most block_out_channels[{i}] ({c.block_out_channels[i]}) heads at level {i}")


def read_unet2d_condition_config(path: str) -> UNet2DConditionConfig:
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    try:
        return parse_unet2d_condition_config(raw)
    except UNet2DConditionConfigError as err:
        raise UNet2DConditionConfigError(f"{path}: {err}") from err
