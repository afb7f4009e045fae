"""Tiny PyTorch modules the tests save and load. They live in an importable module (not a test file),
so a pickled module finds its class again, in this process, a child process or MLflow's loader."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

ROWS = np.random.default_rng(3).normal(size=(8, 4)).astype(np.float32)
"""Eight rows of four float32 features: what every model here scores."""


def regressor(seed: int = 0) -> nn.Sequential:
    """Four features in, three scores out; its 256 weights of the first layer make ONNX store them
    outside ``model.onnx`` (more than 1 KB)."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 3)).eval()


def predict(module: nn.Module, rows: np.ndarray = ROWS) -> np.ndarray:
    """What ``module`` itself returns for ``rows``: the reference every loaded copy must match."""
    with torch.no_grad():
        return module(torch.from_numpy(rows)).numpy()


class Scaled(nn.Module):
    """A linear layer whose output ``forward`` multiplies by ``scale``, an inference param."""

    def __init__(self) -> None:
        super().__init__()
        with torch.random.fork_rng():
            torch.manual_seed(1)
            self.linear = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
        return self.linear(x) * scale


class Blend(nn.Module):
    """Two inputs of one value per row, ``x`` and ``y``, blended with a learned weight."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.tensor(0.25))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.weight * x + (1 - self.weight) * y


class Pair(nn.Module):
    """Returns a tuple, which pyfunc (one output tensor) cannot score."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x, x * 2
