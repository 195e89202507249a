"""What ``model.export(format="onnx")`` asks of PyTorch: trace a kerasette model built on
the torch engine and write it as ONNX (``torch.onnx.export``)."""
from __future__ import annotations

import warnings

import torch


class _Traced(torch.nn.Module):
    """``forward(*inputs)`` = the model's inference call; the weights enter the trace as
    constants (ONNX initializers)."""

    def __init__(self, call):
        super().__init__()
        self._call = call

    def forward(self, *inputs):
        return self._call(*inputs)


def export(call, examples, filepath, input_names, output_names, opset_version, free_axes):
    """Trace ``call(*examples)`` (engine tensors in, a flat list of tensors out) and write
    ONNX to ``filepath``; ``free_axes[i]`` lists the free axes of input ``i`` (the batch
    axis of every output is free)."""
    dynamic = {name: {a: f"{name}_{a}" if a else "batch" for a in axes}
               for name, axes in zip(input_names, free_axes)}
    dynamic.update({name: {0: "batch"} for name in output_names})
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tracer's notes on Python values it bakes in
        torch.onnx.export(_Traced(call), tuple(examples), filepath, input_names=list(input_names),
                          output_names=list(output_names), dynamic_axes=dynamic,
                          opset_version=opset_version, dynamo=False)
