"""denoise's Python tools: the fixture makers, the model training and export, and the PyTorch baselines.

One package, run as modules from the repository root with tools/ on the path, e.g.

    PYTHONPATH=tools /usr/bin/python3 -m denoise_tools.torch_baseline.baseline --help

Shared code is imported by its package path (denoise_tools.onnx_numpy, denoise_tools.train_fixture.unet,
denoise_tools.torch_baseline.loops); no module edits sys.path. See tools/README.md.
"""
