"""The embedded Fashion-MNIST UNet: training, export and reference samples (see README.md)."""
