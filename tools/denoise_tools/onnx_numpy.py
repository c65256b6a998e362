"""The one NumPy interpreter for the ONNX graphs the tools export, independent of PyTorch and onnxruntime.

Debian bookworm ships onnx 1.12, which predates onnx.reference.ReferenceEvaluator, and onnxruntime is not
packaged for Python there; train_fixture/export.py (the fixture UNet) and train_classifier/train.py (the
feature classifier) check their exports with this, and tools-python.test.ts in apps/regression checks it
against onnxruntime-node on the committed models. It runs the graph node by node with the ops those graphs use;
an op it does not know, or an attribute value it does not handle, raises NotImplementedError naming the node,
so a changed graph fails loudly instead of being evaluated wrongly.

  run(path, feeds)                          computes in the dtypes of the model and the feeds
  run(path, feeds, compute_dtype=float64)   every float tensor in float64, so a check measures the export
                                            and not float32 rounding

As a command, on .npy feeds, writing <OUT_DIR>/<output name>.npy for every graph output:

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.onnx_numpy MODEL.onnx OUT_DIR sample=x.npy timestep=t.npy [--float64]
"""
import argparse
import os

import numpy as np
import onnx
from onnx import numpy_helper

_DTYPES = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64}


def _attrs(node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _require(cond: bool, node, what: str) -> None:
    if not cond:
        raise NotImplementedError(f"onnx_numpy: {node.op_type} node {node.name!r}: unsupported {what}")


def _conv(node, a, x, w, b):
    _require(a.get("group", 1) == 1, node, "group != 1")
    _require(all(d == 1 for d in a.get("dilations", [1, 1])), node, "dilations != 1")
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    sh, sw = a.get("strides", [1, 1])
    kh, kw = w.shape[2:]
    x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    n, c, hp, wp = x.shape
    oh, ow = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    # im2col: [N, C, kh, kw, oh, ow], contracted with the [O, C, kh, kw] kernel
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    y = np.einsum("nckhij,ockh->noij", cols, w, optimize=True)
    return y + b.reshape(1, -1, 1, 1) if b is not None else y


def _maxpool(node, a, x):
    _require(list(a["kernel_shape"]) == [2, 2] and list(a.get("strides", [1, 1])) == [2, 2], node, "kernel/strides other than 2x2/2")
    _require(not any(a.get("pads", [0, 0, 0, 0])) and not a.get("ceil_mode", 0), node, "pads/ceil_mode")
    n, c, h, w = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def _resize_nearest(node, a, x, scales, sizes):
    _require(a.get("mode", b"nearest") == b"nearest" and a.get("coordinate_transformation_mode") == b"asymmetric", node, f"Resize {a}")
    if sizes is None or sizes.size == 0:
        sizes = np.floor(np.array(x.shape) * scales).astype(np.int64)
    scale = np.array(sizes) / np.array(x.shape)
    for axis, (out, s) in enumerate(zip(sizes, scale)):
        if out != x.shape[axis]:
            idx = np.minimum(np.floor(np.arange(out) / s).astype(np.int64), x.shape[axis] - 1)
            x = np.take(x, idx, axis=axis)
    return x


_BINARY = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Pow": np.power, "Equal": np.equal}


def _run_node(node, ins, a, n_out):
    op = node.op_type
    x = ins[0] if ins else None
    if op == "Identity":
        return [x]
    if op == "Cast":
        return [x.astype(_DTYPES[a["to"]])]
    if op in _BINARY:
        r = _BINARY[op](x, ins[1])
        return [r if op == "Equal" else r.astype(x.dtype)]
    if op in ("Cos", "Sin", "Exp", "Sqrt"):
        return [getattr(np, op.lower())(x)]
    if op == "Sigmoid":
        return [(1.0 / (1.0 + np.exp(-x))).astype(x.dtype)]
    if op == "Relu":
        return [np.maximum(x, 0)]
    if op == "Unsqueeze":
        for ax in sorted(int(v) for v in ins[1]):
            x = np.expand_dims(x, ax if ax >= 0 else ax + x.ndim + 1)
        return [x]
    if op == "Squeeze":
        return [np.squeeze(x, axis=tuple(int(v) for v in ins[1])) if len(ins) > 1 else np.squeeze(x)]
    if op == "Concat":
        return [np.concatenate(ins, axis=a["axis"])]
    if op == "Gemm":
        A = x.T if a.get("transA", 0) else x
        B = ins[1].T if a.get("transB", 0) else ins[1]
        y = a.get("alpha", 1.0) * (A @ B)
        if len(ins) > 2:
            y = y + a.get("beta", 1.0) * ins[2]
        return [y.astype(x.dtype)]
    if op == "MatMul":
        return [np.matmul(x, ins[1])]
    if op == "Conv":
        return [_conv(node, a, x, ins[1], ins[2] if len(ins) > 2 else None)]
    if op == "MaxPool":
        return [_maxpool(node, a, x)]
    if op == "BatchNormalization":
        scale, bias, mean, var = ins[1:5]
        shape = (1, -1) + (1,) * (x.ndim - 2)
        y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + a.get("epsilon", 1e-5))
        return [(y * scale.reshape(shape) + bias.reshape(shape)).astype(x.dtype)]
    if op == "InstanceNormalization":
        axes = tuple(range(2, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        bshape = (1, -1) + (1,) * (x.ndim - 2)
        y = (x - mean) / np.sqrt(var + a.get("epsilon", 1e-5))
        return [(y * ins[1].reshape(bshape) + ins[2].reshape(bshape)).astype(x.dtype)]
    if op == "Reshape":
        shape = [int(s) for s in ins[1]]
        if not a.get("allowzero", 0):
            shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
        return [x.reshape(shape)]
    if op == "Flatten":
        axis = a.get("axis", 1)
        return [x.reshape(int(np.prod(x.shape[:axis])), -1)]
    if op == "Shape":
        return [np.array(x.shape, dtype=np.int64)]
    if op == "Gather":
        return [np.take(x, ins[1], axis=a.get("axis", 0))]
    if op == "Transpose":
        return [np.transpose(x, a.get("perm"))]
    if op == "Split":
        axis = a.get("axis", 0)
        if len(ins) > 1 and ins[1] is not None:
            bounds = np.cumsum(ins[1])[:-1]
        else:
            bounds = np.cumsum([x.shape[axis] // n_out] * n_out)[:-1]
        return np.split(x, bounds, axis=axis)
    if op == "Softmax":
        e = np.exp(x - x.max(axis=a.get("axis", -1), keepdims=True))
        return [e / e.sum(axis=a.get("axis", -1), keepdims=True)]
    if op == "Resize":
        return [_resize_nearest(node, a, x, ins[2] if len(ins) > 2 else None, ins[3] if len(ins) > 3 else None)]
    raise NotImplementedError(f"onnx_numpy: op {op} (node {node.name!r}) is not implemented")


def run(model_path: str, feeds: dict, compute_dtype=None) -> dict:
    """Evaluates the graph on NumPy arrays; returns {output name: array}. With `compute_dtype` (e.g. np.float64),
    every floating-point initializer, constant and feed is converted to it first."""
    def convert(value):
        value = np.asarray(value)
        return value.astype(compute_dtype) if compute_dtype is not None and value.dtype.kind == "f" else value

    model = onnx.load(model_path)
    env = {init.name: convert(numpy_helper.to_array(init)) for init in model.graph.initializer}
    env[""] = None
    env.update({name: convert(value) for name, value in feeds.items()})
    for node in model.graph.node:
        a = _attrs(node)
        if node.op_type == "Constant":
            env[node.output[0]] = convert(numpy_helper.to_array(a["value"]))
            continue
        ins = [env[name] for name in node.input]
        outs = _run_node(node, ins, a, len(node.output))
        for name, value in zip(node.output, outs):
            env[name] = np.asarray(value)
    return {o.name: env[o.name] for o in model.graph.output}


def main() -> None:
    ap = argparse.ArgumentParser(description="Run an ONNX graph with the NumPy interpreter on .npy feeds.")
    ap.add_argument("model")
    ap.add_argument("out_dir")
    ap.add_argument("feeds", nargs="+", metavar="NAME=FILE.npy")
    ap.add_argument("--float64", action="store_true", help="compute every float tensor in float64")
    args = ap.parse_args()
    feeds = {}
    for feed in args.feeds:
        name, sep, path = feed.partition("=")
        if not sep:
            ap.error(f"feed {feed!r} is not NAME=FILE.npy")
        feeds[name] = np.load(path)
    outputs = run(args.model, feeds, np.float64 if args.float64 else None)
    os.makedirs(args.out_dir, exist_ok=True)
    for name, value in outputs.items():
        np.save(os.path.join(args.out_dir, f"{name}.npy"), value)


if __name__ == "__main__":
    main()
