#!/usr/bin/env python3
"""Writes the small closed-form ONNX denoisers that the runtime, sampler and CLI tests run.

Every model computes the same documented formula, so a test can compute the expected output in TypeScript:

    eps(x, t) = 0.5 * x + 0.001 * t          (t cast to float32, broadcast over C, H, W)

The variants differ only in their signature (dtypes, timestep rank, output name, channel count, file layout),
which is what the runtime must adapt to. The "bad" models exist to be rejected with a clear error.

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.make_test_models.make        # writes fixtures/models/test/
"""
import json
import os
import shutil

import onnx
from onnx import TensorProto, helper

from denoise_tools.repo import REPO_ROOT

ROOT = str(REPO_ROOT / "fixtures" / "models" / "test")
OPSET = 17
SCALE_X = 0.5
SCALE_T = 0.001

SCHEDULER_CONFIG = {
    "_class_name": "DDPMScheduler",
    "_diffusers_version": "0.30.0",
    "num_train_timesteps": 1000,
    "beta_start": 0.0001,
    "beta_end": 0.02,
    "beta_schedule": "linear",
    "prediction_type": "epsilon",
    "variance_type": "fixed_small",
    "clip_sample": True,
    "clip_sample_range": 1.0,
    "timestep_spacing": "leading",
    "steps_offset": 0,
}


def const(name, value, dtype=TensorProto.FLOAT):
    return helper.make_node("Constant", [], [name], value=helper.make_tensor(name + "_v", dtype, [len(value)] if isinstance(value, list) else [], value if isinstance(value, list) else [value]))


def denoiser(sample_type=TensorProto.FLOAT, sample_shape=("batch", 1, 8, 8), t_type=TensorProto.INT64,
             t_shape=("batch",), out_name="out_sample", learned=False, extra_output=None, strict=True):
    """Builds eps = 0.5 x + 0.001 t; with learned=True the output has 2C channels: [eps, zeros]."""
    nodes = []
    x = "sample"
    if sample_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", ["sample"], ["x32"], to=TensorProto.FLOAT))
        x = "x32"
    nodes += [
        const("scale_x", SCALE_X), const("scale_t", SCALE_T),
        const("t_shape", [-1, 1, 1, 1], TensorProto.INT64),
        helper.make_node("Cast", ["timestep"], ["t32"], to=TensorProto.FLOAT),
        helper.make_node("Reshape", ["t32", "t_shape"], ["t4"]),
        helper.make_node("Mul", [x, "scale_x"], ["ax"]),
        helper.make_node("Mul", ["t4", "scale_t"], ["bt"]),
        helper.make_node("Add", ["ax", "bt"], ["eps"]),
    ]
    y = "eps"
    out_shape = list(sample_shape)
    if learned:
        nodes += [helper.make_node("Mul", [x, "zero"], ["var"]), helper.make_node("Concat", ["eps", "var"], ["eps_var"], axis=1)]
        nodes.insert(0, const("zero", 0.0))
        y = "eps_var"
        out_shape[1] = sample_shape[1] * 2
    if sample_type != TensorProto.FLOAT:
        nodes.append(helper.make_node("Cast", [y], [out_name], to=sample_type))
    else:
        nodes.append(helper.make_node("Identity", [y], [out_name]))
    outputs = [helper.make_tensor_value_info(out_name, sample_type, out_shape)]
    if extra_output:
        nodes.append(helper.make_node("Identity", ["ax"], [extra_output]))
        outputs.append(helper.make_tensor_value_info(extra_output, TensorProto.FLOAT, list(sample_shape)))
    graph = helper.make_graph(
        nodes, "closed_form_denoiser",
        [helper.make_tensor_value_info("sample", sample_type, list(sample_shape)),
         helper.make_tensor_value_info("timestep", t_type, list(t_shape))],
        outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="denoise/make-test-models")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=strict)  # strict=False: a deliberately inconsistent model
    return model


