#!/usr/bin/python3
"""The FID preprocessing fixtures of @denoise/image (fidInputTensor), from the fid-inception reference:

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.make_fid_input_fixtures.make REFERENCE_DIR

REFERENCE_DIR is the fid-inception reference folder (images/, features/inputs/). Writes fixtures/fid-inception/:
  images/NAME.png, images/NAME.npy   the 30 test images, copied unchanged (uint8 [H, W, 3] or [H, W])
  inputs.json                        per "<tool>.<image>": shape, sha256 of the float32 little-endian bytes,
                                     and every 997th value (shortest repr), for
                                     - "reference": the reference's features/inputs/*.npy (the tools' own run)
                                     - "generated": the same steps run here with torch and Pillow (below)
                                       on more size groups
Generated steps (torch 1.13 + Pillow 9.4, as the tools at the reference's commits run them):
  pytorch-fid     ToTensor(img) -> F.interpolate(bilinear, align_corners=False) -> 2*x - 1
  clean-fid       per channel Image.fromarray(float32, "F").resize(BICUBIC) -> clip(0, 255) -> (x - 128) / 128
  torch-fidelity  torch-fidelity's interpolate_bilinear_2d_like_tensorflow1x ("slow" path) -> (x - 128) / 128
The script first regenerates the reference's own inputs and stops unless they match bit for bit.
"""
import hashlib
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from denoise_tools.repo import REPO_ROOT

OUT = REPO_ROOT / "fixtures" / "fid-inception"
STRIDE = 997
SIZE = 299
REFERENCE_IMAGES = ["s008_4_stripes", "r300x217_2_rings"]
GENERATED_IMAGES = ["s008_2_noise", "g028_3_noise_gray", "s032_0_gradient", "s032_3_noise", "s064_2_rings_gray",
                    "s256_3_noise", "s256_4_blocks", "s299_2_noise", "r300x217_3_noise_gray"]


def pytorch_fid(img):
    x = torch.from_numpy(np.array(img)).permute(2, 0, 1).contiguous().float().div(255)  # torchvision ToTensor
    x = F.interpolate(x[None], size=(SIZE, SIZE), mode="bilinear", align_corners=False)
    return (2 * x - 1)[0].numpy()


def clean_fid(img):
    a = np.array(img)
    planes = []
    for c in range(3):
        r = Image.fromarray(a[..., c].astype(np.float32), mode="F").resize((SIZE, SIZE), Image.BICUBIC)
        planes.append(np.asarray(r).clip(0, 255))
    x = torch.from_numpy(np.stack(planes).astype(np.float32))
    return ((x - 128) / 128).numpy()


def tf1_bilinear(x, out_h, out_w):
    """torch-fidelity 0.4.0's interpolate_bilinear_2d_like_tensorflow1x, align_corners=False, method "slow"."""
    def axis(n_in, n_out):
        g = torch.arange(0, n_out, 1, dtype=x.dtype) * torch.tensor(n_in / n_out, dtype=torch.float32)
        lo = g.long()
        return lo, (lo + 1).clamp_max(n_in - 1), g - lo.float()
    xl, xh, dx = axis(x.shape[3], out_w)
    yl, yh, dy = axis(x.shape[2], out_h)
    in00 = x[:, :, yl, :][:, :, :, xl]
    in01 = x[:, :, yl, :][:, :, :, xh]
    in10 = x[:, :, yh, :][:, :, :, xl]
    in11 = x[:, :, yh, :][:, :, :, xh]
    in0 = in00 + (in01 - in00) * dx.view(1, 1, 1, out_w)
    in1 = in10 + (in11 - in10) * dx.view(1, 1, 1, out_w)
    return in0 + (in1 - in0) * dy.view(1, 1, out_h, 1)


def torch_fidelity(img):
    x = torch.from_numpy(np.array(img)).permute(2, 0, 1)[None].float()
    return ((tf1_bilinear(x, SIZE, SIZE) - 128) / 128)[0].numpy()


TOOLS = {"pytorch-fid": pytorch_fid, "clean-fid": clean_fid, "torch-fidelity": torch_fidelity}


def digest(a, origin):
    a = np.ascontiguousarray(a, dtype="<f4")
    return {"origin": origin, "shape": list(a.shape), "sha256": hashlib.sha256(a.tobytes()).hexdigest(),
            "stride": STRIDE, "samples": [repr(float(v)) for v in a.ravel()[::STRIDE]]}


def main():
    ref = Path(sys.argv[1])
    torch.set_num_threads(2)
    (OUT / "images").mkdir(parents=True, exist_ok=True)
    for f in sorted((ref / "images").glob("*")):
        if f.suffix in (".png", ".npy"):
            shutil.copyfile(f, OUT / "images" / f.name)
    entries = {}
    for name in REFERENCE_IMAGES:
        img = Image.open(ref / "images" / f"{name}.png").convert("RGB")
        for tool, fn in TOOLS.items():
            expected = np.load(ref / "features" / "inputs" / f"{tool}.{name}.npy")
            if not np.array_equal(fn(img), expected):
                sys.exit(f"{tool} {name}: this torch/Pillow does not reproduce the reference input; not writing")
            entries[f"{tool}.{name}"] = digest(expected, "reference")
    for name in GENERATED_IMAGES:
        img = Image.open(ref / "images" / f"{name}.png").convert("RGB")
        for tool, fn in TOOLS.items():
            entries[f"{tool}.{name}"] = digest(fn(img), f"generated: torch {torch.__version__}, Pillow {Image.__version__}")
    (OUT / "inputs.json").write_text(json.dumps(entries, indent=1) + "\n")


if __name__ == "__main__":
    main()
