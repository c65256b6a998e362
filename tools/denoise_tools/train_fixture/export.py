#!/usr/bin/env python3
"""Export the EMA weights of a train.py run as the fmnist-unet fixtures, check them, and draw samples.png.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.train_fixture.export \
      --checkpoint ~/.cache/denoise-train-fixture/run/checkpoint.pt \
      --train-command "PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.train_fixture.train --minutes 90 --batch 64 --device cpu"

Writes (atomically) into --out (default fixtures/models/fmnist-unet, the default model of denoise) the weights
as a diffusers UNet2DModel folder (config.json + diffusion_pytorch_model.safetensors, see to_diffusers.py),
scheduler_config.json, model.json, weights.pt (EMA state dict, for tools/denoise_tools/torch_baseline) and samples.png
(DDIM-50, eta 0, seed 0); into --out-onnx (default fixtures/models/fmnist-unet-onnx) the torch.onnx.export of
the network with its scheduler_config.json; and into --out-fp16io (default fixtures/models/fmnist-unet-fp16io) the same network with float16 sample
input and out_sample output (cast to float32 inside), its scheduler_config.json and model.json.

Each ONNX graph is evaluated with onnx_numpy (a NumPy interpreter; onnx 1.12 has no reference evaluator)
on random inputs at batch 1 and 4 and compared with PyTorch; the script exits non-zero when the max abs
difference exceeds 1e-4 (float32 output) or one float16 ulp / 2e-3 (float16 output).
"""
import argparse
import datetime
import hashlib
import io
import json
import os
import platform
import shlex
import subprocess
import sys

import numpy as np
import onnx
import torch
from torch import nn

from denoise_tools import onnx_numpy
from denoise_tools.torch_baseline.loops import ddim_sample
from denoise_tools.train_fixture.to_diffusers import diffusers_config, rename, write_safetensors
from denoise_tools.train_fixture.train import BETA_END, BETA_START, NUM_TRAIN_TIMESTEPS
from denoise_tools.train_fixture.unet import UNet, count_parameters

OPSET = 17
FP32_TOL = 1e-4

SCHEDULER_CONFIG = {
    "_class_name": "DDPMScheduler",
    "_diffusers_version": "0.30.0",
    "num_train_timesteps": NUM_TRAIN_TIMESTEPS,
    "beta_start": BETA_START,
    "beta_end": BETA_END,
    "beta_schedule": "linear",
    "trained_betas": None,
    "variance_type": "fixed_small",
    # No clipping of pred_x0: the textbook DDPM/DDIM of DESIGN.md. With clipping, DDIM at many steps leaves the
    # ODE (clip-at-every-step adds up: DDIM-100 vs DDIM-1000 SSIM 0.06-0.44 with it, 0.998-1.000 without).
    "clip_sample": False,
    "clip_sample_range": 1.0,
    "prediction_type": "epsilon",
    "thresholding": False,
    "dynamic_thresholding_ratio": 0.995,
    "sample_max_value": 1.0,
    "timestep_spacing": "leading",
    "steps_offset": 0,
    "rescale_betas_zero_snr": False,
}


class Fp16IO(nn.Module):
    """float16 sample in, float16 out_sample out; the UNet itself runs in float32."""

    def __init__(self, unet: nn.Module):
        super().__init__()
        self.unet = unet

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor) -> torch.Tensor:
        return self.unet(sample.to(torch.float32), timestep).to(torch.float16)


