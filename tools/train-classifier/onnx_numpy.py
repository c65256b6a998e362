"""A tiny numpy evaluator for the classifier's ONNX graph, independent of PyTorch.

Debian's python3-onnx (1.12) predates onnx.reference and there is no onnxruntime for Python here, so
train.py checks the export by running the graph node by node with these few ops. Any other op, or an
attribute value these implementations do not handle, raises instead of guessing.
"""
import numpy as np
import onnx
from onnx import numpy_helper


def _attrs(node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _require(cond: bool, node, what: str) -> None:
    if not cond:
        raise NotImplementedError(f"{node.op_type} node {node.name!r}: unsupported {what}")


def _conv(node, x, w, b=None):
    a = _attrs(node)
    _require(a.get("group", 1) == 1, node, "group")
    _require(all(s == 1 for s in a.get("strides", [1, 1])), node, "strides")
    _require(all(d == 1 for d in a.get("dilations", [1, 1])), node, "dilations")
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    cout, cin, kh, kw = w.shape
    n, _, h, wd = x.shape
    oh, ow = h - kh + 1, wd - kw + 1
    # im2col: [N, cin*kh*kw, oh*ow], in float64 so that the check measures the export, not rounding
    cols = np.empty((n, cin, kh, kw, oh, ow), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i:i + oh, j:j + ow]
    y = np.einsum("ok,nkp->nop", w.reshape(cout, -1).astype(np.float64), cols.reshape(n, cin * kh * kw, -1))
    if b is not None:
        y += b[None, :, None]
    return y.reshape(n, cout, oh, ow)


def _maxpool(node, x):
    a = _attrs(node)
    k = a["kernel_shape"]
    _require(list(k) == [2, 2] and list(a.get("strides", [1, 1])) == [2, 2], node, "kernel/strides")
    _require(not any(a.get("pads", [0, 0, 0, 0])) and not a.get("ceil_mode", 0), node, "pads/ceil_mode")
    n, c, h, w = x.shape
    return x[:, :, : h // 2 * 2, : w // 2 * 2].reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def _batchnorm(node, x, scale, bias, mean, var):
    eps = _attrs(node).get("epsilon", 1e-5)
    shape = (1, -1, 1, 1)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * scale.reshape(shape) + bias.reshape(shape)


def _gemm(node, a_, b_, c=None):
    a = _attrs(node)
    if a.get("transA", 0):
        a_ = a_.T
    if a.get("transB", 0):
        b_ = b_.T
    y = a.get("alpha", 1.0) * (a_.astype(np.float64) @ b_.astype(np.float64))
    if c is not None:
        y += a.get("beta", 1.0) * c
    return y


def _flatten(node, x):
    axis = _attrs(node).get("axis", 1)
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


OPS = {
    "Conv": _conv,
    "MaxPool": _maxpool,
    "BatchNormalization": _batchnorm,
    "Gemm": _gemm,
    "Flatten": _flatten,
    "Relu": lambda node, x: np.maximum(x, 0),
    "Identity": lambda node, x: x,
    "Reshape": lambda node, x, shape: x.reshape([int(s) for s in shape]),
}


def run(path: str, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    model = onnx.load(path)
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) if numpy_helper.to_array(t).dtype.kind == "f"
              else numpy_helper.to_array(t) for t in model.graph.initializer}
    values.update({k: v.astype(np.float64) for k, v in feeds.items()})
    for node in model.graph.node:
        if node.op_type == "Constant":
            values[node.output[0]] = numpy_helper.to_array(_attrs(node)["value"])
            continue
        op = OPS.get(node.op_type)
        if op is None:
            raise NotImplementedError(f"op {node.op_type} ({node.name!r}) is not in onnx_numpy.OPS")
        values[node.output[0]] = op(node, *[values[i] for i in node.input if i])
    return {o.name: values[o.name] for o in model.graph.output}
