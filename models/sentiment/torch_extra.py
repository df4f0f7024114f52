"""The optional ``torch`` extra (``pip install 'buzzwire[torch]'``): torch and transformers.

The default install runs the shipped e5 model in int8 on ONNX Runtime and the linear model on
scikit-learn/numpy, without them.  The float32 e5 model (``quantize="none"``), exporting an int8
file, training and Hugging Face models need them: ``require_torch`` imports both or raises
``TorchExtraMissing`` saying what needed them and how to install them.  This module imports
neither until asked.
"""

from __future__ import annotations

from types import ModuleType

__all__ = ["INSTALL_HINT", "TorchExtraMissing", "require_torch", "set_torch_threads"]

INSTALL_HINT = "pip install 'buzzwire[torch]'"


class TorchExtraMissing(ImportError):
    """torch or transformers is needed but not installed (or not importable)."""


def require_torch(purpose: str) -> ModuleType:
    """``torch``, after checking that torch and transformers import; ``purpose`` (e.g. "the
    float32 e5 model (quantize='none')") goes into the error message."""
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:
        raise TorchExtraMissing(
            f"{purpose} needs torch and transformers, which the default install leaves out: "
            f"{INSTALL_HINT} ({exc})"
        ) from exc
    return torch


def set_torch_threads(threads: int | None, purpose: str) -> None:
    """torch's intra-op threads for this process (None: leave torch's default)."""
    torch = require_torch(purpose)
    if threads is not None:
        torch.set_num_threads(threads)