def write_atomic(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_json(path: str, obj) -> None:
    write_atomic(path, (json.dumps(obj, indent=2) + "\n").encode())


def export_onnx(module: nn.Module, in_dtype: torch.dtype) -> bytes:
    buf = io.BytesIO()
    example = (torch.zeros(1, 1, 32, 32, dtype=in_dtype), torch.tensor([500], dtype=torch.int64))
    torch.onnx.export(module, example, buf, opset_version=OPSET, do_constant_folding=True,
                      input_names=["sample", "timestep"], output_names=["out_sample"],
                      dynamic_axes={"sample": {0: "batch"}, "timestep": {0: "batch"}, "out_sample": {0: "batch"}})
    data = buf.getvalue()
    onnx.checker.check_model(onnx.load_from_string(data))
    return data


@torch.no_grad()
def check_onnx(path: str, module: nn.Module, in_dtype: torch.dtype, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    report = {}
    for b in (1, 4):
        x = torch.randn((b, 1, 32, 32), generator=g).to(in_dtype)
        t = torch.randint(0, NUM_TRAIN_TIMESTEPS, (b,), generator=g)
        ref = module(x, t)
        got = onnx_numpy.run(path, {"sample": x.numpy(), "timestep": t.numpy()})["out_sample"]
        if got.shape != tuple(ref.shape) or got.dtype != ref.numpy().dtype:
            raise SystemExit(f"{path}: batch {b}: ONNX gave {got.dtype}{got.shape}, "
                             f"PyTorch {ref.numpy().dtype}{tuple(ref.shape)}")
        ref64, got64 = ref.numpy().astype(np.float64), got.astype(np.float64)
        diff = float(np.abs(got64 - ref64).max())
        if in_dtype == torch.float32:
            ok, tol = diff <= FP32_TOL, FP32_TOL
        else:  # one float16 ulp at the value's magnitude, at least 2e-3
            allowed = np.maximum(2e-3, np.abs(ref64) * 2.0 ** -10)
            ok, tol = bool(np.all(np.abs(got64 - ref64) <= allowed)), "max(2e-3, |ref|*2^-10)"
        print(f"check {os.path.basename(os.path.dirname(path))}: batch {b} max abs diff {diff:.3g} (tol {tol})")
        if not ok:
            raise SystemExit(f"{path}: ONNX vs PyTorch max abs diff {diff} at batch {b} exceeds {tol}")
        report[f"batch{b}_max_abs_diff"] = diff
    report["tolerance"] = tol
    report["evaluator"] = "denoise_tools.onnx_numpy (NumPy), onnx " + onnx.__version__
    return report


def png_bytes(img: np.ndarray) -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(img, mode="L").save(buf, format="PNG")
    return buf.getvalue()


def grid_image(x: torch.Tensor, nrow: int = 8, pad: int = 2) -> np.ndarray:
    """torchvision make_grid layout (pad px around every tile, pad value 0); pixel = round(clamp(x/2+.5)*255)."""
    px = torch.round((x / 2 + 0.5).clamp(0, 1) * 255).to(torch.uint8).numpy()[:, 0]
    n, h, w = px.shape
    rows = (n + nrow - 1) // nrow
    out = np.zeros((rows * (h + pad) + pad, nrow * (w + pad) + pad), dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, nrow)
        out[pad + r * (h + pad):pad + r * (h + pad) + h, pad + c * (w + pad):pad + c * (w + pad) + w] = px[i]
    return out


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def dataset_version() -> str:
    try:
        return subprocess.run(["dpkg-query", "-W", "-f=${Version}", "dataset-fashion-mnist"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", default=os.path.expanduser("~/.cache/denoise-train-fixture/run/checkpoint.pt"))
    p.add_argument("--out", default="fixtures/models/fmnist-unet")
    p.add_argument("--out-onnx", default="fixtures/models/fmnist-unet-onnx")
    p.add_argument("--out-fp16io", default="fixtures/models/fmnist-unet-fp16io")
    p.add_argument("--train-command", required=True, help="the exact training command, recorded in model.json")
    p.add_argument("--preliminary", action="store_true", help="mark model.json as a preliminary (smoke) model")
    p.add_argument("--timing", action="store_true", help="time the PyTorch forward at batch 1 and 16")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)

    ck = torch.load(args.checkpoint, map_location="cpu")
    state, train_args = ck["state"], ck["args"]
    unet = UNet(ck["unet_config"])
    unet.load_state_dict(ck["ema"])
    unet.eval()
    n_params = count_parameters(unet)
    os.makedirs(args.out, exist_ok=True)
    os.makedirs(args.out_onnx, exist_ok=True)
    os.makedirs(args.out_fp16io, exist_ok=True)

    # weights.pt: the EMA weights only, for tools/denoise_tools/torch_baseline.
    buf = io.BytesIO()
    torch.save({"unet_config": unet.config, "state_dict": unet.state_dict()}, buf)
    write_atomic(os.path.join(args.out, "weights.pt"), buf.getvalue())

    onnx32 = export_onnx(unet, torch.float32)
    onnx16 = export_onnx(Fp16IO(unet).eval(), torch.float16)
    path32, path16 = os.path.join(args.out_onnx, "model.onnx"), os.path.join(args.out_fp16io, "model.onnx")
    for data, path in ((onnx32, path32), (onnx16, path16)):
        if len(data) > 10 * 1024 * 1024:
            raise SystemExit(f"{path}: {len(data)} bytes exceeds the 10 MB limit")
        write_atomic(path, data)
    check32 = check_onnx(path32, unet, torch.float32)
    check16 = check_onnx(path16, Fp16IO(unet).eval(), torch.float16)
    for d in (args.out, args.out_onnx, args.out_fp16io):
        write_json(os.path.join(d, "scheduler_config.json"), SCHEDULER_CONFIG)
    # The default model itself: the same weights as a diffusers UNet2DModel folder (to_diffusers.py).
    unet_state = {"unet_config": unet.config, "state_dict": unet.state_dict()}
    write_safetensors(rename(unet_state["state_dict"], unet.config), os.path.join(args.out, "diffusion_pytorch_model.safetensors"))
    write_json(os.path.join(args.out, "config.json"), diffusers_config(unet.config))

    # samples.png: DDIM-50, eta 0, seed 0, as the issue specifies.
    torch.manual_seed(0)
    noise = torch.randn(64, 1, 32, 32)
    with torch.no_grad():
        x = ddim_sample(unet, noise, SCHEDULER_CONFIG, steps=50, eta=0.0, spacing="leading")
    write_atomic(os.path.join(args.out, "samples.png"), png_bytes(grid_image(x)))

    timing = None
    if args.timing:
        from forward_time import time_forward
        timing = {"pytorch_forward_ms": time_forward(unet, [1, 16]), "threads": args.threads,
                  "torch": torch.__version__, "cpu": cpu_name(), "cores": os.cpu_count(),
                  "note": "median of 50 calls after 5 warm-up calls, eval mode, torch.no_grad"}

    export_command = "/usr/bin/python3 " + " ".join(shlex.quote(a) for a in sys.argv)
    signature = {"inputs": {"sample": ["float32", ["batch", 1, 32, 32]], "timestep": ["int64", ["batch"]]},
                 "outputs": {"out_sample": ["float32", ["batch", 1, 32, 32]]}, "opset": OPSET,
                 "output_meaning": "epsilon (predicted noise)"}
    common = {
        "preliminary": args.preliminary,
        "architecture": {"type": "diffusers-style UNet2D (tools/denoise_tools/train_fixture/unet.py)", **unet.config,
                         "parameters": n_params},
        "training": {
            "dataset": "Fashion-MNIST train split (60000 images), 28x28 padded to 32x32 with -1, scaled to [-1, 1]",
            "dataset_package": f"dataset-fashion-mnist {dataset_version()} (Debian)",
            "objective": "DDPM epsilon-prediction, L_simple (MSE), t uniform in [0, 999]",
            "iterations": state["iteration"], "batch": train_args["batch"], "optimizer": "Adam",
            "lr": train_args["lr"], "lr_warmup_iterations": train_args["warmup"], "grad_clip_norm": 1.0,
            "ema_decay": train_args["ema_decay"], "seed": train_args["seed"],
            "wall_time_minutes": round(state["elapsed_s"] / 60, 2), "device": train_args["device"],
            "threads": train_args["threads"], "cpu": cpu_name(), "torch": torch.__version__,
            "final_train_loss_ema": round(state["loss_ema"], 5),
            "final_eval_loss_ema_weights": (round(state["final_eval_loss_ema_weights"], 5)
                                            if "final_eval_loss_ema_weights" in state else None),
            "eval_loss_note": "L_simple of the EMA weights on the first 1024 test images, fixed t and noise (seed 1234)",
            "command": args.train_command,
        },
        "export": {"command": export_command, "opset": OPSET, "onnx": onnx.__version__, "torch": torch.__version__,
                   "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")},
        "scheduler_config": "scheduler_config.json (the schedule it was trained with)",
    }
    if timing:
        common["timing"] = timing
    meta32 = {"name": "fmnist-unet",
              "description": ("PRELIMINARY smoke model (about a minute of training): right shape and signature, "
                              "samples are not garments yet. " if args.preliminary else "")
              + "DDPM UNet trained on Fashion-MNIST; the default model of denoise.",
              **common, "signature": signature,
              "model_onnx": {"bytes": len(onnx32), "sha256": sha256(onnx32)}, "check": check32,
              "weights_pt": "EMA state dict for tools/denoise_tools/torch_baseline (same weights as model.onnx)",
              "samples": {"file": "samples.png", "sampler": "ddim", "steps": 50, "eta": 0.0,
                          "timestep_spacing": "leading", "seed": 0,
                          "noise": "torch.manual_seed(0); torch.randn(64, 1, 32, 32)",
                          "grid": "8x8, 2 px padding (value 0) around every tile, 274x274 px",
                          "pixel": "round(clamp(x/2 + 0.5, 0, 1) * 255)",
                          "made_by": "tools/denoise_tools/train_fixture/export.py (PyTorch loop in tools/denoise_tools/torch_baseline/loops.py)"}}
    sig16 = json.loads(json.dumps(signature))
    sig16["inputs"]["sample"][0] = "float16"
    sig16["outputs"]["out_sample"][0] = "float16"
    sig16["note"] = "casts sample to float32 inside, runs the float32 UNet, casts out_sample to float16"
    meta16 = {"name": "fmnist-unet-fp16io",
              "description": "fmnist-unet with float16 sample/out_sample at the graph boundary (same weights). "
              + ("PRELIMINARY smoke model." if args.preliminary else ""),
              **common, "signature": sig16,
              "model_onnx": {"bytes": len(onnx16), "sha256": sha256(onnx16)}, "check": check16,
              "same_weights_as": {"model": "fmnist-unet", "sha256": sha256(onnx32)}}
    write_json(os.path.join(args.out, "model.json"), meta32)
    write_json(os.path.join(args.out_fp16io, "model.json"), meta16)
    print(json.dumps({"parameters": n_params, "iterations": state["iteration"], "sha256": sha256(onnx32),
                      "bytes": len(onnx32), "sha256_fp16io": sha256(onnx16), "timing": timing}, indent=2))


if __name__ == "__main__":
    main()
