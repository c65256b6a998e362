#!/usr/bin/python3
"""Reference .npz files for @denoise/image's parseNpz, written by numpy (1.24.2 when committed):

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.make_npz_fixtures.make [S500_stats.npz]

Writes fixtures/fid-stats/:
  small-compressed.npz  np.savez_compressed(mu=float64 [8], sigma=float64 [8, 8])  (a pytorch-fid stats layout)
  small-stored.npz      np.savez of the same arrays (members stored, not deflated)
  mixed.npz             np.savez_compressed of float32 [3, 4], int64 [5], int32 0-d and float64 [0]
  bad-bzip2.npz         a member compressed with bzip2 (zip method 12), which parseNpz refuses
  bad-text-member.npz   an np.savez file plus a member that is not .npy
  S500_stats.npz        if given: copied (pytorch-fid's save_fid_stats output for the synthetic set S500)
  manifest.json         per file and key: dtype, shape, values (shortest round-trip repr) for the small
                        arrays; sha256 of the little-endian data and a few values for S500
"""
import hashlib
import json
import shutil
import sys
import zipfile

import numpy as np

from denoise_tools.repo import REPO_ROOT

OUT = REPO_ROOT / "fixtures" / "fid-stats"


def describe(a):
    entry = {"dtype": str(a.dtype), "shape": list(a.shape)}
    if a.size <= 64:
        entry["values"] = [str(int(v)) if a.dtype.kind == "i" else repr(float(v)) for v in a.ravel()]
    else:
        entry["sha256"] = hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()
        entry["first"] = [repr(float(v)) for v in a.ravel()[:4]]
        entry["last"] = [repr(float(v)) for v in a.ravel()[-4:]]
    return entry


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(20250125)
    feats = rng.standard_normal((20, 8)) * 3 + 0.5
    mu, sigma = feats.mean(axis=0), np.cov(feats, rowvar=False)
    np.savez_compressed(OUT / "small-compressed.npz", mu=mu, sigma=sigma)
    np.savez(OUT / "small-stored.npz", mu=mu, sigma=sigma)
    np.savez_compressed(
        OUT / "mixed.npz",
        weights=rng.standard_normal((3, 4)).astype(np.float32),
        ids=np.array([-3, 0, 7, 2**40, -(2**62)], dtype=np.int64),
        count=np.array(42, dtype=np.int32),
        empty=np.zeros((0,), dtype=np.float64),
    )
    with zipfile.ZipFile(OUT / "bad-bzip2.npz", "w", compression=zipfile.ZIP_BZIP2) as z:
        with z.open("mu.npy", "w") as f:
            np.lib.format.write_array(f, mu)
    shutil.copyfile(OUT / "small-stored.npz", OUT / "bad-text-member.npz")
    with zipfile.ZipFile(OUT / "bad-text-member.npz", "a") as z:
        z.writestr("notes.txt", "not an array\n")
    if len(sys.argv) > 1:
        shutil.copyfile(sys.argv[1], OUT / "S500_stats.npz")
    manifest = {}
    for name in ["small-compressed.npz", "small-stored.npz", "mixed.npz", "S500_stats.npz"]:
        if (OUT / name).exists():
            with np.load(OUT / name) as d:
                manifest[name] = {k: describe(d[k]) for k in d.files}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
