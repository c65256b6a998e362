"""The config.json of a diffusers UNet2DModel, validated once with its defaults in one place.

Defaults are UNet2DModel.__init__'s at diffusers 58eb52c (0.40.0.dev0): hub configs written by older
versions omit keys (the google/ddpm-* files have no add_attention, mid_block_type, ...), which then take
these values. Unlike diffusers, unknown keys and unsupported values are rejected, naming the key.

DEFAULTS is the tools' one copy of these defaults (train_fixture.to_diffusers writes the fixture's config.json
from it); packages/diffusers/src/unet-config.ts holds the TypeScript one.
"""
import json
from dataclasses import dataclass
from typing import Any

DEFAULTS: dict[str, Any] = {
    "sample_size": None,
    "in_channels": 3,
    "out_channels": 3,
    "center_input_sample": False,
    "time_embedding_type": "positional",
    "time_embedding_dim": None,
    "freq_shift": 0,
    "flip_sin_to_cos": True,
    "down_block_types": ["DownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D", "AttnDownBlock2D"],
    "mid_block_type": "UNetMidBlock2D",
    "up_block_types": ["AttnUpBlock2D", "AttnUpBlock2D", "AttnUpBlock2D", "UpBlock2D"],
    "block_out_channels": [224, 448, 672, 896],
    "layers_per_block": 2,
    "mid_block_scale_factor": 1,
    "downsample_padding": 1,
    "downsample_type": "conv",
    "upsample_type": "conv",
    "dropout": 0.0,
    "act_fn": "silu",
    "attention_head_dim": 8,
    "norm_num_groups": 32,
    "attn_norm_num_groups": None,
    "norm_eps": 1e-5,
    "resnet_time_scale_shift": "default",
    "add_attention": True,
    "class_embed_type": None,
    "num_class_embeds": None,
    "num_train_timesteps": None,
}

DOWN_BLOCK_TYPES = ("DownBlock2D", "AttnDownBlock2D", "ResnetDownsampleBlock2D")
UP_BLOCK_TYPES = ("UpBlock2D", "AttnUpBlock2D", "ResnetUpsampleBlock2D")
MID_BLOCK_TYPES = ("UNetMidBlock2D", None)
TIME_EMBEDDING_TYPES = ("positional", "fourier", "learned")
CLASS_EMBED_TYPES = (None, "timestep", "identity")
RESAMPLE_TYPES = ("conv", "resnet")
TIME_SCALE_SHIFTS = ("default", "scale_shift")
# diffusers' get_activation also knows gelu and relu; no reference folder covers them, so they are refused.
ACT_FNS = ("silu", "swish", "mish")


class UNet2DConfigError(ValueError):
    pass


@dataclass(frozen=True)
class UNet2DConfig:
    sample_size: tuple[int, int] | None  # (height, width)
    in_channels: int
    out_channels: int
    center_input_sample: bool
    time_embedding_type: str
    time_embedding_dim: int | None
    freq_shift: float
    flip_sin_to_cos: bool
    down_block_types: tuple[str, ...]
    mid_block_type: str | None
    up_block_types: tuple[str, ...]
    block_out_channels: tuple[int, ...]
    layers_per_block: int
    mid_block_scale_factor: float
    downsample_padding: int
    downsample_type: str
    upsample_type: str
    dropout: float
    act_fn: str
    attention_head_dim: int | None
    norm_num_groups: int
    attn_norm_num_groups: int | None
    norm_eps: float
    resnet_time_scale_shift: str
    add_attention: bool
    class_embed_type: str | None
    num_class_embeds: int | None
    num_train_timesteps: int | None

    @property
    def time_embed_dim(self) -> int:
        return self.time_embedding_dim or self.block_out_channels[0] * 4


def _fail(key: str, value: Any, allowed: str) -> UNet2DConfigError:
    return UNet2DConfigError(f"config key {key!r}: got {value!r}, expected {allowed}")


def _int(raw: dict, key: str, minimum: int, optional: bool = False) -> int | None:
    value = raw[key]
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
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


def _sample_size(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return (value, value)
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    ):
        return (value[0], value[1])
    raise _fail("sample_size", value, "a positive integer, [height, width] or null")


