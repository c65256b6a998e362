#!/usr/bin/env python3
"""Time the bare UNet forward in PyTorch (eval mode, no_grad) at the given batch sizes.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_baseline.forward_time --weights fixtures/models/fmnist-unet/weights.pt \
      --batches 1,16 --threads 2

Prints JSON: per batch, median and mean ms over --iters timed calls after --warmup untimed ones.
"""
import argparse
import json
import statistics
import time

import torch

from denoise_tools.train_fixture.unet import load_unet


@torch.no_grad()
def time_forward(model, batches, iters=50, warmup=5, device="cpu", seed=0) -> dict:
    g = torch.Generator().manual_seed(seed)
    result = {}
    for b in batches:
        x = torch.randn((b, 1, 32, 32), generator=g).to(device)
        t = torch.randint(0, 1000, (b,), generator=g).to(device)
        for _ in range(warmup):
            model(x, t)
        times = []
        for _ in range(iters):
            if device == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            model(x, t)
            if device == "cuda":
                torch.cuda.synchronize()
            times.append((time.perf_counter() - t0) * 1000.0)
        result[str(b)] = {"median_ms": round(statistics.median(times), 3), "mean_ms": round(statistics.mean(times), 3),
                          "min_ms": round(min(times), 3), "iters": iters}
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", default="fixtures/models/fmnist-unet/weights.pt")
    p.add_argument("--batches", default="1,16")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iters", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model = load_unet(args.weights, args.device)
    batches = [int(b) for b in args.batches.split(",")]
    out = {"torch": torch.__version__, "device": args.device, "threads": args.threads,
           "forward_ms": time_forward(model, batches, args.iters, args.warmup, args.device)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
