"""The Fashion-MNIST feature classifier for FID/KID and its reference vectors (see README.md)."""
