import datetime as dt

import pytest

from bpr.io import cells
from bpr.io.cells import INVALID
from bpr.model import (
    Channel,
    HandlingType,
    MaterialForm,
    MaterialKind,
    Necessity,
    SourceChannel,
    TimeLimit,
    Unit,
)


@pytest.mark.parametrize(("value", "expected"), [
    ("是", True), ("否", False), ("√", True), ("×", False), ("支持", True), ("不支持", False), ("Y", True),
    ("n", False), (1, True), (0, False), ("是（需预约）", True), ("不涉及", False), ("有", True), ("无", False),
    ("也许", INVALID), (7, INVALID),
])
def test_bool(value, expected):
    assert cells.parse_bool(value) is expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Ⅳ级", 4), ("四级", 4), (4, 4), ("4", 4), ("全程网办（Ⅳ级）", 4), ("全程网办", 4), ("IV", 4), ("Ⅲ级", 3),
    ("三级（网上预审）", 3), ("二级", 2), ("Ⅰ级", 1), ("网上预约", 2), ("不可网办", 0), (7, INVALID), ("很深", INVALID),
])
def test_depth(value, expected):
    assert cells.parse_depth(value) == expected if expected is not INVALID else cells.parse_depth(value) is INVALID


@pytest.mark.parametrize(("value", "expected"), [
    ("0次", 0), ("1", 1), (1, 1), (2.0, 2), ("最多跑一次", 1), ("零跑动", 0), ("跑零次", 0), ("2次", 2),
    ("不超过2次", 2), ("一次", 1), ("若干", INVALID), (1.5, INVALID), (-1, INVALID),
])
def test_visits(value, expected):
    got = cells.parse_visits(value)
    assert got is INVALID if expected is INVALID else got == expected


@pytest.mark.parametrize(("value", "unit", "expected"), [
    ("20个工作日", Unit.WORKING_DAY, (20, Unit.WORKING_DAY)),
    ("20", Unit.WORKING_DAY, (20, Unit.WORKING_DAY)),
    ("20", Unit.NATURAL_DAY, (20, Unit.NATURAL_DAY)),  # unit from the header
    (20, Unit.WORKING_DAY, (20, Unit.WORKING_DAY)),
    ("即办", Unit.WORKING_DAY, (0, Unit.IMMEDIATE)),
    ("3个月", Unit.WORKING_DAY, (3, Unit.MONTH)),
    ("1年", Unit.WORKING_DAY, (1, Unit.YEAR)),
    ("无", Unit.WORKING_DAY, (None, Unit.UNLIMITED)),
    ("另行通知", Unit.WORKING_DAY, (None, None)),
])
def test_limit(value, unit, expected):
    limit = cells.parse_limit(value, unit)
    assert (limit.value, limit.unit) == expected


@pytest.mark.parametrize("limit", [
    TimeLimit.parse("20个工作日"), TimeLimit.parse("20", Unit.NATURAL_DAY), TimeLimit.parse("即办"),
    TimeLimit.parse("3个月"), TimeLimit.parse("无"), TimeLimit.parse(15), TimeLimit.parse("1.5小时"),
])
def test_limit_text_reads_back_to_same_value_and_unit(limit):
    back = cells.parse_limit(cells.limit_text(limit))
    assert (back.value, back.unit) == (limit.value, limit.unit)


@pytest.mark.parametrize(("value", "expected"), [
    ("10", SourceChannel.APPLICANT), (20, SourceChannel.GOVERNMENT), ("99", SourceChannel.OTHER),
    ("申请人自备", SourceChannel.APPLICANT), ("政府部门核发", SourceChannel.GOVERNMENT),
    ("20 政府部门核发", SourceChannel.GOVERNMENT), ("其他", SourceChannel.OTHER), ("天上掉下来", INVALID),
])
def test_source(value, expected):
    assert cells.parse_source(value) is expected


def test_form_kind_necessity_handling():
    assert cells.parse_form("纸质和电子") is MaterialForm.BOTH
    assert cells.parse_form("纸质、电子") is MaterialForm.BOTH
    assert cells.parse_form("电子版") is MaterialForm.ELECTRONIC
    assert cells.parse_form("纸质") is MaterialForm.PAPER
    assert cells.parse_form("光盘") is INVALID
    assert cells.parse_kind("原件及复印件") is MaterialKind.BOTH
    assert cells.parse_kind("复印件（加盖公章）") is MaterialKind.COPY
    assert cells.parse_kind("原件") is MaterialKind.ORIGINAL
    assert cells.parse_necessity("非必要") is Necessity.OPTIONAL
    assert cells.parse_necessity("必要") is Necessity.REQUIRED
    assert cells.parse_necessity("容缺后补") is Necessity.DEFERRABLE
    assert cells.parse_necessity("是") is Necessity.REQUIRED
    assert cells.parse_handling("即办件") is HandlingType.IMMEDIATE
    assert cells.parse_handling(2) is HandlingType.PROMISED
    assert cells.parse_handling("特别件") is INVALID
    assert cells.parse_handling("上报件") is cells.parse_handling("联办件") is HandlingType.PROMISED


