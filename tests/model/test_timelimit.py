import pytest
from hypothesis import given
from hypothesis import strategies as st

from bpr.model import Conversion, TimeLimit, Unit


@pytest.mark.parametrize(
    ("raw", "value", "unit", "days"),
    [
        ("20个工作日", 20, Unit.WORKING_DAY, 20),
        ("20", 20, Unit.WORKING_DAY, 20),
        (20, 20, Unit.WORKING_DAY, 20),
        ("即办", 0, Unit.IMMEDIATE, 0),
        ("当场办结", 0, Unit.IMMEDIATE, 0),
        (0, 0, Unit.IMMEDIATE, 0),
        ("3个月", 3, Unit.MONTH, 66),  # 3 × 22
        ("1年", 1, Unit.YEAR, 250),
        ("二十个工作日", 20, Unit.WORKING_DAY, 20),
        ("十五个工作日内", 15, Unit.WORKING_DAY, 15),
        ("5个工作日（不含公示时间）", 5, Unit.WORKING_DAY, 5),
        ("36.5天", 36.5, Unit.NATURAL_DAY, 25),  # 36.5 × 250/365
        ("承诺即办", 0, Unit.IMMEDIATE, 0),
        ("即办件", 0, Unit.IMMEDIATE, 0),
        ("半个工作日", 0.5, Unit.WORKING_DAY, 0.5),
        ("半天", 0.5, Unit.NATURAL_DAY, 0.5 * 250 / 365),
        ("30分钟", 0.5, Unit.HOUR, 0.5 / 8),  # a window's 30 minutes: half an hour of an 8-hour day
        ("2小时", 2, Unit.HOUR, 0.25),
    ],
)
def test_parse_known(raw, value, unit, days):
    limit = TimeLimit.parse(raw)
    assert limit.value == value
    assert limit.unit is unit
    assert limit.to_working_days() == pytest.approx(days)


@pytest.mark.parametrize("raw", ["无", "无期限", "不限", "/"])
def test_unlimited_has_no_working_days(raw):
    limit = TimeLimit.parse(raw)
    assert limit.is_unlimited and limit.is_known
    assert limit.to_working_days() is None


@pytest.mark.parametrize("raw", ["尽快", "20个星期", "视情况而定", ""])
def test_unparseable_is_unknown_and_keeps_raw(raw):
    limit = TimeLimit.parse(raw)
    assert not limit.is_known
    assert limit.raw == raw
    assert limit.to_working_days() is None


def test_header_unit_applies_to_bare_numbers():
    assert TimeLimit.parse("30", default_unit=Unit.NATURAL_DAY).unit is Unit.NATURAL_DAY
    assert TimeLimit.parse("30个工作日", default_unit=Unit.NATURAL_DAY).unit is Unit.WORKING_DAY


def test_conversion_is_configurable():
    assert TimeLimit.parse("2个月").to_working_days(Conversion(month=21.75)) == pytest.approx(43.5)


@given(st.integers(min_value=1, max_value=999))
def test_working_day_text_round_trips(n):
    limit = TimeLimit.parse(f"{n}个工作日")
    assert limit == TimeLimit(f"{n}个工作日", float(n), Unit.WORKING_DAY)
    assert TimeLimit.parse(TimeLimit.working_days(n).raw).to_working_days() == n
