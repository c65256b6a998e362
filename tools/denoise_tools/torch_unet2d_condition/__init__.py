"""A PyTorch UNet2DConditionModel (Stable Diffusion 1.x/2.x, LCM) read from a diffusers folder: parity checks, exports, timings (see README.md)."""
