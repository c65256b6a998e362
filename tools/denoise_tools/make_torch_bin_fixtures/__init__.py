"""Writes the legacy PyTorch .bin checkpoints of fixtures/torch-bin (see README.md)."""
