#!/usr/bin/python3
"""The FID Inception network's fixtures, taken from the fid-inception reference (its README is the spec):

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.make_fid_inception_fixtures.make REFERENCE_DIR

Writes fixtures/fid-inception/:
  weights-layout.json   copied: the 566 state_dict entries (key, dtype, shape, sha256 of the little-endian bytes)
  inputs/<tool>.<image>.npy   copied: the float32 [3, 299, 299] tensor that entered Conv2d_1a_3x3
  features.npy          float32 [k, 2048]: the tool's own features of those k inputs, in CASES order
  features.f64.npy      float64 [k, 2048]: the same with the network in float64 (the tolerance rule's yardstick)
  cases.json            the (tool, image) of each row
  end-to-end/<tool>.npy float32 [30, 2048]: the tool's features of all 30 test images (images.json order)
  end-to-end/features.json  that order, and per tool and image max_j |float64 features| (the yardstick)
One input per tool (each tool's normalisation), both images (upsampled 8x8 and a non-square resize), to keep
the committed size at ~3 MB; the reference has the six.
"""
import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from denoise_tools.repo import REPO_ROOT

OUT = REPO_ROOT / "fixtures" / "fid-inception"
CASES = [
    ("pytorch-fid", "s008_4_stripes"),
    ("clean-fid", "r300x217_2_rings"),
    ("torch-fidelity", "r300x217_2_rings"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reference", type=Path)
    ref = ap.parse_args().reference
    (OUT / "inputs").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ref / "weights" / "weights-layout.json", OUT / "weights-layout.json")
    order = [entry["name"] for entry in json.loads((ref / "images" / "images.json").read_text())]
    rows32, rows64 = [], []
    for tool, image in CASES:
        name = f"{tool}.{image}.npy"
        shutil.copyfile(ref / "features" / "inputs" / name, OUT / "inputs" / name)
        row = order.index(image)
        rows32.append(np.load(ref / "features" / f"{tool}.npy")[row])
        rows64.append(np.load(ref / "features" / f"{tool}.f64.npy")[row])
    np.save(OUT / "features.npy", np.stack(rows32).astype("<f4"))
    np.save(OUT / "features.f64.npy", np.stack(rows64).astype("<f8"))
    cases = [{"tool": tool, "image": image, "input": f"inputs/{tool}.{image}.npy"} for tool, image in CASES]
    (OUT / "cases.json").write_text(json.dumps(cases, indent=1) + "\n")
    write_end_to_end(ref, order)


def write_end_to_end(ref, order):
    out = OUT / "end-to-end"
    out.mkdir(exist_ok=True)
    yardstick = {}
    for tool in ("pytorch-fid", "clean-fid", "torch-fidelity"):
        np.save(out / f"{tool}.npy", np.load(ref / "features" / f"{tool}.npy").astype("<f4"))
        f64 = np.load(ref / "features" / f"{tool}.f64.npy")
        yardstick[tool] = [float(np.abs(row).max()) for row in f64]
    (out / "features.json").write_text(json.dumps({"images": order, "maxAbsF64": yardstick}, indent=1))


if __name__ == "__main__":
    main()
