"""Indicators against figures worked out by hand on the six-matter catalogue of _catalogue_builders.

Conversion: 1 month = 22, 1 year = 250 working days, 1 natural day = 250/365 working days.

| matter | dept | legal        | promised     | 即办?        | visits | online         | depth | mobile | mail |
|--------|------|--------------|--------------|--------------|--------|----------------|-------|--------|------|
| M1     | 甲局 | 5 工作日 = 5  | 即办 = 0      | yes          | 0      | yes            | 4     | yes    | yes  |
| M2     | 甲局 | 3个月 = 66    | 20           | no           | 1      | yes            | 3     | no     | yes  |
| M3     | 乙局 | 1年 = 250     | 2个月 = 44    | no           | 2      | no             | -     | -      | no   |
| M4     | 乙局 | 无期限 (None) | 10           | no           | -      | yes (channels) | -     | yes    | -    |
| M5     | 乙局 | - (None)     | - (None)     | yes (即办件) | 0      | -              | -     | -      | -    |
| M6     | 丙局 | 30天=7500/365 | 15天=3750/365 | no          | 0 (whitelisted) | no    | 1     | no     | yes  |
"""

from __future__ import annotations

import pytest

from bpr.analyse.indicators import aggregate, compute_indicators, matter_frame
from bpr.model import Conversion
from tests.analyse._catalogue_builders import hand_catalogue

approx = pytest.approx


@pytest.fixture(scope="module")
def computed():
    return compute_indicators(hand_catalogue(), whitelist={"C6"})


def test_per_matter_working_days(computed):
    rows = {r.code: r for r in computed[0]}
    assert rows["C1"].legal_days == 5 and rows["C1"].promised_days == 0 and rows["C1"].immediate is True
    assert rows["C2"].legal_days == 66  # 3 months × 22
    assert rows["C3"].legal_days == 250 and rows["C3"].promised_days == 44  # 1 year; 2 months × 22
    assert rows["C4"].legal_days is None  # 无期限
    assert rows["C5"].legal_days is None and rows["C5"].immediate is True  # from 办件类型 即办件
    assert rows["C6"].legal_days == approx(30 * 250 / 365) and rows["C6"].whitelisted
    assert rows["C4"].online is True and rows["C4"].mobile is True  # from 办理形式 channels
    assert rows["C3"].steps is None  # no steps listed = unknown, not 0
    assert rows["C3"].compression_ratio == approx((250 - 44) / 250) and rows["C4"].compression_ratio is None


def test_catalogue_counts(computed):
    ind = computed[1]
    assert ind.matters == 6
    # steps: 2 + 3 + 1 + 4 = 10 over the 4 matters that list steps (M3, M5 list none)
    assert ind.steps_total == 10 and ind.steps_mean == approx(2.5)
    # materials: 2 + 3 + 4 + 1 = 10; exempt: M1 营业执照, M2 无犯罪证明 (告知承诺), M6 户口簿 = 3
    assert (ind.materials_total, ind.materials_submitted, ind.materials_exempt) == (10, 7, 3)
    assert ind.materials_commitment == 1
    assert ind.material_exempt_rate == approx(3 / 10)


def test_catalogue_rates(computed):
    ind = computed[1]
    # 即办: M1 (即办), M5 (即办件, no promised limit) of 6 known
    assert ind.immediate_matters == 2 and ind.immediate_rate == approx(2 / 6)
    # Σ法定 over known: 5 + 66 + 250 + 7500/365 = 321 + 20.5479… = 341.5479…
    assert ind.legal_days_sum == approx(321 + 7500 / 365, abs=1e-5)
    # Σ承诺 over known: 0 + 20 + 44 + 10 + 3750/365 = 74 + 10.2739… = 84.2739…
    assert ind.promised_days_sum == approx(74 + 3750 / 365, abs=1e-5)
    # compression over M1, M2, M3, M6 (both limits): legal 124665/365, promised 27110/365
    # ratio = (124665 − 27110) / 124665 = 97555 / 124665 = 0.78254…
    assert ind.compression_matters == 4
    assert ind.compression_legal_days == approx(124665 / 365, abs=1e-5)
    assert ind.compression_promised_days == approx(27110 / 365, abs=1e-5)
    assert ind.compression_ratio == approx(97555 / 124665)
    # visits known for 5 matters: 0 + 1 + 2 + 0 + 0 = 3 → 0.6
    assert ind.visits_total == 3 and ind.avg_visits == approx(0.6)
    # zero visits: M1, M5 among M1, M2, M3, M5 (M4 unknown, M6 whitelisted) → 2/4
    assert ind.zero_visit_matters == 2 and ind.zero_visit_whitelisted == 1 and ind.zero_visit_rate == approx(0.5)
    # full online: M1 of M1, M2, M3 (not online ⇒ not full), M6 → 1/4
    assert ind.full_online_rate == approx(1 / 4)
    # online: M1, M2, M4 of M1, M2, M3, M4, M6 → 3/5
    assert ind.online_rate == approx(3 / 5)
    # mobile: M1, M4 of M1, M2, M4, M6 → 2/4; mail: M1, M2, M6 of M1, M2, M3, M6 → 3/4
    assert ind.mobile_rate == approx(0.5) and ind.mail_rate == approx(0.75)


