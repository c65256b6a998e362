"""A PyTorch UNet2DModel read from a diffusers folder: parity checks, exports, timings (see README.md)."""
