"""Writes the closed-form ONNX test models of fixtures/models/test."""
