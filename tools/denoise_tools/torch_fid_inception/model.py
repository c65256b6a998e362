"""pytorch-fid's FID Inception-v3 (pool3 path) in PyTorch, over a weights file in its state_dict layout.

pytorch-fid (mseitzer/pytorch-fid, `inception.py`) builds torchvision's Inception-v3 and swaps in blocks whose
forward differs: FIDInceptionA/C/E_1 average-pool without the padding (count_include_pad=False), FIDInceptionE_2
(Mixed_7c) max-pools in its pool branch. Here the same: torchvision's modules (so parameter names and shapes are
torchvision's), with those forwards written out below, and pytorch-fid's InceptionV3([3], resize_input=False,
normalize_input=False) block order up to the adaptive average pool. Input: the tensor entering Conv2d_1a_3x3.
"""
import json
import struct
import types

import numpy as np
import torch
import torch.nn.functional as F
import torchvision


def _fid_a(self, x):
    branch5x5 = self.branch5x5_2(self.branch5x5_1(x))
    branch3x3dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
    pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
    return torch.cat([self.branch1x1(x), branch5x5, branch3x3dbl, self.branch_pool(pool)], 1)


def _fid_c(self, x):
    branch7x7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
    d = x
    for conv in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4, self.branch7x7dbl_5):
        d = conv(d)
    pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
    return torch.cat([self.branch1x1(x), branch7x7, d, self.branch_pool(pool)], 1)


def _fid_e(max_pool):
    def forward(self, x):
        t = self.branch3x3_1(x)
        branch3x3 = torch.cat([self.branch3x3_2a(t), self.branch3x3_2b(t)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        branch3x3dbl = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        if max_pool:  # FIDInceptionE_2: the TensorFlow FID graph max-pools here
            pool = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        else:
            pool = F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)
        return torch.cat([self.branch1x1(x), branch3x3, branch3x3dbl, self.branch_pool(pool)], 1)

    return forward


def read_state_dict(path):
    """A `.pth` (torch.save of the state_dict) or the same tensors as `.safetensors` (F32 and I64)."""
    if not path.endswith(".safetensors"):
        return torch.load(path, map_location="cpu")
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n])
    header.pop("__metadata__", None)
    dtypes = {"F32": np.dtype("<f4"), "I64": np.dtype("<i8")}
    out = {}
    for key, info in header.items():
        begin, end = info["data_offsets"]
        a = np.frombuffer(blob, dtype=dtypes[info["dtype"]], count=(end - begin) // dtypes[info["dtype"]].itemsize, offset=8 + n + begin)
        out[key] = torch.from_numpy(a.copy().reshape(info["shape"]))
    return out


class FidInceptionPool3(torch.nn.Module):
    def __init__(self, state_dict):
        super().__init__()
        net = torchvision.models.inception_v3(num_classes=1008, aux_logits=False, init_weights=False, weights=None)
        for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d"):
            getattr(net, name).forward = types.MethodType(_fid_a, getattr(net, name))
        for name in ("Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"):
            getattr(net, name).forward = types.MethodType(_fid_c, getattr(net, name))
        net.Mixed_7b.forward = types.MethodType(_fid_e(False), net.Mixed_7b)
        net.Mixed_7c.forward = types.MethodType(_fid_e(True), net.Mixed_7c)
        missing, unexpected = net.load_state_dict(state_dict, strict=False)
        if unexpected or any(not k.endswith("num_batches_tracked") for k in missing):
            raise ValueError(f"weights do not fit: missing {missing}, unexpected {unexpected}")
        self.blocks = torch.nn.Sequential(
            net.Conv2d_1a_3x3, net.Conv2d_2a_3x3, net.Conv2d_2b_3x3, torch.nn.MaxPool2d(kernel_size=3, stride=2),
            net.Conv2d_3b_1x1, net.Conv2d_4a_3x3, torch.nn.MaxPool2d(kernel_size=3, stride=2),
            net.Mixed_5b, net.Mixed_5c, net.Mixed_5d, net.Mixed_6a, net.Mixed_6b, net.Mixed_6c, net.Mixed_6d, net.Mixed_6e,
            net.Mixed_7a, net.Mixed_7b, net.Mixed_7c, torch.nn.AdaptiveAvgPool2d(output_size=(1, 1)),
        )
        self.eval()

    def forward(self, x):
        return torch.flatten(self.blocks(x), 1)
