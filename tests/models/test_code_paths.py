"""Code saved with a model (``code_paths``) runs when the model loads: keel warns, and keeps it inside
the model directory — whatever format the model itself is in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import keel.pyfunc
import keel.xgboost
from keel.errors import InvalidParameter


@pytest.fixture
def model_with_code(tmp_path: Path) -> Path:
    import xgboost as xgb

    helper = tmp_path / "helpers.py"
    helper.write_text("MARK = 'loaded'\n")
    features = np.arange(20, dtype=float).reshape(10, 2)
    booster = xgb.train({"objective": "reg:squarederror"}, xgb.DMatrix(features, label=features[:, 0]), 2)
    directory = tmp_path / "model"
    keel.xgboost.save_model(booster, directory, code_paths=[helper])
    return directory


def test_loading_a_model_with_code_warns_even_when_its_format_is_safe(model_with_code: Path) -> None:
    script = (
        "import warnings, keel.pyfunc\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        f"    keel.pyfunc.load_model({str(model_with_code)!r})\n"
        "print([type(w.message).__name__ for w in caught])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert "UntrustedModelWarning" in out.stdout


def test_code_outside_the_model_directory_is_refused(model_with_code: Path, tmp_path: Path) -> None:
    mlmodel = model_with_code / "MLmodel"
    conf = yaml.safe_load(mlmodel.read_text())
    conf["flavors"]["python_function"]["code"] = "../.."
    mlmodel.write_text(yaml.safe_dump(conf))
    with pytest.raises(InvalidParameter, match="outside the model directory"):
        keel.pyfunc.load_model(model_with_code)
