#!/usr/bin/env python3
"""Write the fmnist-unet fixture as a diffusers UNet2DModel folder: config.json + diffusion_pytorch_model.safetensors.

unet.py's network is UNet2DModel with these settings (same blocks, same order, same maths): block_out_channels
[32, 64, 64], one resnet per level, attention at the 8x8 level and in the mid block (head dim 32), 8 norm groups,
eps 1e-5, [cos | sin] sinusoidal embedding with freq_shift 0, stride-2 conv downsampling with padding 1, nearest 2x
upsampling + conv. Only the weight names differ, and the attention's fused qkv projection is split into to_q/to_k/to_v.
So denoise's default model runs through the same graph builder as users' diffusers checkpoints.

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.train_fixture.to_diffusers [--weights fixtures/models/fmnist-unet/weights.pt]
                                                         [--out fixtures/models/fmnist-unet]

The safetensors file is written by hand (u64 little-endian header length, JSON header, raw float32 data), keys
sorted, then renamed into place.
"""
import argparse
import json
import os
import struct

import torch

from denoise_tools.torch_unet2d.unet2d_config import DEFAULTS as UNET2D_DEFAULTS
from denoise_tools.train_fixture.unet import DEFAULT_CONFIG


def diffusers_config(cfg: dict) -> dict:
    """The config.json: UNet2DModel's defaults (the one copy, denoise_tools.torch_unet2d.unet2d_config, in its key
    order) with the keys unet.py's network sets. Every other setting of the network is the default: centred input
    off, positional embedding with freq_shift 0 and flip_sin_to_cos, UNetMidBlock2D with attention, scale factor 1,
    conv down/upsampling with padding 1, dropout 0, silu, eps 1e-5, "default" time scale shift, no class embedding."""
    levels = len(cfg["channel_mult"])
    attn = set(cfg["attention_levels"])
    return {
        "_class_name": "UNet2DModel",
        "_diffusers_version": "0.30.0",
        **UNET2D_DEFAULTS,
        "sample_size": cfg["sample_size"],
        "in_channels": cfg["in_channels"],
        "out_channels": cfg["out_channels"],
        "time_embedding_dim": None if cfg["time_embed_dim"] == 4 * cfg["base_channels"] else cfg["time_embed_dim"],
        "down_block_types": ["AttnDownBlock2D" if l in attn else "DownBlock2D" for l in range(levels)],
        "up_block_types": ["AttnUpBlock2D" if l in attn else "UpBlock2D" for l in reversed(range(levels))],
        "block_out_channels": [cfg["base_channels"] * m for m in cfg["channel_mult"]],
        "layers_per_block": cfg["layers_per_block"],
        "attention_head_dim": cfg["attention_head_dim"],
        "norm_num_groups": cfg["norm_num_groups"],
    }


def rename(state: dict, cfg: dict) -> dict:
    out = {}
    n_layers, levels = cfg["layers_per_block"], len(cfg["channel_mult"])

    def resnet(src: str, dst: str):
        for a, b in [("norm1", "norm1"), ("conv1", "conv1"), ("time_proj", "time_emb_proj"), ("norm2", "norm2"),
                     ("conv2", "conv2"), ("shortcut", "conv_shortcut")]:
            for p in ("weight", "bias"):
                key = f"{src}.{a}.{p}"
                if key in state:
                    out[f"{dst}.{b}.{p}"] = state[key]

    def attention(src: str, dst: str):
        if f"{src}.qkv.weight" not in state:
            return
        for p in ("weight", "bias"):
            out[f"{dst}.group_norm.{p}"] = state[f"{src}.norm.{p}"]
            q, k, v = state[f"{src}.qkv.{p}"].chunk(3, dim=0)
            out[f"{dst}.to_q.{p}"], out[f"{dst}.to_k.{p}"], out[f"{dst}.to_v.{p}"] = q, k, v
            out[f"{dst}.to_out.0.{p}"] = state[f"{src}.proj.{p}"]

    for p in ("weight", "bias"):
        out[f"time_embedding.linear_1.{p}"] = state[f"time_mlp.0.{p}"]
        out[f"time_embedding.linear_2.{p}"] = state[f"time_mlp.2.{p}"]
        out[f"conv_in.{p}"] = state[f"conv_in.{p}"]
        out[f"conv_norm_out.{p}"] = state[f"norm_out.{p}"]
        out[f"conv_out.{p}"] = state[f"conv_out.{p}"]
    for level in range(levels):
        for j in range(n_layers):
            i = level * n_layers + j
            resnet(f"down_res.{i}", f"down_blocks.{level}.resnets.{j}")
            attention(f"down_attn.{i}", f"down_blocks.{level}.attentions.{j}")
        if level < levels - 1:
            for p in ("weight", "bias"):
                out[f"down_blocks.{level}.downsamplers.0.conv.{p}"] = state[f"downsample.{level}.{p}"]
    resnet("mid_res1", "mid_block.resnets.0")
    attention("mid_attn", "mid_block.attentions.0")
    resnet("mid_res2", "mid_block.resnets.1")
    for j in range(levels):
        for k in range(n_layers + 1):
            i = j * (n_layers + 1) + k
            resnet(f"up_res.{i}", f"up_blocks.{j}.resnets.{k}")
            attention(f"up_attn.{i}", f"up_blocks.{j}.attentions.{k}")
        if j < levels - 1:
            for p in ("weight", "bias"):
                out[f"up_blocks.{j}.upsamplers.0.conv.{p}"] = state[f"upsample.{j}.{p}"]
    used = sum(t.numel() for t in out.values())
    total = sum(t.numel() for t in state.values())
    assert used == total, f"renamed {used} of {total} parameters"
    return out


def write_safetensors(tensors: dict, path: str) -> None:
    header, offset, blobs = {}, 0, []
    for name in sorted(tensors):
        data = tensors[name].detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - len(text) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default="fixtures/models/fmnist-unet/weights.pt")
    p.add_argument("--out", default="fixtures/models/fmnist-unet")
    args = p.parse_args()
    saved = torch.load(args.weights, map_location="cpu")
    cfg = dict(DEFAULT_CONFIG, **saved["unet_config"])
    tensors = rename(saved["state_dict"], cfg)
    os.makedirs(args.out, exist_ok=True)
    write_safetensors(tensors, os.path.join(args.out, "diffusion_pytorch_model.safetensors"))
    tmp = os.path.join(args.out, "config.json.tmp")
    with open(tmp, "w") as f:
        json.dump(diffusers_config(cfg), f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, "config.json"))
    print(f"wrote {len(tensors)} tensors, {sum(t.numel() for t in tensors.values())} parameters to {args.out}")


if __name__ == "__main__":
    main()
