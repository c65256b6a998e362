#!/usr/bin/env python3
"""Median wall time of one forward of unet2d_condition.py's UNet2DConditionModel (eval, no_grad) on CPU.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_unet2d_condition.forward_time MODEL_DIR [--batch 2] \
      [--threads 2] [--repeat 5] [--warmup 1] [--height 64 --width 64]

Inputs from model_inputs.example_inputs (seed 0): latents [batch, 4, height, width], float32 timesteps and a
[batch, 77, cross_attention_dim] context (SD 1.5 at 512x512 px with classifier-free guidance is batch 2, 64x64).
Prints JSON: median/min/max ms over --repeat timed calls after --warmup untimed ones, and the load average
before and after, since the figure depends on what else the machine runs.
"""
import argparse
import json
import os
import platform
import statistics
import time

import torch

from denoise_tools.torch_unet2d_condition.model_inputs import example_inputs
from denoise_tools.torch_unet2d_condition.unet2d_condition import load_unet2d_condition


@torch.no_grad()
def time_forward(model_dir: str, batch: int, threads: int, repeat: int, warmup: int, height: int,
                 width: int) -> dict:
    torch.set_num_threads(threads)
    model = load_unet2d_condition(model_dir)
    inputs = example_inputs(model.config, batch, height, width)
    load_before = os.getloadavg()
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
        "height": height,
        "width": width,
        "threads": threads,
        "repeat": repeat,
        "warmup": warmup,
        "median_ms": statistics.median(wall_ms),
        "min_ms": min(wall_ms),
        "max_ms": max(wall_ms),
        "wall_ms": [round(ms, 1) for ms in wall_ms],
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--height", type=int, default=64, help="latent height")
    parser.add_argument("--width", type=int, default=64, help="latent width")
    args = parser.parse_args()
    for name in ("batch", "threads", "repeat", "height", "width"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if args.warmup < 0:
        parser.error(f"--warmup must be >= 0, got {args.warmup}")
    print(json.dumps(time_forward(args.model_dir, args.batch, args.threads, args.repeat, args.warmup, args.height,
                                  args.width), indent=1))


if __name__ == "__main__":
    main()
