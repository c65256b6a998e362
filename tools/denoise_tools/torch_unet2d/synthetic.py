#!/usr/bin/env python3
"""Make a diffusers-style UNet2DModel folder with seeded random weights for a config.json.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_unet2d.synthetic fixtures/diffusers-unet/published/ddpm-cifar10-32.config.json \
      ~/.cache/denoise/ddpm-cifar10-32-synthetic [--seed 0]

Writes OUT_DIR/config.json (the input, unchanged) and OUT_DIR/diffusion_pytorch_model.safetensors (F32, keys
sorted). Weights: torch.manual_seed(seed) then the module's default init, perturbed as the reference folders
in fixtures/diffusers-unet/ were (their MANIFEST.json) so that no layer is an identity: GroupNorm weight
1 + 0.1 N(0,1), GroupNorm/Linear/Conv2d bias 0.1 N(0,1), attention to_q/to_k weights x3 (otherwise the
attention maps are almost uniform); the perturbation draws from torch.Generator().manual_seed(seed + 1) in
named_modules() order. Prints a JSON summary with the parameter count. Big outputs belong outside the repo.
"""
import argparse
import json
import os

import torch
from torch import nn

from denoise_tools.torch_unet2d.safetensors_file import write_safetensors
from denoise_tools.torch_unet2d.unet2d import UNet2DModel
from denoise_tools.torch_unet2d.unet2d_config import parse_unet2d_config
from denoise_tools.torch_unet2d.weights import weights_path

QK_WEIGHT_SCALE = 3.0


@torch.no_grad()
def perturb(model: nn.Module, seed: int) -> None:
    """The reference folders' perturbation (also diffusers-sd's, whose LayerNorms get the GroupNorm rule)."""
    g = torch.Generator().manual_seed(seed)

    def normal_like(t: torch.Tensor) -> torch.Tensor:
        return torch.randn(t.shape, generator=g, dtype=t.dtype)

    for name, module in model.named_modules():
        if isinstance(module, (nn.GroupNorm, nn.LayerNorm)):
            module.weight.copy_(1 + 0.1 * normal_like(module.weight))
            module.bias.copy_(0.1 * normal_like(module.bias))
        elif isinstance(module, (nn.Linear, nn.Conv2d)):
            if module.bias is not None:
                module.bias.copy_(0.1 * normal_like(module.bias))
            if name.endswith((".to_q", ".to_k")):
                module.weight.mul_(QK_WEIGHT_SCALE)


def make_synthetic(config_path: str, out_dir: str, seed: int) -> dict:
    with open(config_path, encoding="utf-8") as f:
        raw = json.load(f)
    config = parse_unet2d_config(raw)
    torch.manual_seed(seed)
    model = UNet2DModel(config)
    perturb(model, seed + 1)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(raw, f, indent=2, sort_keys=True)
        f.write("\n")
    path = weights_path(out_dir)
    state = model.state_dict()
    write_safetensors(path, state, metadata={"format": "pt"})
    return {
        "config": config_path,
        "out_dir": out_dir,
        "seed": seed,
        "parameters": sum(t.numel() for t in state.values()),
        "tensors": len(state),
        "bytes": os.path.getsize(path),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("config")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(json.dumps(make_synthetic(args.config, args.out_dir, args.seed), indent=1))


if __name__ == "__main__":
    main()