def save(model, *parts):
    path = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.save(model, path)
    return path


def save_config(*parts, overrides=None):
    path = os.path.join(ROOT, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({**SCHEDULER_CONFIG, **(overrides or {})}, f, indent=2)
        f.write("\n")


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    # Folder layout: model.onnx + scheduler_config.json.
    save(denoiser(), "closed-form", "model.onnx")
    save_config("closed-form", "scheduler_config.json")
    # diffusers layout: unet/model.onnx + scheduler/scheduler_config.json.
    save(denoiser(), "diffusers-layout", "unet", "model.onnx")
    save_config("diffusers-layout", "scheduler", "scheduler_config.json")
    # Signature variants, as single files.
    save(denoiser(sample_type=TensorProto.FLOAT16, t_type=TensorProto.INT64), "fp16io.onnx")
    save(denoiser(t_type=TensorProto.INT32, t_shape=(), out_name="sample_out"), "int32-scalar-timestep.onnx")
    save(denoiser(t_type=TensorProto.FLOAT, t_shape=(1,), out_name="sample_pred"), "float-timestep-1.onnx")
    save(denoiser(t_type=TensorProto.FLOAT16, t_shape=("batch",)), "float16-timestep.onnx")
    save(denoiser(sample_shape=("batch", 3, 16, 16)), "rgb", "model.onnx")
    save_config("rgb", "scheduler_config.json")
    save(denoiser(learned=True), "learned-variance", "model.onnx")
    save_config("learned-variance", "scheduler_config.json", overrides={"variance_type": "learned_range"})
    save(denoiser(sample_shape=(2, 1, 8, 8), t_shape=(2,)), "static-batch-2.onnx")
    save(denoiser(extra_output="aux"), "two-outputs.onnx")  # out_sample is picked by name
    # Models the runtime must reject, each with a clear error.
    save(denoiser(sample_shape=("batch", 8, 8), strict=False), "bad", "rank3-sample.onnx")
    save(denoiser(t_type=TensorProto.BOOL), "bad", "bool-timestep.onnx")
    save(denoiser(out_name="aux0", extra_output="aux1"), "bad", "ambiguous-outputs.onnx")
    with open(os.path.join(ROOT, "bad", "not-onnx.onnx"), "w") as f:
        f.write("this is a text file, not an ONNX model\n")
    good = open(os.path.join(ROOT, "closed-form", "model.onnx"), "rb").read()
    with open(os.path.join(ROOT, "bad", "truncated.onnx"), "wb") as f:
        f.write(good[: len(good) // 2])
    with open(os.path.join(ROOT, "README.md"), "w") as f:
        f.write(README)
    print("wrote", ROOT)


README = """# Closed-form test denoisers

Made by `PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.make_test_models.make` (Debian python3-onnx). Do not edit by hand.
Every model computes `eps(x, t) = 0.5 * x + 0.001 * t`, so tests know the exact answer.

| file | signature |
| --- | --- |
| closed-form/ | sample f32 [B,1,8,8], timestep i64 [B] → out_sample; with scheduler_config.json |
| diffusers-layout/ | the same, as unet/model.onnx + scheduler/scheduler_config.json |
| fp16io.onnx | sample f16, output f16 |
| int32-scalar-timestep.onnx | timestep i32 scalar, output `sample_out` (the single output) |
| float-timestep-1.onnx | timestep f32 [1], output `sample_pred` |
| float16-timestep.onnx | timestep f16 [B] |
| rgb/ | sample f32 [B,3,16,16] |
| learned-variance/ | output [B,2,8,8] = [eps, 0] (learned_range config) |
| static-batch-2.onnx | batch fixed at 2 |
| two-outputs.onnx | outputs out_sample and aux: out_sample is chosen by name |
| bad/ | rank-3 sample, bool timestep, two outputs with no known name, a text file, a truncated file |
"""

if __name__ == "__main__":
    main()