@pytest.mark.parametrize(("value", "expected"), [
    ("窗口办理、网上办理", {Channel.WINDOW, Channel.ONLINE}),
    ("1,2,4", {Channel.WINDOW, Channel.ONLINE, Channel.MAIL}),
    ("窗口办理；移动端办理；快递申请", {Channel.WINDOW, Channel.MOBILE, Channel.MAIL}),
    (2, {Channel.ONLINE}),
])
def test_channels(value, expected):
    assert cells.parse_channels(value) == expected
    assert cells.parse_channels(cells.channels_text(expected)) == expected


def test_channels_unknown_word():
    assert cells.parse_channels("窗口办理、飞鸽传书") is INVALID


def test_text():
    assert cells.text(20.0) == "20"
    assert cells.text(" 营业执照 ") == "营业执照"
    assert cells.text(dt.datetime(2021, 3, 5)) == "2021-03-05"
    assert cells.text("'=1+1") == "=1+1"


def test_numbered_material_cell():
    items = cells.parse_material_list(
        "1、营业执照复印件1份；2、法定代表人身份证原件及复印件各1份（纸质）；3、食品安全管理制度（电子）；"
        "4、经营场所平面图2份")
    assert [m.name for m in items] == ["营业执照", "法定代表人身份证", "食品安全管理制度", "经营场所平面图"]
    assert [m.kind for m in items] == [MaterialKind.COPY, MaterialKind.BOTH, None, None]
    assert [m.copies for m in items] == [1, 1, None, 2]
    assert [m.form for m in items] == [None, MaterialForm.PAPER, MaterialForm.ELECTRONIC, None]


def test_material_names_keep_their_notes_but_not_the_kind_or_title_marks():
    """A kind word before a note goes (the note stays: it can tell two materials apart), a note
    that only repeats the kind goes, and 《》 around a whole name go."""
    items = cells.parse_material_list("1.营业执照副本复印件1份（加盖公章）；2.申请表（原件1份）；3.《食品经营许可申请书》；"
                                      "4.身份证明（法定代表人）原件；5.身份证明（委托代理人）复印件")
    assert [m.name for m in items] == ["营业执照副本（加盖公章）", "申请表", "食品经营许可申请书",
                                       "身份证明（法定代表人）", "身份证明（委托代理人）"]
    assert [m.kind for m in items] == [MaterialKind.COPY, MaterialKind.ORIGINAL, None, MaterialKind.ORIGINAL,
                                       MaterialKind.COPY]
    assert [m.copies for m in items] == [1, 1, None, None, None]


@pytest.mark.parametrize("cell", [
    "1.申请书\n2.营业执照复印件", "（1）申请书（2）营业执照复印件", "①申请书②营业执照复印件", "申请书；营业执照复印件",
    "1、申请书 2、营业执照复印件",
])
def test_material_cell_layouts(cell):
    assert [m.name for m in cells.parse_material_list(cell)] == ["申请书", "营业执照"]


@pytest.mark.parametrize("cell", [
    "受理→审查→决定", "受理-审查-决定", "1.受理 2.审查 3.决定", "受理\n审查\n决定", "受理->审查->决定",
    "受理—审查—决定", "1、受理；2、审查；3、决定", "第一步：受理；第二步：审查；第三步：决定",
    "第1步 受理→第2步 审查→第3步 决定", "步骤一、受理\n步骤二、审查\n步骤三、决定",
])
def test_step_cell_layouts(cell):
    steps = cells.parse_step_list(cell)
    assert [(s.name, s.order) for s in steps] == [("受理", 1), ("审查", 2), ("决定", 3)]


def test_step_cell_with_limits():
    steps = cells.parse_step_list("受理（即办）→审查（5个工作日）→决定（窗口负责人，3个工作日）→送达")
    assert [s.name for s in steps] == ["受理", "审查", "决定", "送达"]
    assert [s.limit.to_working_days() for s in steps] == [0, 5, 3, None]