def test_missing_counts(computed):
    assert computed[1].missing == {"steps": 2, "materials": 2, "legal_limit": 2, "promised_limit": 1, "visits": 1,
                                   "online_depth": 2, "online": 1, "mobile": 2, "mail": 2}


def test_by_department(computed):
    by_dept = computed[2]
    assert sorted(by_dept) == ["丙局", "乙局", "甲局"]
    jia, yi, bing = by_dept["甲局"], by_dept["乙局"], by_dept["丙局"]
    # 甲局: legal 5 + 66 = 71, promised 0 + 20 = 20 → (71 − 20)/71
    assert jia.compression_ratio == approx(51 / 71) and jia.immediate_rate == approx(0.5)
    assert jia.avg_visits == approx(0.5) and jia.zero_visit_rate == approx(0.5)
    # 乙局: only M3 has both limits: (250 − 44)/250 = 0.824; 即办 M5 of 3; visits (2 + 0)/2
    assert yi.compression_ratio == approx(0.824) and yi.immediate_rate == approx(1 / 3)
    assert yi.avg_visits == approx(1.0) and yi.zero_visit_rate == approx(0.5)
    assert yi.legal_days_sum == approx(250) and yi.promised_days_sum == approx(54)  # 44 + 10 (M4)
    # 丙局: (7500 − 3750)/7500 = 0.5; its only matter is whitelisted → no zero-visit rate
    assert bing.compression_ratio == approx(0.5) and bing.zero_visit_rate is None
    assert sum(d.matters for d in by_dept.values()) == 6


def test_by_type(computed):
    by_type = computed[3]
    licence = by_type["行政许可"]  # M2, M3, M6
    # legal 66 + 250 + 7500/365, promised 20 + 44 + 3750/365
    legal, promised = 316 + 7500 / 365, 64 + 3750 / 365
    assert licence.matters == 3 and licence.compression_ratio == approx((legal - promised) / legal)
    assert by_type["公共服务"].compression_ratio is None  # M4 无期限, M5 unknown: nothing to compare


def test_without_whitelist_the_denominator_grows():
    _, frame = matter_frame(hand_catalogue())
    # M6 (0 visits) now counts: M1, M5, M6 of M1, M2, M3, M5, M6 → 3/5
    assert aggregate(frame).zero_visit_rate == approx(3 / 5)


def test_conversion_changes_months_and_years():
    _, frame = matter_frame(hand_catalogue(), conversion=Conversion(month=21.75, year=261))
    # legal: 5 + 3 × 21.75 + 261 + 7500/365
    assert aggregate(frame).legal_days_sum == approx(5 + 65.25 + 261 + 7500 / 365, abs=1e-5)


def test_empty_catalogue():
    _, frame = matter_frame([])
    ind = aggregate(frame)
    assert ind.matters == 0 and ind.immediate_rate is None and ind.compression_ratio is None


def test_tolerance_indicators_hand_computed():
    """容缺受理事项率 = matters with a 容缺后补 material / matters that list materials; 容缺材料数 counts them.

    Three matters list materials (A: 2 deferrable of 3; B: 1 of 2; C: none), D lists none:
    rate 2 / 3, materials 3; by department 甲 (A, C) 1 / 2 and 乙 (B, D) 1 / 1.
    """
    from bpr.analyse.indicators import compute_indicators
    from bpr.model import Catalogue, Material, Matter
    from bpr.model.material import Necessity

    deferrable = Necessity.DEFERRABLE
    cat = Catalogue([
        Matter("A", code="A", department="甲", materials=[Material("申请表"), Material("健康证明", necessity=deferrable),
                                                           Material("制度", necessity=deferrable)]),
        Matter("B", code="B", department="乙", materials=[Material("申请表"), Material("图纸", necessity=deferrable)]),
        Matter("C", code="C", department="甲", materials=[Material("申请表", necessity=Necessity.REQUIRED)]),
        Matter("D", code="D", department="乙"),
    ])
    rows, overall, by_department, _ = compute_indicators(cat)
    assert [r.materials_deferrable for r in rows] == [2, 1, 0, 0]
    assert overall.materials_deferrable == 3 and overall.tolerance_matters == 2
    assert overall.tolerance_rate == 2 / 3
    assert by_department["甲"].tolerance_rate == 1 / 2 and by_department["乙"].tolerance_rate == 1.0


def test_annual_cases_hand_computed():
    """Two matters over a 73-day log (5 × 73 = 365): A has 3 cases → 15 a year, B 1 → 5; events
    without a matter are left out."""
    import pandas as pd

    from bpr.analyse.volumes import annual_cases
    from bpr.model.eventlog import EventLog

    t0 = pd.Timestamp("2024-03-01 09:00", tz="Asia/Shanghai")
    day = pd.Timedelta(days=1)
    frame = pd.DataFrame({
        "case": ["1", "1", "2", "3", "4", "5"],
        "activity": ["受理", "办结", "受理", "受理", "受理", "受理"],
        "timestamp": [t0, t0 + 2 * day, t0 + 10 * day, t0 + 73 * day, t0 + 5 * day, t0 + 6 * day],
        "matter": ["A", "A", "A", "A", "B", None],
    })
    assert annual_cases(EventLog.from_frame(frame)) == {"A": 15.0, "B": 5.0}
    assert annual_cases(EventLog.from_frame(frame.drop(columns="matter"))) == {}
