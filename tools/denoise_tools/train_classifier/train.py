"""Train the Fashion-MNIST feature classifier for FID/KID, export it to ONNX, write reference statistics.

Input is exactly the diffusion model's data: x = p / 255 * 2 - 1 on the 28x28 image, padded by 2 px on
each side with the background value -1 to [B, 1, 32, 32] float32. The ONNX graph has one input `image`
and two outputs: `logits` [B, 10] and `features` [B, 128] (the penultimate layer, after its ReLU), the
feature space in which @denoise/metrics computes FID and KID.

Writes into --out (default fixtures/models/fmnist-classifier):
  model.onnx, model.json (provenance), reference-stats.json + reference-stats/*.npy (see README).

Usage: PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.train_classifier.train [--epochs 4] [--out DIR]
"""
import argparse
import gzip
import hashlib
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from torch import nn

from denoise_tools import onnx_numpy
from denoise_tools.repo import REPO_ROOT
from denoise_tools.train_classifier import metrics_ref

DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
DATA_PACKAGE = "dataset-fashion-mnist"
CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
FEATURE_DIM = 128
KID_SUBSET_COUNT = 2000
KID_SUBSET_SEED = 0
# KID options of the sanity figure; also the defaults of kernelInceptionDistance in @denoise/metrics.
KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000
KID_SEED = 2020  # torch-fidelity's RandomState seed (model.json's recorded KID predates the switch from mulberry32 seed 0)


