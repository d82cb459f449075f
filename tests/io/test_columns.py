"""Automatic role mapping from headers, and --map overrides."""

from __future__ import annotations

import pytest

from bpr.errors import InputError
from bpr.io.columns import map_columns, normalise_header


def test_gbt39046_names() -> None:
    cols = ["办件编号", "实施编码", "环节名称", "环节处理人", "环节开始时间", "环节结束时间", "业务动作", "办理部门",
            "办理渠道", "满意度"]
    assert map_columns(cols) == {"case": "办件编号", "activity": "环节名称", "timestamp": "环节结束时间",
                                 "start": "环节开始时间", "resource": "环节处理人", "department": "办理部门",
                                 "channel": "办理渠道", "action": "业务动作", "matter": "实施编码",
                                 "rating": "满意度"}  # issue 14: 好差评


@pytest.mark.parametrize(("header", "role"), [("评价等级", "rating"), ("好差评", "rating"), ("满意度", "rating"),
                                              ("申报方式", "channel"), ("申报来源", "channel"), ("办理渠道", "channel")])
def test_rating_and_channel_headers(header: str, role: str) -> None:
    got = map_columns(["办件编号", "环节名称", "环节结束时间", header])
    assert got[role] == header


def test_xes_keys() -> None:
    cols = ["case:concept:name", "concept:name", "time:timestamp", "start_timestamp", "org:resource",
            "org:group", "lifecycle:transition", "Activity"]
    got = map_columns(cols)
    assert got["case"] == "case:concept:name" and got["activity"] == "concept:name"
    assert got["start"] == "start_timestamp" and got["department"] == "org:group"


@pytest.mark.parametrize("cols,expected", [
    (["业务流水号", "节点名称", "操作时间", "经办人", "处室", "申报来源", "处理结果"],
     {"case": "业务流水号", "activity": "节点名称", "timestamp": "操作时间", "resource": "经办人",
      "department": "处室", "channel": "申报来源", "action": "处理结果"}),
    (["受理编号", "环节", "完成时间", "承办人", "科室"],
     {"case": "受理编号", "activity": "环节", "timestamp": "完成时间", "resource": "承办人", "department": "科室"}),
    (["Case ID", "Activity", "Timestamp", "Resource"],
     {"case": "Case ID", "activity": "Activity", "timestamp": "Timestamp", "resource": "Resource"}),
    ([" 办件编号 ", "环节名称（步骤）", "环节结束时间(yyyy-mm-dd hh:mm)"],
     {"case": " 办件编号 ", "activity": "环节名称（步骤）", "timestamp": "环节结束时间(yyyy-mm-dd hh:mm)"}),
])
def test_synonyms_after_normalising(cols: list[str], expected: dict) -> None:
    assert map_columns(cols) == expected


def test_normalise_header() -> None:
    assert normalise_header("环节开始时间（yyyy-mm-dd）") == "环节开始时间"
    assert normalise_header("Case_ID") == normalise_header("case id") == "caseid"
    assert normalise_header("ＡＢＣ") == "abc"  # full-width letters


def test_map_overrides_and_frees_the_column() -> None:
    cols = ["办件编号", "环节名称", "申请时间", "办结时间"]
    got = map_columns(cols, {"timestamp": "申请时间"})
    assert got["timestamp"] == "申请时间"
    assert map_columns(cols)["timestamp"] == "办结时间"


def test_map_to_unknown_column_lists_columns() -> None:
    with pytest.raises(InputError, match="columns found: a, b"):
        map_columns(["a", "b"], {"case": "c"})


def test_missing_required_role_shows_map_hint() -> None:
    with pytest.raises(InputError) as err:
        map_columns(["编号", "名称", "日期"], file="x.csv")
    text = str(err.value)
    assert text.startswith("x.csv: ") and "编号, 名称, 日期" in text
    assert "--map case=办件编号,activity=环节名称,timestamp=环节结束时间" in text
