"""A minimal NumPy interpreter for the ONNX ops that torch.onnx.export emits for unet.UNet.

Debian bookworm ships onnx 1.12, which predates onnx.reference.ReferenceEvaluator, and onnxruntime is not
packaged for Python there; export.py uses this to check the exported graph against PyTorch on its own.
Ops it does not know raise NotImplementedError, so a changed graph fails loudly instead of silently.
"""
import numpy as np
import onnx
from onnx import numpy_helper

_DTYPES = {1: np.float32, 6: np.int32, 7: np.int64, 9: np.bool_, 10: np.float16, 11: np.float64}


def _attrs(node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _conv(x, w, b, a):
    if a.get("group", 1) != 1 or any(d != 1 for d in a.get("dilations", [1, 1])):
        raise NotImplementedError("Conv with group or dilation != 1")
    pt, pl, pb, pr = a.get("pads", [0, 0, 0, 0])
    sh, sw = a.get("strides", [1, 1])
    kh, kw = w.shape[2:]
    x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    n, c, hp, wp = x.shape
    oh, ow = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    cols = np.empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw]
    y = np.einsum("nckhij,ockh->noij", cols, w, optimize=True)
    return y + b.reshape(1, -1, 1, 1) if b is not None else y


def _resize_nearest(x, scales, sizes, a):
    if a.get("mode", b"nearest") != b"nearest" or a.get("coordinate_transformation_mode") != b"asymmetric":
        raise NotImplementedError(f"Resize {a}")
    if sizes is None or sizes.size == 0:
        sizes = np.floor(np.array(x.shape) * scales).astype(np.int64)
    scale = np.array(sizes) / np.array(x.shape)
    for axis, (out, s) in enumerate(zip(sizes, scale)):
        if out != x.shape[axis]:
            idx = np.minimum(np.floor(np.arange(out) / s).astype(np.int64), x.shape[axis] - 1)
            x = np.take(x, idx, axis=axis)
    return x


def _run_node(op, ins, a, n_out):
    x = ins[0] if ins else None
    if op == "Identity":
        return [x]
    if op == "Constant":
        return [numpy_helper.to_array(a["value"])]
    if op == "Cast":
        return [x.astype(_DTYPES[a["to"]])]
    if op in ("Add", "Sub", "Mul", "Div", "Pow", "Equal"):
        f = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.divide, "Pow": np.power,
             "Equal": np.equal}[op]
        r = f(x, ins[1])
        return [r if op == "Equal" else r.astype(x.dtype)]
    if op in ("Cos", "Sin", "Exp", "Sqrt"):
        return [getattr(np, op.lower())(x)]
    if op == "Sigmoid":
        return [(1.0 / (1.0 + np.exp(-x))).astype(x.dtype)]
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
        return [_conv(x, ins[1], ins[2] if len(ins) > 2 else None, a)]
    if op == "Reshape":
        shape = [int(s) for s in ins[1]]
        if not a.get("allowzero", 0):
            shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
        return [x.reshape(shape)]
    if op == "InstanceNormalization":
        axes = tuple(range(2, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
        bshape = (1, -1) + (1,) * (x.ndim - 2)
        y = (x - mean) / np.sqrt(var + a.get("epsilon", 1e-5))
        return [(y * ins[1].reshape(bshape) + ins[2].reshape(bshape)).astype(x.dtype)]
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
        scales = ins[2] if len(ins) > 2 else None
        sizes = ins[3] if len(ins) > 3 else None
        return [_resize_nearest(x, scales, sizes, a)]
    raise NotImplementedError(f"onnx_numpy: op {op} is not implemented")


def run(model_path: str, feeds: dict) -> dict:
    """Evaluate the graph on NumPy arrays; returns {output name: array}."""
    model = onnx.load(model_path)
    env = {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}
    env[""] = None
    env.update(feeds)
    for node in model.graph.node:
        ins = [env[name] for name in node.input]
        outs = _run_node(node.op_type, ins, _attrs(node), len(node.output))
        for name, value in zip(node.output, outs):
            env[name] = np.asarray(value)
    return {o.name: env[o.name] for o in model.graph.output}
