"""The PyTorch side of the bench's side-by-side (see README.md)."""
