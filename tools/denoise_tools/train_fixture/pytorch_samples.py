#!/usr/bin/env python3
"""Writes samples-pytorch.png: the model's DDIM-50 (eta 0, leading, seed 0) grid made entirely in PyTorch, from
torch.manual_seed(0); torch.randn(64, 1, 32, 32), with tools/denoise_tools/torch_baseline/loops.py and the scheduler config
beside the weights. The golden suite's torch-generator case must reproduce its first tiles.

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.train_fixture.pytorch_samples [--model fixtures/models/fmnist-unet]
"""
import argparse
import json
import os

import torch

from denoise_tools.torch_baseline.loops import ddim_sample
from denoise_tools.train_fixture.export import grid_image, png_bytes, write_atomic
from denoise_tools.train_fixture.unet import load_unet


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="fixtures/models/fmnist-unet")
    args = p.parse_args()
    torch.set_num_threads(2)
    with open(os.path.join(args.model, "scheduler_config.json")) as f:
        cfg = json.load(f)
    model = load_unet(os.path.join(args.model, "weights.pt"), "cpu")
    torch.manual_seed(0)
    x_t = torch.randn(64, 1, 32, 32)
    with torch.no_grad():
        x_0 = ddim_sample(model, x_t, cfg, 50, 0.0, "leading", torch.Generator().manual_seed(0))
    write_atomic(os.path.join(args.model, "samples-pytorch.png"), png_bytes(grid_image(x_0)))


if __name__ == "__main__":
    main()
