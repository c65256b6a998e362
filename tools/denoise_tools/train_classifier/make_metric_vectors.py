"""Write the numpy/scipy reference vectors that packages/metrics tests against, into fixtures/metrics/.

Each case file holds its inputs (feature rows rounded to float32, so Float32Array and Float64Array
inputs are the same numbers) and the expected figures:
  gaussians-200x16.json       two 200 x 16 sets from different Gaussians
  rank-deficient-12x16.json   n = 12 < dim = 16: both covariances singular (rank 11)
  eigen.json                  symmetric matrices with numpy.linalg.eigvalsh eigenvalues
  seeded-subsets.json         mulberry32 draws, to pin the bootstrap PRNG's port

FID is scipy.linalg.sqrtm on the symmetric form (metrics_ref.frechet_distance_sqrtm), cross-checked
against the nuclear-norm route of @denoise/metrics; KID is metrics_ref.kernel_inception_distance, once with a single subset equal to
the full sets (no sampling involved) and once with several sampled subsets.

Usage: PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.train_classifier.make_metric_vectors [--out fixtures/metrics]
"""
import argparse
import json
from pathlib import Path

import numpy as np
import scipy

from denoise_tools.repo import REPO_ROOT
from denoise_tools.train_classifier import metrics_ref



def rows(a: np.ndarray) -> list[float]:
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


def gaussian_set(rng: np.random.Generator, n: int, dim: int, shift: float) -> np.ndarray:
    mix = rng.standard_normal((dim, dim)) / np.sqrt(dim)
    x = rng.standard_normal((n, dim)) @ mix + shift + rng.standard_normal(dim) * 0.2
    return x.astype(np.float32).astype(np.float64)


def case(name: str, x: np.ndarray, y: np.ndarray, kid_subsets: dict | None) -> dict:
    mu_x, cov_x = metrics_ref.feature_statistics(x)
    mu_y, cov_y = metrics_ref.feature_statistics(y)
    fid = metrics_ref.frechet_distance_sqrtm(mu_x, cov_x, mu_y, cov_y)
    fid_svd = metrics_ref.frechet_distance_svd(mu_x, cov_x, mu_y, cov_y)
    fid_self = metrics_ref.frechet_distance_sqrtm(mu_x, cov_x, mu_x, cov_x)
    print(f"{name}: FID sqrtm {fid:.12g}, svd {fid_svd:.12g} (rel diff {abs(fid - fid_svd) / fid:.2g}); "
          f"self {fid_self:.3g}")
    # sqrtm of a singular matrix loses accuracy (about 1e-9 relative here); the tests allow 1e-6.
    if abs(fid - fid_svd) > 1e-7 * fid:
        raise SystemExit(f"{name}: sqrtm and svd FID disagree")
    n = len(x)
    assert len(y) == n, "the full-set KID needs nx = ny"
    expected = {
        "meanX": rows(mu_x), "covX": rows(cov_x), "meanY": rows(mu_y), "covY": rows(cov_y),
        "fid": fid,
        "fidSvd": fid_svd,
        "fidSelf": fid_self,
        "kidFullSets": {**metrics_ref.kernel_inception_distance(x, y, 1, n, 0),
                        "mmd2Direct": metrics_ref.polynomial_mmd2_unbiased(x, y)},
    }
    if kid_subsets:
        expected["kidSubsets"] = metrics_ref.kernel_inception_distance(x, y, **kid_subsets)
    return {"name": name, "dim": x.shape[1], "nx": len(x), "ny": len(y), "x": rows(x), "y": rows(y),
            "expected": expected}


def eigen_cases(rng: np.random.Generator) -> list[dict]:
    out = []
    a = rng.standard_normal((16, 16))
    out.append(("random-16", (a + a.T) / 2))
    q, _ = np.linalg.qr(rng.standard_normal((12, 12)))
    lam = np.array([0, 0, 0, 1, 1, 1, 1, 2.5, 2.5, -3, 7, 7], dtype=np.float64)
    out.append(("repeated-12", (q * lam) @ q.T))
    return [{"name": n, "n": m.shape[0], "a": rows((m + m.T) / 2), "values": rows(np.linalg.eigvalsh((m + m.T) / 2))}
            for n, m in out]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "fixtures/metrics")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261125)
    provenance = {"generator": "denoise_tools.train_classifier.make_metric_vectors", "numpy": np.__version__,
                  "scipy": scipy.__version__}

    cases = {
        "gaussians-200x16.json": case("gaussians-200x16", gaussian_set(rng, 200, 16, 0.0),
                                      gaussian_set(rng, 200, 16, 0.3),
                                      {"subsets": 10, "subset_size": 50, "seed": 7}),
        "rank-deficient-12x16.json": case("rank-deficient-12x16", gaussian_set(rng, 12, 16, 0.0),
                                          gaussian_set(rng, 12, 16, 0.5),
                                          {"subsets": 5, "subset_size": 6, "seed": 3}),
    }
    for file, body in cases.items():
        (args.out / file).write_text(json.dumps({**provenance, **body}) + "\n")

    (args.out / "eigen.json").write_text(json.dumps({**provenance, "cases": eigen_cases(rng)}) + "\n")

    prng = metrics_ref.Mulberry32(7)
    draws = [prng.next_uint32() for _ in range(8)]
    (args.out / "seeded-subsets.json").write_text(json.dumps({
        **provenance, "mulberry32": {"seed": 7, "uint32": draws},
    }) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