def parse_unet2d_config(raw: Any) -> UNet2DConfig:
    if not isinstance(raw, dict):
        raise UNet2DConfigError(f"config: got {type(raw).__name__}, expected a JSON object")
    if raw.get("_class_name", "UNet2DModel") != "UNet2DModel":
        raise _fail("_class_name", raw["_class_name"], '"UNet2DModel"')
    unknown = sorted(k for k in raw if not k.startswith("_") and k not in DEFAULTS)
    if unknown:
        raise UNet2DConfigError(f"config keys {unknown} are not UNet2DModel arguments")
    r = {**DEFAULTS, **{k: v for k, v in raw.items() if not k.startswith("_")}}

    channels = r["block_out_channels"]
    if not isinstance(channels, list) or not channels or not all(
        isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in channels
    ):
        raise _fail("block_out_channels", channels, "a non-empty list of positive integers")
    for key, allowed in (("down_block_types", DOWN_BLOCK_TYPES), ("up_block_types", UP_BLOCK_TYPES)):
        types = r[key]
        if not isinstance(types, list) or len(types) != len(channels):
            raise _fail(key, types, f"a list as long as block_out_channels ({len(channels)})")
        for t in types:
            if t not in allowed:
                raise _fail(key, types, "a list of " + ", ".join(allowed))

    config = UNet2DConfig(
        sample_size=_sample_size(r["sample_size"]),
        in_channels=_int(r, "in_channels", 1),
        out_channels=_int(r, "out_channels", 1),
        center_input_sample=_bool(r, "center_input_sample"),
        time_embedding_type=_choice(r, "time_embedding_type", TIME_EMBEDDING_TYPES),
        time_embedding_dim=_int(r, "time_embedding_dim", 1, optional=True),
        freq_shift=_number(r, "freq_shift"),
        flip_sin_to_cos=_bool(r, "flip_sin_to_cos"),
        down_block_types=tuple(r["down_block_types"]),
        mid_block_type=_choice(r, "mid_block_type", MID_BLOCK_TYPES),
        up_block_types=tuple(r["up_block_types"]),
        block_out_channels=tuple(channels),
        layers_per_block=_int(r, "layers_per_block", 1),
        mid_block_scale_factor=_number(r, "mid_block_scale_factor", positive=True),
        downsample_padding=_int(r, "downsample_padding", 0),
        downsample_type=_choice(r, "downsample_type", RESAMPLE_TYPES),
        upsample_type=_choice(r, "upsample_type", RESAMPLE_TYPES),
        dropout=_number(r, "dropout"),
        act_fn=_choice(r, "act_fn", ACT_FNS),
        attention_head_dim=_int(r, "attention_head_dim", 1, optional=True),
        norm_num_groups=_int(r, "norm_num_groups", 1),
        attn_norm_num_groups=_int(r, "attn_norm_num_groups", 1, optional=True),
        norm_eps=_number(r, "norm_eps", positive=True),
        resnet_time_scale_shift=_choice(r, "resnet_time_scale_shift", TIME_SCALE_SHIFTS),
        add_attention=_bool(r, "add_attention"),
        class_embed_type=_choice(r, "class_embed_type", CLASS_EMBED_TYPES),
        num_class_embeds=_int(r, "num_class_embeds", 1, optional=True),
        num_train_timesteps=_int(r, "num_train_timesteps", 1, optional=True),
    )
    _check_consistency(config)
    return config


def _check_consistency(c: UNet2DConfig) -> None:
    if not 0.0 <= c.dropout < 1.0:
        raise _fail("dropout", c.dropout, "a number in [0, 1)")
    for ch in c.block_out_channels:
        if ch % c.norm_num_groups:
            raise _fail("norm_num_groups", c.norm_num_groups, f"a divisor of every block_out_channels entry ({ch})")
    if c.time_embedding_type == "learned" and c.num_train_timesteps is None:
        raise _fail("num_train_timesteps", None, 'an integer when time_embedding_type is "learned"')
    if c.time_embedding_type == "positional" and c.block_out_channels[0] // 2 == c.freq_shift:
        raise _fail("freq_shift", c.freq_shift, "not block_out_channels[0] // 2 (divides by zero)")
    mid_attention = c.mid_block_type is not None and c.add_attention
    # The mid-block attention's GroupNorm: attn_norm_num_groups, else norm_num_groups, but none at all with
    # scale_shift (UNetMidBlock2D's rule).
    mid_groups = c.attn_norm_num_groups or (c.norm_num_groups if c.resnet_time_scale_shift == "default" else None)
    if mid_attention and mid_groups is not None and c.block_out_channels[-1] % mid_groups:
        raise _fail("attn_norm_num_groups", c.attn_norm_num_groups,
                    f"a divisor of block_out_channels[-1] ({c.block_out_channels[-1]})")
    # Every attention has channels // attention_head_dim heads (attention_head_dim null: one head).
    attention_channels = [ch for ch, t in zip(c.block_out_channels, c.down_block_types) if t == "AttnDownBlock2D"]
    attention_channels += [ch for ch, t in zip(reversed(c.block_out_channels), c.up_block_types) if t == "AttnUpBlock2D"]
    if mid_attention:
        attention_channels.append(c.block_out_channels[-1])
    for ch in attention_channels:
        if c.attention_head_dim is not None and ch // c.attention_head_dim < 1:
            raise _fail("attention_head_dim", c.attention_head_dim, f"at most the attention's channels ({ch})")


def read_unet2d_config(path: str) -> UNet2DConfig:
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    try:
        return parse_unet2d_config(raw)
    except UNet2DConfigError as err:
        raise UNet2DConfigError(f"{path}: {err}") from err
