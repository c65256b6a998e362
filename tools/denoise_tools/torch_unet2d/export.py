#!/usr/bin/env python3
"""torch.onnx.export of a diffusers UNet2DModel folder (config.json + diffusion_pytorch_model.safetensors).

  PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_unet2d.export MODEL_DIR OUT.onnx [--opset 17] [--variant fp16]

The baseline our TypeScript graph builder is compared with: float32, inputs `sample` [batch, C, H, W]
(batch dynamic, C/H/W fixed from in_channels and sample_size), `timestep` [batch] int64 (float32 noise
levels for time_embedding_type "fourier"), plus `class_labels` [batch] int64 ([batch, time_embed_dim]
float32 for class_embed_type "identity") when the config has a class embedding; output `out_sample`.
Constant folding on. Prints a JSON summary.
"""
import argparse
import json
import os

import onnx
import torch

from denoise_tools.torch_unet2d.model_inputs import example_inputs, input_names
from denoise_tools.torch_unet2d.unet2d import load_unet2d


def export(model_dir: str, out_path: str, opset: int, variant: str | None) -> dict:
    model = load_unet2d(model_dir, variant=variant)
    names = input_names(model.config)
    # Batch 2 so that nothing specialises on a batch of 1.
    inputs = example_inputs(model.config, batch=2)
    dynamic_axes = {name: {0: "batch"} for name in names + ["out_sample"]}
    with torch.no_grad():
        torch.onnx.export(model, inputs, out_path, input_names=names, output_names=["out_sample"],
                          dynamic_axes=dynamic_axes, opset_version=opset, do_constant_folding=True)
    graph = onnx.load(out_path)
    onnx.checker.check_model(graph)
    ops: dict[str, int] = {}
    for node in graph.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return {
        "model_dir": model_dir,
        "out": out_path,
        "opset": opset,
        "torch": torch.__version__,
        "inputs": {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in graph.graph.input},
        "nodes": len(graph.graph.node),
        "ops": dict(sorted(ops.items())),
        "parameters": sum(p.numel() for p in model.parameters()),
        "bytes": os.path.getsize(out_path),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("out")
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--variant", default=None, help="weights variant, e.g. fp16 (widened to float32)")
    args = parser.parse_args()
    print(json.dumps(export(args.model_dir, args.out, args.opset, args.variant), indent=1))


if __name__ == "__main__":
    main()
