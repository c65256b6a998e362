#!/usr/bin/env python3
"""PyTorch side-by-side anchor for denoise: the same weights, the two textbook loops, the same initial noise.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_baseline.baseline --noise noise.npy \
      --configs ddpm-1000,ddim-50,ddim-50-eta0.5,ddim-20-trailing --threads 2 --out out/torch-baseline

Configurations: ddpm-N (N = 1000 is the full chain 999 ... 0; smaller N uses diffusers' 'leading' spacing)
and ddim-N[-etaX][-leading|-trailing] (default eta 0, spacing from scheduler_config.json, i.e. 'leading').
The batch is the noise's first dimension. Stochastic noise (DDPM, DDIM with eta > 0) comes from
torch.Generator().manual_seed(--seed), one torch.randn(shape) per step in diffusers' order; each
configuration restarts that generator.

Prints JSON to stdout (per configuration: wall ms, steps/sec, images/sec, ...) and writes each
configuration's final samples as float32 <out>/<config>.npy.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_baseline.baseline --make-noise noise.npy --noise-seed 0 --batch 16
writes torch.manual_seed(0); torch.randn(16, 1, 32, 32) as .npy and exits.
"""
import argparse
import json
import os
import re
import sys
import time

import numpy as np
import torch

from denoise_tools.torch_baseline.loops import ddim_sample, ddpm_sample
from denoise_tools.train_fixture.unet import load_unet

CONFIG_RE = re.compile(r"^(?:ddpm-(?P<ddpm>\d+)|ddim-(?P<ddim>\d+)(?:-eta(?P<eta>\d+(?:\.\d+)?))?"
                       r"(?:-(?P<spacing>leading|trailing))?)$")


def parse_config(text: str, default_spacing: str) -> dict:
    m = CONFIG_RE.match(text)
    if not m:
        raise SystemExit(f"--configs: {text!r} is not ddpm-N or ddim-N[-etaX][-leading|-trailing]")
    if m["ddpm"]:
        steps = int(m["ddpm"])
        return {"name": text, "sampler": "ddpm", "steps": steps, "eta": None, "spacing": "leading"}
    steps = int(m["ddim"])
    return {"name": text, "sampler": "ddim", "steps": steps, "eta": float(m["eta"] or 0.0),
            "spacing": m["spacing"] or default_spacing}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", default="fixtures/models/fmnist-unet/weights.pt")
    p.add_argument("--scheduler-config", help="default: scheduler_config.json beside --weights")
    p.add_argument("--noise", help="initial noise x_T, .npy [B, 1, 32, 32]")
    p.add_argument("--configs", default="ddim-50")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--seed", type=int, default=0, help="seed of the per-step noise (DDPM, DDIM eta > 0)")
    p.add_argument("--out", help="directory for <config>.npy")
    p.add_argument("--make-noise", metavar="FILE.npy")
    p.add_argument("--noise-seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--image-seeds", help="comma list, one seed per image: one generator per image (diffusers' list of "
                        "generators), each continuing after the draw of its own x_T; replaces --seed")
    p.add_argument("--continue-stream", action="store_true",
                   help="x_T is torch.manual_seed(--seed)'s first draw: the step noise continues after it, as "
                        "diffusers' pipelines draw (instead of restarting at --seed, which repeats x_T)")
    args = p.parse_args()

    if args.make_noise:
        torch.manual_seed(args.noise_seed)
        np.save(args.make_noise, torch.randn(args.batch, 1, 32, 32).numpy())
        return
    if not args.noise:
        raise SystemExit("--noise FILE.npy is required (or --make-noise FILE.npy)")

    torch.set_num_threads(args.threads)
    sched_path = args.scheduler_config or os.path.join(os.path.dirname(args.weights), "scheduler_config.json")
    with open(sched_path) as f:
        sched = json.load(f)
    noise = np.load(args.noise)
    if noise.ndim != 4 or noise.shape[1:] != (1, 32, 32):
        raise SystemExit(f"--noise {args.noise}: shape {noise.shape}, expected [B, 1, 32, 32]")
    x_T = torch.from_numpy(noise.astype(np.float32)).to(args.device)
    batch = x_T.shape[0]
    configs = [parse_config(c.strip(), sched.get("timestep_spacing", "leading")) for c in args.configs.split(",")]
    model = load_unet(args.weights, args.device)
    if args.out:
        os.makedirs(args.out, exist_ok=True)

    results = []
    image_seeds = [int(v) for v in args.image_seeds.split(",")] if args.image_seeds else None
    if image_seeds is not None and len(image_seeds) != batch:
        raise SystemExit(f"--image-seeds: {len(image_seeds)} seeds for a batch of {batch}")
    for c in configs:
        if image_seeds is not None:
            gen = [torch.Generator().manual_seed(s) for s in image_seeds]
            for g in gen:
                torch.randn((1,) + tuple(x_T.shape[1:]), generator=g)  # skip the draw that made this image's x_T
        else:
            gen = torch.Generator().manual_seed(args.seed)
            if args.continue_stream:
                torch.randn(tuple(x_T.shape), generator=gen)  # skip the draw that made x_T
        if args.device == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        if c["sampler"] == "ddpm":
            x = ddpm_sample(model, x_T.clone(), sched, gen, steps=c["steps"])
        else:
            x = ddim_sample(model, x_T.clone(), sched, c["steps"], c["eta"], c["spacing"], gen)
        if args.device == "cuda":
            torch.cuda.synchronize()
        wall_s = time.perf_counter() - t0
        row = {**c, "batch": batch, "wall_ms": round(wall_s * 1000, 2),
               "steps_per_sec": round(c["steps"] / wall_s, 3), "images_per_sec": round(batch / wall_s, 3),
               "threads": args.threads, "device": args.device, "torch": torch.__version__}
        if args.out:
            path = os.path.join(args.out, f"{c['name']}.npy")
            np.save(path, x.cpu().numpy().astype(np.float32))
            row["out"] = path
        results.append(row)
        print(f"{c['name']}: {row['wall_ms']} ms", file=sys.stderr)

    print(json.dumps({"weights": args.weights, "scheduler_config": sched_path, "noise": args.noise,
                      "seed": args.seed, "results": results}, indent=2))


if __name__ == "__main__":
    main()
