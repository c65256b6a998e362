"""Copy the FID/KID reference cases of the shared fid-inception data into fixtures/fid-kid/ in the forms the
TypeScript tests read: cases.json and A50/B50.npy unchanged, and each `<case>.kid_subsets.npz` rewritten with its
idx1/idx2 as int32 (the .npz reader of @denoise/image has no uint16) beside the per-subset mmd_f64, values unchanged.

Usage: PYTHONPATH=tools python3 -m denoise_tools.make_fid_kid_fixtures.make [--reference DIR] [--out fixtures/fid-kid]
"""
import argparse
import shutil
from pathlib import Path

import numpy as np

from denoise_tools.repo import REPO_ROOT

CASES_WITH_DRAWN_SUBSETS = ["mixed500x2000", "n2000", "n3000"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", type=Path, default=Path("/work/shared/reference/fid-inception/fid-kid"))
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "fixtures/fid-kid")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ["cases.json", "A50.npy", "B50.npy"]:
        shutil.copyfile(args.reference / name, args.out / name)
    for case in CASES_WITH_DRAWN_SUBSETS:
        src = np.load(args.reference / f"{case}.kid_subsets.npz")
        np.savez_compressed(args.out / f"{case}.kid_subsets.npz", idx1=src["idx1"].astype(np.int32),
                            idx2=src["idx2"].astype(np.int32), mmd_f64=src["mmd_f64"])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
