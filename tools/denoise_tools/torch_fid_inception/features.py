#!/usr/bin/python3
"""pytorch-fid's feature extraction of an image folder, end to end, in PyTorch (the baseline of denoise's
`pnpm bench features --fid-protocol pytorch-fid`):

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_fid_inception.features WEIGHTS DIR OUT.npy \
        [--batch-size 50] [--workers 2] [--threads 2]

As pytorch-fid's `get_activations` does it with its defaults: the folder's *.png sorted, a DataLoader (batch 50,
num_workers = min(8, CPUs)) that opens each with PIL, `.convert("RGB")` and `ToTensor()`; per batch
`F.interpolate(x, (299, 299), mode="bilinear", align_corners=False)`, `2x − 1`, the FID Inception pool3 forward
(model.py), features float32 [N, 2048] in file order. Prints the images/s of the whole run (from the first file
opened to the last feature) on stderr.
"""
import argparse
import os
import pathlib
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from denoise_tools.torch_fid_inception.model import FidInceptionPool3, read_state_dict


class PngFolder(torch.utils.data.Dataset):
    def __init__(self, files):
        self.files = files

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        with Image.open(self.files[i]) as img:
            a = np.asarray(img.convert("RGB"), dtype=np.uint8)
        return torch.from_numpy(a.copy()).permute(2, 0, 1).float().div(255)  # ToTensor


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights")
    ap.add_argument("folder")
    ap.add_argument("out")
    ap.add_argument("--batch-size", type=int, default=50)
    ap.add_argument("--workers", type=int, default=min(8, len(os.sched_getaffinity(0))))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = FidInceptionPool3(read_state_dict(args.weights))
    files = sorted(str(p) for p in pathlib.Path(args.folder).glob("*.png"))
    loader = torch.utils.data.DataLoader(PngFolder(files), batch_size=args.batch_size, shuffle=False, drop_last=False, num_workers=args.workers)
    started = time.perf_counter()
    rows = []
    with torch.no_grad():
        for x in loader:
            x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
            rows.append(model(2 * x - 1).numpy())
    seconds = time.perf_counter() - started
    np.save(args.out, np.concatenate(rows).astype("<f4"))
    print(f"{len(files)} images in {seconds:.2f} s: {len(files) / seconds:.2f} images/s", file=sys.stderr)


if __name__ == "__main__":
    main()
