"""A diffusers model folder's weights file and the strict, name-reporting load into a module."""
import os

import torch
from torch import nn

WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"


def weights_path(model_dir: str, variant: str | None = None) -> str:
    """diffusion_pytorch_model[.variant].safetensors in model_dir (diffusers' variant naming)."""
    name = WEIGHTS_NAME if variant is None else WEIGHTS_NAME.replace(".safetensors", f".{variant}.safetensors")
    return os.path.join(model_dir, name)


def load_state_strict(model: nn.Module, state: dict[str, torch.Tensor], source: str) -> None:
    """load_state_dict(strict=True) that first names every missing, unexpected or mis-shaped tensor."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(f"{k}: {list(state[k].shape)} (expected {list(expected[k].shape)})"
                   for k in set(state) & set(expected) if state[k].shape != expected[k].shape)
    if missing or unexpected or wrong:
        raise ValueError(f"{source}: weights do not match the config: missing {missing}, "
                         f"unexpected {unexpected}, wrong shape {wrong}")
    model.load_state_dict(state, strict=True)
