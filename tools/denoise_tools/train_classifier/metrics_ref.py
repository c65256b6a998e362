"""Reference FID and KID in numpy/scipy, mirroring @denoise/metrics (packages/metrics) step for step.

Used by train.py (the test-vs-train sanity figures in model.json) and make_metric_vectors.py (the
figures that the TypeScript tests check against). KID's subsets are torch-fidelity's: numpy's own
RandomState(seed).choice(n, m, replace=False), x then y per subset, which @denoise/metrics reproduces draw for
draw (NumpyRandomState), so multi-subset KID is comparable figure for figure. mulberry32 is the TypeScript
bootstrap's generator (resamples), kept here to pin its port.
"""
import numpy as np
import scipy.linalg

U32 = 0xFFFFFFFF


class Mulberry32:
    """mulberry32 (Tommy Ettinger, public domain): 32-bit state, period 2^32; same stream as the TS one."""

    def __init__(self, seed: int) -> None:
        self.state = seed & U32

    def next_uint32(self) -> int:
        self.state = (self.state + 0x6D2B79F5) & U32
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & U32
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & U32)) & U32
        return (t ^ (t >> 14)) & U32

    def next_float(self) -> float:
        """Uniform in [0, 1) with 32 bits: uint32 / 2^32."""
        return self.next_uint32() / 4294967296.0


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = np.asarray(features, dtype=np.float64)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance_sqrtm(mu1, cov1, mu2, cov2) -> float:
    """FID with scipy.linalg.sqrtm on the symmetric form S1^1/2 S2 S1^1/2 (real part, as pytorch-fid)."""
    s1h = scipy.linalg.sqrtm(cov1)
    s1h = np.real(s1h)
    inner = s1h @ cov2 @ s1h
    inner = (inner + inner.T) / 2
    covmean = np.real(scipy.linalg.sqrtm(inner))
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * np.trace(covmean))


def psd_sqrt(cov: np.ndarray) -> np.ndarray:
    """V sqrt(L) V^T, eigenvalues up to dim * eps * max taken as 0 (rounding noise of a singular cov)."""
    w, v = np.linalg.eigh(cov)
    floor = len(w) * np.finfo(np.float64).eps * max(w.max(), 0)
    return (v * np.where(w > floor, np.sqrt(np.clip(w, 0, None)), 0)) @ v.T


def frechet_distance_svd(mu1, cov1, mu2, cov2) -> float:
    """FID as @denoise/metrics computes it, a cross-check of sqrtm.

    tr (S1^1/2 S2 S1^1/2)^1/2 is the sum of the singular values of S2^1/2 S1^1/2 (its nuclear norm),
    which avoids taking square roots of the tiny, noisy eigenvalues of the product.
    """
    c = psd_sqrt(cov2) @ psd_sqrt(cov1)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * np.linalg.svd(c, compute_uv=False).sum())


def polynomial_mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD^2 with k(a, b) = (a.b / d + 1)^3 (Binkowski et al. 2018, eq. 2 with the KID kernel)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    d = x.shape[1]
    kxx = (x @ x.T / d + 1) ** 3
    kyy = (y @ y.T / d + 1) ** 3
    kxy = (x @ y.T / d + 1) ** 3
    m, n = len(x), len(y)
    return float(
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
        - 2 * kxy.mean()
    )


def kernel_inception_distance(x, y, subsets: int, subset_size: int, seed: int) -> dict:
    """KID over `subsets` subset pairs, each drawn x-then-y from RandomState(seed), as torch-fidelity's
    kid_features_to_metric (its seed is 2020)."""
    rng = np.random.RandomState(seed)
    mmds = []
    for _ in range(subsets):
        ix = rng.choice(len(x), subset_size, replace=False)
        iy = rng.choice(len(y), subset_size, replace=False)
        mmds.append(polynomial_mmd2_unbiased(x[ix], y[iy]))
    mmds = np.array(mmds)
    std = float(mmds.std())  # ddof 0, as torch-fidelity's kid_std
    return {
        "kid": float(mmds.mean()),
        "std": std,
        "standardError": std / np.sqrt(subsets),
        "subsets": subsets,
        "subsetSize": subset_size,
        "seed": seed,
    }
