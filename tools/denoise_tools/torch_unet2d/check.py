#!/usr/bin/env python3
"""Run every case of fixtures/diffusers-unet/*/cases.json through unet2d.py and compare with diffusers.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_unet2d.check [--fixtures fixtures/diffusers-unet] [--threads 1]

Per case: max|Δ| against the reference output and the fixtures README's rule
max|Δ| <= 2e-5 * max(1, max|ref|). Folders with diffusion_pytorch_model.fp16.safetensors are also run with
those weights against output_fp16weights. Exits 1 if any case fails.
"""
import argparse
import glob
import json
import os
import sys

import numpy as np
import torch

from denoise_tools.repo import REPO_ROOT
from denoise_tools.torch_unet2d.unet2d import load_unet2d

REL_TOLERANCE = 2e-5
DEFAULT_FIXTURES = str(REPO_ROOT / "fixtures" / "diffusers-unet")


def tolerance(ref: np.ndarray) -> float:
    return REL_TOLERANCE * max(1.0, float(np.abs(ref).max()))


@torch.no_grad()
def check_folder(folder: str) -> list[dict]:
    with open(os.path.join(folder, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)["cases"]
    variants = [(None, "output")]
    if os.path.exists(os.path.join(folder, "diffusion_pytorch_model.fp16.safetensors")):
        variants.append(("fp16", "output_fp16weights"))
    results = []
    for variant, output_role in variants:
        model = load_unet2d(folder, variant=variant)
        for case in cases:
            inputs = {role: torch.from_numpy(np.load(os.path.join(folder, spec["file"])))
                      for role, spec in case["inputs"].items()}
            got = model(inputs["sample"], inputs["timestep"], inputs.get("class_labels")).numpy()
            ref = np.load(os.path.join(folder, case[output_role]["file"]))
            if got.shape != ref.shape:
                raise AssertionError(f"{folder} {case['name']}: output shape {got.shape}, reference {ref.shape}")
            delta = float(np.abs(got.astype(np.float64) - ref).max())
            tol = tolerance(ref)
            results.append({"case": case["name"], "weights": variant or "f32", "max_abs_delta": delta,
                            "tolerance": tol, "ratio": delta / tol, "ok": delta <= tol})
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", default=DEFAULT_FIXTURES)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    folders = sorted(os.path.dirname(p) for p in glob.glob(os.path.join(args.fixtures, "*", "cases.json")))
    if not folders:
        print(f"no */cases.json under {args.fixtures}", file=sys.stderr)
        return 1
    failed = 0
    print(f"{'folder':36} {'weights':7} {'case':7} {'max|Δ|':>10} {'tolerance':>10} {'Δ/tol':>7}")
    for folder in folders:
        name = os.path.basename(folder)
        results = check_folder(folder)
        for r in results:
            failed += not r["ok"]
            flag = "" if r["ok"] else "  FAIL"
            print(f"{name:36} {r['weights']:7} {r['case']:7} {r['max_abs_delta']:10.3e} {r['tolerance']:10.3e} "
                  f"{r['ratio']:7.4f}{flag}")
        worst = max(results, key=lambda r: r["ratio"])
        print(f"{name:36} worst Δ/tol {worst['ratio']:.4f} ({worst['weights']} {worst['case']})\n")
    print(f"{len(folders)} folders, {failed} failing case(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
