"""Mechanisms found by measurement (issue 19, point 2): the generated logs of
tests/simulate/mechanism_logs.py each carry one known mechanism; discovery must find it (with its
evidence), the model must reproduce it, and nothing must fire on logs without it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.simulate.mechanism_logs import MECHANISMS, mechanism_log


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {m: mechanism_log(m, n=600, seed=1) for m in MECHANISMS}


def _gaps(frame: pd.DataFrame, activity: str) -> pd.Series:
    f = frame.assign(end=pd.to_datetime(frame["环节结束时间"]))
    prev = f.groupby("办件编号")["end"].shift(1)
    return ((f["end"] - prev).dt.total_seconds() / 3600)[f["环节名称"] == activity]


def test_generator_is_seeded_and_each_log_carries_its_mechanism(frames):
    assert mechanism_log("batched", n=50, seed=4).equals(mechanism_log("batched", n=50, seed=4))
    assert not mechanism_log("batched", n=50, seed=4).equals(mechanism_log("batched", n=50, seed=5))
    ends = {m: pd.to_datetime(f["环节结束时间"]) for m, f in frames.items()}
    decided = ends["batched"][frames["batched"]["环节名称"] == "决定"]
    assert (decided.dt.weekday == 3).all() and (decided.dt.hour >= 14).all()  # Thursday afternoons
    base = ends["none"][frames["none"]["环节名称"] == "决定"]
    assert (base.dt.weekday == 3).mean() < 0.3
    gaps = _gaps(frames["scheduled"], "公示")
    assert (gaps >= 360).all() and ((gaps - 360) < 72).mean() > 0.9  # 15 days, then the next opening (holidays: later)
    f = frames["branching"]
    by_channel = f.groupby("办件编号").agg(channel=("办理渠道", "first"), steps=("环节名称", set))
    web = by_channel["channel"] == "网上"
    assert by_channel[web]["steps"].map(lambda s: "网上预审" in s and "电子送达" in s).all()
    assert by_channel[~web]["steps"].map(lambda s: "现场核验" in s and "邮寄送达" in s).all()
    assert 0.6 < web.mean() < 0.8
    review = _gaps(frames["longtail"], "审查")
    assert np.percentile(review, 95) > 10 * np.median(review)
