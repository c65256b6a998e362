#!/usr/bin/env python3
"""torch.onnx.export of a diffusers UNet2DConditionModel folder (config.json + diffusion_pytorch_model.safetensors).

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_unet2d_condition.export MODEL_DIR OUT.onnx \
      [--opset 17] [--batch 2] [--height 64 --width 64] [--variant fp16]

The baseline our TypeScript graph builder is compared with: float32, constant folding on, inputs `sample`
[batch, in_channels, H, W], `timestep` [batch] float32, `encoder_hidden_states` [batch, 77, cross_attention_dim]
and, for LCM configs (time_cond_proj_dim), `timestep_cond` [batch, time_cond_proj_dim]; output `out_sample`.
Batch is dynamic (traced at --batch), H and W are fixed.

Weights always go to one external-data file beside the graph, OUT.onnx.data (ONNX's external data, `location`
"OUT.onnx.data" relative to the graph's folder): a protobuf cannot exceed 2 GB, and SD 1.5's UNet is 3.4 GB.
torch 1.13 switches to external data by itself above 2 GB, but writes one file per initializer (hundreds,
named after the tensors) next to the graph; this script exports into a temporary folder and rewrites that as the
OUT.onnx + OUT.onnx.data pair. Keep the two files together: onnxruntime (onnxruntime-node included) resolves
the data file relative to the graph's folder when the model is opened by path. The result is checked with the
path-based onnx.checker (the in-memory one refuses > 2 GB). Prints a JSON summary.
"""
import argparse
import json
import os
import tempfile
import time

import onnx
import torch

from denoise_tools.torch_unet2d_condition.model_inputs import example_inputs, input_names
from denoise_tools.torch_unet2d_condition.unet2d_condition import load_unet2d_condition


def export(model_dir: str, out_path: str, opset: int, batch: int, height: int, width: int,
           variant: str | None) -> dict:
    start = time.perf_counter()
    model = load_unet2d_condition(model_dir, variant=variant)
    load_s = time.perf_counter() - start
    names = input_names(model.config)
    inputs = example_inputs(model.config, batch, height, width)
    dynamic_axes = {name: {0: "batch"} for name in names + ["out_sample"]}
    out_path = os.path.abspath(out_path)
    out_dir = os.path.dirname(out_path)
    data_name = os.path.basename(out_path) + ".data"

    with tempfile.TemporaryDirectory(prefix=".torch-export-", dir=out_dir) as tmp:
        tmp_path = os.path.join(tmp, "model.onnx")
        start = time.perf_counter()
        with torch.no_grad():
            torch.onnx.export(model, inputs, tmp_path, input_names=names, output_names=["out_sample"],
                              dynamic_axes=dynamic_axes, opset_version=opset, do_constant_folding=True)
        export_s = time.perf_counter() - start
        torch_files = len(os.listdir(tmp))
        del model

        start = time.perf_counter()
        graph = onnx.load(tmp_path)  # reads the per-tensor files torch wrote (if any) beside it
        if os.path.exists(os.path.join(out_dir, data_name)):
            os.remove(os.path.join(out_dir, data_name))  # save_model appends to an existing data file
        onnx.save_model(graph, out_path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=data_name, size_threshold=1024)
        rewrite_s = time.perf_counter() - start
        del graph

    start = time.perf_counter()
    onnx.checker.check_model(out_path)  # by path: the checker then reads > 2 GB models
    check_s = time.perf_counter() - start

    graph = onnx.load(out_path, load_external_data=False)
    ops: dict[str, int] = {}
    for node in graph.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    external = sum(
        1 for t in graph.graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL
    )

    def dims(value: onnx.ValueInfoProto) -> list:
        return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]

    data_path = os.path.join(out_dir, data_name)
    return {
        "model_dir": model_dir,
        "out": out_path,
        "external_data": data_path,
        "opset": opset,
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "traced_batch": batch,
        "inputs": {i.name: dims(i) for i in graph.graph.input},
        "outputs": {o.name: dims(o) for o in graph.graph.output},
        "nodes": len(graph.graph.node),
        "ops": dict(sorted(ops.items())),
        "initializers": len(graph.graph.initializer),
        "external_initializers": external,
        "files_written_by_torch": torch_files,
        "graph_bytes": os.path.getsize(out_path),
        "data_bytes": os.path.getsize(data_path) if os.path.exists(data_path) else 0,
        "seconds": {"load": round(load_s, 1), "torch_onnx_export": round(export_s, 1),
                    "rewrite_external_data": round(rewrite_s, 1), "checker": round(check_s, 1)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("out")
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--batch", type=int, default=2, help="the batch traced with (the axis stays dynamic)")
    parser.add_argument("--height", type=int, default=64, help="latent height (fixed in the graph)")
    parser.add_argument("--width", type=int, default=64, help="latent width (fixed in the graph)")
    parser.add_argument("--variant", default=None, help="weights variant, e.g. fp16 (widened to float32)")
    args = parser.parse_args()
    for name in ("batch", "height", "width"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1, got {getattr(args, name)}")
    if not args.out.endswith(".onnx"):
        parser.error(f"OUT must end in .onnx (its weights go to OUT.data beside it), got {args.out!r}")
    summary = export(args.model_dir, args.out, args.opset, args.batch, args.height, args.width, args.variant)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
