#!/usr/bin/env python3
"""Median wall time of one forward of unet2d.py's UNet2DModel (eval, no_grad) on CPU.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_unet2d.forward_time MODEL_DIR [--batch 1] [--threads 2] [--repeat 10] \
      [--warmup 2]

Inputs from model_inputs.example_inputs (seed 0). Prints JSON: median/min/max ms over --repeat timed calls
after --warmup untimed ones.
"""
import argparse
import json
import os
import platform
import statistics
import time

import torch

from denoise_tools.torch_unet2d.model_inputs import example_inputs
from denoise_tools.torch_unet2d.unet2d import load_unet2d


@torch.no_grad()
def time_forward(model_dir: str, batch: int, threads: int, repeat: int, warmup: int) -> dict:
    torch.set_num_threads(threads)
    model = load_unet2d(model_dir)
    inputs = example_inputs(model.config, batch)
    for _ in range(warmup):
        model(*inputs)
    wall_ms = []
    for _ in range(repeat):
        start = time.perf_counter()
        model(*inputs)
        wall_ms.append((time.perf_counter() - start) * 1000)
    return {
        "model_dir": model_dir,
        "batch": batch,
        "threads": threads,
        "repeat": repeat,
        "warmup": warmup,
        "median_ms": statistics.median(wall_ms),
        "min_ms": min(wall_ms),
        "max_ms": max(wall_ms),
        "parameters": sum(p.numel() for p in model.parameters()),
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()
    for name in ("batch", "threads", "repeat"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.warmup < 0:
        parser.error(f"--warmup must be >= 0, got {args.warmup}")
    print(json.dumps(time_forward(args.model_dir, args.batch, args.threads, args.repeat, args.warmup), indent=1))


if __name__ == "__main__":
    main()
