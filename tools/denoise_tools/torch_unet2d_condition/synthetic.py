#!/usr/bin/env python3
"""Make a diffusers-style UNet2DConditionModel folder with seeded random weights for a config.json.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_unet2d_condition.synthetic \
      fixtures/diffusers-sd/published/runwayml--stable-diffusion-v1-5/unet/config.json \
      ~/.cache/denoise/sd15-unet-synthetic [--seed 0]

Writes OUT_DIR/config.json (the input's content) and OUT_DIR/diffusion_pytorch_model.safetensors (F32, keys
sorted). Weights as torch_unet2d/synthetic.py makes them, which is how the diffusers-sd reference folders were
made (their MANIFEST.json): torch.manual_seed(seed), the module's default init, then perturb(seed + 1):
GroupNorm/LayerNorm weight 1 + 0.1 N(0,1), GroupNorm/LayerNorm/Linear/Conv2d bias 0.1 N(0,1), attention
to_q/to_k weights x3. Prints a JSON summary with the parameter count. SD 1.5's UNet is 3.4 GB: write it outside
the repository.
"""
import argparse
import json
import os
import time

import torch

from denoise_tools.torch_unet2d.safetensors_file import write_safetensors
from denoise_tools.torch_unet2d.synthetic import perturb
from denoise_tools.torch_unet2d.weights import weights_path
from denoise_tools.torch_unet2d_condition.unet2d_condition import UNet2DConditionModel
from denoise_tools.torch_unet2d_condition.unet2d_condition_config import parse_unet2d_condition_config


def make_synthetic(config_path: str, out_dir: str, seed: int) -> dict:
    start = time.perf_counter()
    with open(config_path, encoding="utf-8") as f:
        raw = json.load(f)
    config = parse_unet2d_condition_config(raw)
    torch.manual_seed(seed)
    model = UNet2DConditionModel(config)
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
        "seconds": round(time.perf_counter() - start, 1),
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
