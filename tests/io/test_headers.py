import pytest

from bpr.i18n import t
from bpr.io.headers import MATERIALS, MATTERS, STEPS, is_ignored, match_header, normalise_header
from bpr.io.template import MATERIAL_COLUMNS, MATTER_COLUMNS, STEP_COLUMNS
from bpr.model.timelimit import Unit


@pytest.mark.parametrize(("text", "field"), [
    ("承诺办结时限", "promised_limit"), ("承诺办理时限", "promised_limit"), ("承诺时限", "promised_limit"),
    ("承诺期限", "promised_limit"), ("到办事现场次数", "visits"), ("到现场次数", "visits"),
    ("到现场窗口次数", "visits"), ("办事者到办事地点最少次数", "visits"), ("事项名称", "name"),
    ("* 事项\n名称", "name"), ("实施 编码", "code"), ("网上办理深度", "online_depth"),
    ("是否支持物流快递", "mail"), ("办件类型(1即办件 2承诺件)", "handling_type"), ("申请材料", "materials"),
    ("办理流程", "steps"), ("实施主体", "department"), ("法定时限单位", "legal_limit_unit"),
])
def test_matter_synonyms(text, field):
    assert match_header(text, MATTERS).field == field


@pytest.mark.parametrize(("text", "unit"), [
    ("法定办结时限（工作日）", Unit.WORKING_DAY), ("法定办结时限(工作日)", Unit.WORKING_DAY),
    ("承诺时限（天）", Unit.NATURAL_DAY), ("法定期限【月】", Unit.MONTH), ("承诺办结时限/工作日", Unit.WORKING_DAY),
    ("法定办结时限", None),
])
def test_units_in_headers(text, unit):
    match = match_header(text, MATTERS)
    assert match.field in ("legal_limit", "promised_limit")
    assert match.unit == unit


def test_normalise_full_width_and_spaces():
    assert normalise_header("　法定办结时限 （ 工作日 ）") == ("法定办结时限", Unit.WORKING_DAY)


def test_same_words_differ_by_sheet_kind():
    assert match_header("事项名称", MATERIALS).field == "matter_name"
    assert match_header("办理部门", STEPS).field == "department"
    assert match_header("序号", STEPS).field == "order"
    assert match_header("序号", MATTERS) is None and is_ignored("序号")


def test_unknown_header():
    assert match_header("收费标准说明书", MATTERS) is None


@pytest.mark.parametrize(("columns", "kind", "prefix"), [
    (MATTER_COLUMNS, MATTERS, ""), (STEP_COLUMNS, STEPS, "step_"), (MATERIAL_COLUMNS, MATERIALS, "material_"),
])
def test_every_template_header_is_recognised(columns, kind, prefix):
    for key, *_ in columns:
        match = match_header(t(key), kind)
        assert match is not None, key
        expected = key.removeprefix(prefix) if key.startswith(prefix) else key
        if kind == MATTERS:
            expected = {"matter_name": "name", "matter_code": "code"}.get(key, key)
        assert match.field == expected, (key, match.field)


@pytest.mark.parametrize(("text", "field"), [
    ("支持快递", "mail"), ("可否邮寄", "mail"), ("支持物流快递送达", "mail"),
    ("办理结果名称", "result_name"), ("审批结果名称", "result_name"), ("结果证照名称", "result_name"),
    ("设定依据", "legal_basis"), ("法律依据", "legal_basis"), ("设立依据", "legal_basis"),
    ("实施依据", "legal_basis"), ("行政许可设定依据", "legal_basis"), ("* 设定依据（法律法规）", "legal_basis"),
])
def test_header_variants_by_core_and_suffix(text, field):
    """Variants no table lists: question words dropped (支持快递 ~ 是否支持物流快递), or the longest
    known name a header ends with (办理结果名称 is a 结果名称)."""
    assert match_header(text, MATTERS).field == field


@pytest.mark.parametrize("text", ["承诺办结时限说明", "结果样本", "收费依据", "是否收费及收费标准",
                                  "XX市政务服务事项实施清单（2024年版）", "是否支持网上预约"])
def test_near_misses_stay_unknown(text):
    assert match_header(text, MATTERS) is None
