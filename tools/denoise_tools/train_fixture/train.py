#!/usr/bin/env python3
"""Train the fmnist-unet fixture: DDPM (Ho et al. 2020) epsilon-prediction on Fashion-MNIST.

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.train_fixture.train --minutes 75 --batch 64 --device cpu

Checkpoints go to --ckpt-dir (default ~/.cache/denoise-train-fixture/run) every --save-every minutes,
written atomically; rerunning the same command resumes from the last one. --minutes is the total training
budget across resumes (the elapsed time is kept in the checkpoint).
"""
import argparse
import copy
import gzip
import json
import os
import struct
import time

import numpy as np
import torch
import torch.nn.functional as F

from denoise_tools.train_fixture.unet import UNet, count_parameters

DATA_DIR = "/usr/share/datasets/fashion-mnist"
NUM_TRAIN_TIMESTEPS = 1000
BETA_START, BETA_END = 1e-4, 0.02


def read_idx_images(path: str) -> np.ndarray:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{path}: bad IDX magic {magic:#x}, expected 0x803 (uint8 images)")
        data = np.frombuffer(f.read(), dtype=np.uint8)
    if data.size != n * rows * cols:
        raise ValueError(f"{path}: expected {n * rows * cols} bytes of pixels, got {data.size}")
    return data.reshape(n, rows, cols)


def load_images(split: str, data_dir: str = DATA_DIR) -> torch.Tensor:
    """Fashion-MNIST as float32 [N,1,32,32] in [-1,1]; the 28x28 images are padded with background (-1)."""
    prefix = "train" if split == "train" else "t10k"
    path = os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz")
    if not os.path.exists(path):
        path = path[:-3]
    x = torch.from_numpy(read_idx_images(path).astype(np.float32) / 127.5 - 1.0)[:, None]
    return F.pad(x, (2, 2, 2, 2), value=-1.0)


def linear_alphas_cumprod() -> torch.Tensor:
    # diffusers' "linear" schedule: betas = linspace(beta_start, beta_end, T) in float32.
    betas = torch.linspace(BETA_START, BETA_END, NUM_TRAIN_TIMESTEPS, dtype=torch.float32)
    return torch.cumprod(1.0 - betas, dim=0)


def atomic_torch_save(obj, path: str) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def ddpm_loss(model, x0, alphas_cumprod, generator) -> torch.Tensor:
    """Simplified objective L_simple = E ||eps - eps_theta(sqrt(abar) x0 + sqrt(1-abar) eps, t)||^2 (eq. 14)."""
    b = x0.shape[0]
    t = torch.randint(0, NUM_TRAIN_TIMESTEPS, (b,), generator=generator).to(x0.device)
    noise = torch.randn(x0.shape, generator=generator).to(x0.device)
    abar = alphas_cumprod.to(x0.device)[t].view(b, 1, 1, 1)
    x_t = abar.sqrt() * x0 + (1.0 - abar).sqrt() * noise
    return F.mse_loss(model(x_t, t), noise)


@torch.no_grad()
def eval_loss(model, images, alphas_cumprod, device, batch=128, seed=1234) -> float:
    """L_simple on a fixed set of images, timesteps and noises, so figures from different runs compare."""
    model.eval()
    g = torch.Generator().manual_seed(seed)
    total, n = 0.0, 0
    for i in range(0, images.shape[0], batch):
        x0 = images[i:i + batch].to(device)
        total += ddpm_loss(model, x0, alphas_cumprod, g).item() * x0.shape[0]
        n += x0.shape[0]
    model.train()
    return total / n


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--minutes", type=float, required=True, help="total training budget (wall minutes)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--warmup", type=int, default=200, help="linear learning-rate warm-up, iterations")
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--save-every", type=float, default=3.0, help="minutes between checkpoints")
    p.add_argument("--ckpt-dir", default=os.path.expanduser("~/.cache/denoise-train-fixture/run"))
    p.add_argument("--data-dir", default=DATA_DIR)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    device = torch.device(args.device)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    ckpt_path = os.path.join(args.ckpt_dir, "checkpoint.pt")
    log = open(os.path.join(args.ckpt_dir, "train.log"), "a", buffering=1)

    def say(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log.write(line + "\n")

    train_images = load_images("train", args.data_dir)
    eval_images = load_images("test", args.data_dir)[:1024]
    alphas_cumprod = linear_alphas_cumprod()

    model = UNet().to(device)
    ema = copy.deepcopy(model).eval()
    for q in ema.parameters():
        q.requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    gen = torch.Generator().manual_seed(args.seed)  # drives batches, timesteps and noise
    state = {"iteration": 0, "elapsed_s": 0.0, "loss_ema": None, "epoch_perm": None, "epoch_pos": 0}

    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location=device)
        model.load_state_dict(ck["model"])
        ema.load_state_dict(ck["ema"])
        opt.load_state_dict(ck["opt"])
        gen.set_state(ck["generator"])
        state = ck["state"]
        say(f"resumed from {ckpt_path} at iteration {state['iteration']}, {state['elapsed_s'] / 60:.1f} min done")
    else:
        say(f"new run: {count_parameters(model)} parameters, args {json.dumps(vars(args))}, torch {torch.__version__}")

    def save() -> None:
        atomic_torch_save({"model": model.state_dict(), "ema": ema.state_dict(), "opt": opt.state_dict(),
                           "generator": gen.get_state(), "state": state, "args": vars(args),
                           "unet_config": model.config}, ckpt_path)

    budget_s = args.minutes * 60.0
    session_start = time.time()
    elapsed_at_start = state["elapsed_s"]
    last_save = last_log = time.time()
    iters_since_log = 0
    model.train()
    while state["elapsed_s"] < budget_s:
        if state["epoch_perm"] is None or state["epoch_pos"] + args.batch > train_images.shape[0]:
            state["epoch_perm"] = torch.randperm(train_images.shape[0], generator=gen)
            state["epoch_pos"] = 0
        idx = state["epoch_perm"][state["epoch_pos"]:state["epoch_pos"] + args.batch]
        state["epoch_pos"] += args.batch
        x0 = train_images[idx].to(device)

        it = state["iteration"]
        for group in opt.param_groups:
            group["lr"] = args.lr * min(1.0, (it + 1) / args.warmup)
        loss = ddpm_loss(model, x0, alphas_cumprod, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        # EMA with the usual warm-up so that short runs already have usable EMA weights.
        decay = min(args.ema_decay, (1.0 + it) / (10.0 + it))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(decay).add_(pm.detach(), alpha=1.0 - decay)
        state["iteration"] = it + 1
        lv = loss.item()
        state["loss_ema"] = lv if state["loss_ema"] is None else 0.99 * state["loss_ema"] + 0.01 * lv
        state["elapsed_s"] = elapsed_at_start + (time.time() - session_start)
        iters_since_log += 1

        now = time.time()
        if now - last_log >= 30 or state["iteration"] == 1:
            say(f"iter {state['iteration']} loss {lv:.4f} loss_ema {state['loss_ema']:.4f} "
                f"it/s {iters_since_log / max(now - last_log, 1e-9):.3f} "
                f"elapsed {state['elapsed_s'] / 60:.1f}/{args.minutes:g} min")
            last_log, iters_since_log = now, 0
        if now - last_save >= args.save_every * 60:
            save()
            last_save = now

    state["final_eval_loss_ema_weights"] = eval_loss(ema, eval_images, alphas_cumprod, device)
    say(f"done: {state['iteration']} iterations in {state['elapsed_s'] / 60:.1f} min, "
        f"train loss_ema {state['loss_ema']:.4f}, eval loss of EMA weights "
        f"{state['final_eval_loss_ema_weights']:.4f}")
    save()


if __name__ == "__main__":
    main()