def read_idx(path: Path) -> np.ndarray:
    """IDX (LeCun's MNIST format), gzipped: magic 0x0000 08 <ndim>, big-endian uint32 dims, uint8 data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path}: not a uint8 IDX file (magic {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} bytes of data for shape {shape}")
    return data.reshape(shape)


def to_model_input(images_u8: np.ndarray) -> np.ndarray:
    """uint8 [N, 28, 28] -> float32 [N, 1, 32, 32] in [-1, 1], padded with the background value -1."""
    x = images_u8.astype(np.float32) / 255.0 * 2.0 - 1.0
    x = np.pad(x, ((0, 0), (2, 2), (2, 2)), constant_values=-1.0)
    return x[:, None, :, :]


def load_split(prefix: str) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(DATA_DIR / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(DATA_DIR / f"{prefix}-labels-idx1-ubyte.gz")
    return to_model_input(images), labels.astype(np.int64)


class Classifier(nn.Module):
    """Three conv-BN-ReLU-maxpool stages (32 -> 16 -> 8 -> 4), then 1024 -> 128 (features) -> 10."""

    def __init__(self) -> None:
        super().__init__()
        chans = [1, 32, 64, 64]
        layers = []
        for cin, cout in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                       nn.MaxPool2d(2)]
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(64 * 4 * 4, FEATURE_DIM)
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(FEATURE_DIM, 10)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = F.relu(self.fc(self.body(image).flatten(1)))
        return self.head(self.dropout(features)), features


@torch.no_grad()
def predict(model: nn.Module, x: np.ndarray, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    model.eval()
    logits, feats = [], []
    for i in range(0, len(x), batch):
        lg, ft = model(torch.from_numpy(x[i:i + batch]))
        logits.append(lg.numpy())
        feats.append(ft.numpy())
    return np.concatenate(logits), np.concatenate(feats)


def train(model: nn.Module, x: np.ndarray, y: np.ndarray, epochs: int, batch: int, lr: float) -> None:
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    gen = torch.Generator().manual_seed(0)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        t0, total = time.time(), 0.0
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            xb = xt[idx]
            # Horizontal flips keep every class valid (shoes and bags are drawn facing either way).
            flip = torch.rand(len(idx), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            logits, _ = model(xb)
            loss = F.cross_entropy(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(x):.4f} ({time.time() - t0:.0f} s)", flush=True)


def normalise_feature_scale(model: Classifier, x_train: np.ndarray) -> float:
    """Rescale the features to mean |f|^2 / d = 1 on the train set, leaving the logits unchanged.

    KID's kernel (a.b / d + 1)^3 is not scale-invariant: raw features here average |f|^2 / d of about
    6, which makes the cubic kernel, and the variance of KID over subsets, needlessly large. ReLU is
    positively homogeneous, so scaling fc by s and head's weight by 1/s changes features by s and
    nothing else.
    """
    _, feats = predict(model, x_train)
    scale = float(1.0 / np.sqrt((feats.astype(np.float64) ** 2).sum(axis=1).mean() / FEATURE_DIM))
    with torch.no_grad():
        model.fc.weight.mul_(scale)
        model.fc.bias.mul_(scale)
        model.head.weight.div_(scale)
    return scale


def export_onnx(model: nn.Module, path: Path) -> None:
    model.eval()
    torch.onnx.export(
        model, torch.zeros(2, 1, 32, 32), str(path), opset_version=17,
        input_names=["image"], output_names=["logits", "features"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}},
        do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(str(path)))


def check_onnx(path: Path, model: nn.Module, x: np.ndarray) -> float:
    """Max abs difference of both outputs between the graph run in numpy (onnx_numpy) and PyTorch."""
    out = onnx_numpy.run(str(path), {"image": x}, compute_dtype=np.float64)
    logits, feats = out["logits"], out["features"]
    t_logits, t_feats = predict(model, x)
    return float(max(np.abs(logits - t_logits).max(), np.abs(feats - t_feats).max()))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def package_version(name: str) -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_npy(path: Path, array: np.ndarray, dtype: str) -> dict:
    """A .npy file (its header holds dtype and shape); the JSON header records its name and sha256."""
    np.save(path, np.ascontiguousarray(array, dtype=dtype))
    return {"file": f"{path.parent.name}/{path.name}", "sha256": sha256(path)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "fixtures/models/fmnist-classifier")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    np.random.seed(0)
    t_start = time.time()

    x_train, y_train = load_split("train")
    x_test, y_test = load_split("t10k")
    print(f"train {x_train.shape}, test {x_test.shape}, range [{x_train.min()}, {x_train.max()}]")

    model = Classifier()
    params = sum(p.numel() for p in model.parameters())
    train(model, x_train, y_train, args.epochs, args.batch, args.lr)
    train_s = time.time() - t_start
    feature_scale = normalise_feature_scale(model, x_train)
    print(f"feature scale {feature_scale:.6g}")

    test_logits, test_feats = predict(model, x_test)
    test_pred = test_logits.argmax(1)
    accuracy = float((test_pred == y_test).mean())
    per_class = [float((test_pred[y_test == c] == c).mean()) for c in range(10)]
    print(f"test accuracy {accuracy * 100:.2f} %  ({params} parameters, trained in {train_s:.0f} s)")
    if accuracy < 0.9:
        raise SystemExit(f"test accuracy {accuracy:.4f} is below 0.90")

    out: Path = args.out
    (out / "reference-stats").mkdir(parents=True, exist_ok=True)
    onnx_path = out / "model.onnx"
    export_onnx(model, onnx_path)
    onnx_diff = check_onnx(onnx_path, model, x_test[:64])
    print(f"onnx vs torch max abs diff {onnx_diff:.3g} on 64 test images")
    if onnx_diff > 1e-4:
        raise SystemExit(f"ONNX export differs from PyTorch by {onnx_diff}")

    # Reference statistics: all 10,000 test images; KID subset; train set for the sanity figures.
    _, train_feats = predict(model, x_train)
    test_mu, test_cov = metrics_ref.feature_statistics(test_feats)
    train_mu, train_cov = metrics_ref.feature_statistics(train_feats)
    subset = np.sort(np.random.default_rng(KID_SUBSET_SEED).choice(len(x_test), KID_SUBSET_COUNT, replace=False))
    train_subset = np.sort(np.random.default_rng(KID_SUBSET_SEED).choice(len(x_train), KID_SUBSET_COUNT,
                                                                          replace=False))
    stats_dir = out / "reference-stats"
    header = {
        "format": "denoise-feature-stats/2",
        "description": "Fashion-MNIST features of fixtures/models/fmnist-classifier/model.onnx (output "
                       "`features`). Each entry names a .npy file relative to this header (its dtype and shape "
                       "are in the file) and its sha256.",
        "model": {"file": "model.onnx", "sha256": sha256(onnx_path)},
        "featureDim": FEATURE_DIM,
        "test": {
            "count": len(x_test),
            "mean": write_npy(stats_dir / "test-mean.npy", test_mu, "float64"),
            "cov": write_npy(stats_dir / "test-cov.npy", test_cov, "float64"),
            "predictedClassCounts": np.bincount(test_pred, minlength=10).tolist(),
        },
        "train": {
            "count": len(x_train),
            "mean": write_npy(stats_dir / "train-mean.npy", train_mu, "float64"),
            "cov": write_npy(stats_dir / "train-cov.npy", train_cov, "float64"),
        },
        "testKidSubset": {
            "count": KID_SUBSET_COUNT,
            "selection": f"sorted(numpy.random.default_rng({KID_SUBSET_SEED}).choice(10000, "
                         f"{KID_SUBSET_COUNT}, replace=False)) of the t10k images",
            "indices": subset.tolist(),
            "features": write_npy(stats_dir / "test-kid-features.npy", test_feats[subset], "float32"),
        },
        "covariance": "unbiased (n - 1), numpy.cov(features, rowvar=False) in float64",
        "deadFeatures": int((test_feats.max(axis=0) == 0).sum()),
    }
    (out / "reference-stats.json").write_text(json.dumps(header, indent=2) + "\n")

    fid_sqrtm = metrics_ref.frechet_distance_sqrtm(test_mu, test_cov, train_mu, train_cov)
    fid_svd = metrics_ref.frechet_distance_svd(test_mu, test_cov, train_mu, train_cov)
    kid = metrics_ref.kernel_inception_distance(
        train_feats[train_subset].astype(np.float64), test_feats[subset].astype(np.float64),
        KID_SUBSETS, KID_SUBSET_SIZE, KID_SEED)
    print(f"sanity: FID(test, train) = {fid_sqrtm:.6g} (svd route {fid_svd:.10g}, sqrtm {fid_sqrtm:.10g}); KID = {kid['kid']:.6g} "
          f"± {kid['std']:.3g}")
    wall_s = time.time() - t_start

    meta = {
        "name": "fmnist-classifier",
        "purpose": "feature extractor for FID/KID of Fashion-MNIST diffusion samples (@denoise/metrics)",
        "dataset": {"name": "Fashion-MNIST (Xiao, Rasul, Vollgraf 2017)", "debianPackage": DATA_PACKAGE,
                    "debianVersion": package_version(DATA_PACKAGE), "path": str(DATA_DIR),
                    "trainImages": len(x_train), "testImages": len(x_test)},
        "input": {"name": "image", "shape": ["batch", 1, 32, 32], "dtype": "float32",
                  "preprocessing": "x = p / 255 * 2 - 1 on 28x28, padded 2 px each side with -1"},
        "outputs": [{"name": "logits", "shape": ["batch", 10]},
                    {"name": "features", "shape": ["batch", FEATURE_DIM],
                     "description": "penultimate layer after ReLU"}],
        "classNames": CLASS_NAMES,
        "architecture": "3 x (conv3x3 no-bias, BatchNorm, ReLU, maxpool2) with 32/64/64 channels, "
                        "linear 1024->128 + ReLU (features), dropout 0.3 (training only), linear 128->10",
        "parameters": params,
        "training": {"epochs": args.epochs, "batchSize": args.batch, "optimizer": "Adam",
                     "lrSchedule": f"OneCycleLR max_lr={args.lr}", "augmentation": "random horizontal flip",
                     "seed": 0, "threads": args.threads, "trainWallS": round(train_s, 1)},
        "testAccuracy": accuracy,
        "testAccuracyPerClass": dict(zip(CLASS_NAMES, per_class)),
        "onnx": {"file": "model.onnx", "opset": 17, "bytes": onnx_path.stat().st_size,
                 "sha256": sha256(onnx_path), "maxAbsDiffVsTorch": onnx_diff,
                 "checkedWith": "denoise_tools.onnx_numpy (float64) on 64 test images"},
        "featureScale": {"value": feature_scale,
                         "description": "fc scaled by this (and head by its inverse) after training so that "
                                        "mean |features|^2 / 128 = 1 on the train set; logits unchanged"},
        "deadFeatures": int((test_feats.max(axis=0) == 0).sum()),
        "referenceStats": "reference-stats.json",
        "check": {
            "description": "PyTorch outputs for the first test images (t10k order), for runtime tests",
            "testIndices": [0, 1, 2, 3],
            "labels": y_test[:4].tolist(),
            "logits": test_logits[:4].tolist(),
            "features": test_feats[:2].tolist(),
        },
        "sanity": {
            "description": "real test set vs real train set in this feature space: the floor that "
                           "generated samples are measured against",
            "fidTestVsTrain": fid_sqrtm,
            "fidTestVsTrainSvd": fid_svd,
            "fidMethod": "all 10,000 test vs all 60,000 train features; scipy.linalg.sqrtm (Svd: the "
                         "@denoise/metrics algorithm in numpy, metrics_ref.frechet_distance_svd)",
            "kidTestVsTrain": kid,
            "kidMethod": f"{KID_SUBSET_COUNT} train (same selection rule, seed {KID_SUBSET_SEED}) vs the "
                         f"{KID_SUBSET_COUNT} test KID-subset features; mulberry32 subsets as @denoise/metrics",
        },
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "onnx": onnx.__version__, "numpy": np.__version__,
                     "python3-torch": package_version("python3-torch")},
        "command": " ".join(["PYTHONPATH=tools", "/usr/bin/python3", "-m", "denoise_tools.train_classifier.train", *sys.argv[1:]]),
        "wallS": round(wall_s, 1),
    }
    (out / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {out} in {wall_s:.0f} s")


if __name__ == "__main__":
    main()
