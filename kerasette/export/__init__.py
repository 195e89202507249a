"""Exporting models for inference outside kerasette (``Model.export``): ONNX."""
from .onnx import export_onnx

__all__ = ["export_onnx"]
