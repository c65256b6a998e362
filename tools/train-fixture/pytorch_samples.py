#!/usr/bin/env python3
"""Writes samples-pytorch.png: the model's DDIM-50 (eta 0, leading, seed 0) grid made entirely in PyTorch, from
torch.manual_seed(0); torch.randn(64, 1, 32, 32), with tools/torch-baseline/loops.py and the scheduler config
beside the weights. The golden suite's torch-generator case must reproduce its first tiles.

    /usr/bin/python3 tools/train-fixture/pytorch_samples.py [--model fixtures/models/fmnist-unet]
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "torch-baseline"))
from export import grid_image, png_bytes, write_atomic  # noqa: E402
from forward_time import load_unet  # noqa: E402
from loops import ddim_sample  # noqa: E402


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
