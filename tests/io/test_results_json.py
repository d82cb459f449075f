"""result.json is standard JSON: a figure of no case (NaN, infinity) is written as null."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpr.io.results import write_json


def _strict(text: str) -> object:
    def refuse(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_nan_and_infinity_are_written_as_null(tmp_path):
    """A rolling-origin split whose replications simulated no case in the test window (BPI
    Challenge 2013 incidents) has NaN medians; they were written as the bare token NaN."""
    data = {"splits": [{"sim_median_h": float("nan"), "emd_hours": np.float64("nan"), "real_median_h": 106.6},
                       {"ratio": float("inf"), "pair": (1.5, float("-inf"))}], "cases": 3}
    path = write_json(tmp_path / "result.json", data)
    got = _strict(path.read_text(encoding="utf-8"))
    assert got == {"splits": [{"sim_median_h": None, "emd_hours": None, "real_median_h": 106.6},
                              {"ratio": None, "pair": [1.5, None]}], "cases": 3}


@pytest.mark.parametrize("value", [0.0, -2.5, 1e300])
def test_finite_figures_are_unchanged(tmp_path, value):
    path = write_json(tmp_path / "r.json", {"v": value, "nested": [[value]]})
    assert _strict(path.read_text(encoding="utf-8")) == {"v": value, "nested": [[value]]}
