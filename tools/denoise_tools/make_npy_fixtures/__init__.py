"""Writes the .npy and PNG fixtures of packages/image's tests."""
