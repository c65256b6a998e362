#!/usr/bin/env python3
"""Run every UNet case of the diffusers-sd reference folders through unet2d_condition.py and compare with diffusers.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_unet2d_condition.check [FOLDER ...] [--threads 1]

FOLDER is a pipeline folder (cases.json + unet/). Default: fixtures/diffusers-sd/sd1-tiny and sd2-tiny, plus the
shared reference's lcm-tiny (../shared/reference/diffusers-sd/lcm-tiny beside the repository, read in place)
when it is there. Per case: max|Δ| against `output` under the fixtures README's rule
max|Δ| <= 2e-5 * max(1, max|ref|); folders whose unet/ has diffusion_pytorch_model.fp16.safetensors are also run
with those weights against `output_fp16weights`. Exits 1 if any case fails.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

from denoise_tools.repo import REPO_ROOT
from denoise_tools.torch_unet2d.check import tolerance
from denoise_tools.torch_unet2d.weights import weights_path
from denoise_tools.torch_unet2d_condition.unet2d_condition import load_unet2d_condition

FIXTURES = REPO_ROOT / "fixtures" / "diffusers-sd"
DEFAULT_FOLDERS = [str(FIXTURES / "sd1-tiny"), str(FIXTURES / "sd2-tiny")]
SHARED_LCM = REPO_ROOT.parent / "shared" / "reference" / "diffusers-sd" / "lcm-tiny"
# The inputs the UNet takes; `w` (LCM) is the guidance scale timestep_cond was computed from, not a UNet input.
UNET_INPUTS = ("sample", "timestep", "encoder_hidden_states", "timestep_cond")


@torch.no_grad()
def check_folder(folder: str) -> list[dict]:
    with open(os.path.join(folder, "cases.json"), encoding="utf-8") as f:
        cases = json.load(f)["components"]["unet"]["cases"]
    unet_dir = os.path.join(folder, "unet")
    variants = [(None, "output")]
    if os.path.exists(weights_path(unet_dir, "fp16")):
        variants.append(("fp16", "output_fp16weights"))
    results = []
    for variant, output_role in variants:
        model = load_unet2d_condition(unet_dir, variant=variant)
        for case in cases:
            unknown = sorted(set(case["inputs"]) - set(UNET_INPUTS) - {"w"})
            if unknown:
                raise AssertionError(f"{folder} {case['name']}: inputs {unknown} are not supported (SDXL?)")
            inputs = {role: torch.from_numpy(np.load(os.path.join(folder, spec["file"])))
                      for role, spec in case["inputs"].items() if role in UNET_INPUTS}
            got = model(**inputs).numpy()
            ref = np.load(os.path.join(folder, case["outputs"][output_role]["file"]))
            if got.shape != ref.shape:
                raise AssertionError(f"{folder} {case['name']}: output shape {got.shape}, reference {ref.shape}")
            delta = float(np.abs(got.astype(np.float64) - ref).max())
            tol = tolerance(ref)
            results.append({"case": case["name"], "weights": variant or "f32", "max_abs_delta": delta,
                            "tolerance": tol, "ratio": delta / tol, "ok": delta <= tol})
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", help="pipeline folders (default: sd1-tiny, sd2-tiny, shared lcm-tiny)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    folders = args.folders
    if not folders:
        folders = list(DEFAULT_FOLDERS)
        if SHARED_LCM.is_dir():
            folders.append(str(SHARED_LCM))
        else:
            print(f"(no {SHARED_LCM}: the LCM cases are not run)")
    failed = 0
    print(f"{'folder':12} {'weights':7} {'case':14} {'max|Δ|':>10} {'tolerance':>10} {'Δ/tol':>7}")
    for folder in folders:
        name = os.path.basename(os.path.normpath(folder))
        results = check_folder(folder)
        for r in results:
            failed += not r["ok"]
            flag = "" if r["ok"] else "  FAIL"
            print(f"{name:12} {r['weights']:7} {r['case']:14} {r['max_abs_delta']:10.3e} {r['tolerance']:10.3e} "
                  f"{r['ratio']:7.4f}{flag}")
        for weights in dict.fromkeys(r["weights"] for r in results):
            worst = max((r for r in results if r["weights"] == weights), key=lambda r: r["ratio"])
            print(f"{name:12} worst Δ/tol {worst['ratio']:.4f} ({weights} {worst['case']})")
        print()
    print(f"{len(folders)} folders, {failed} failing case(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
