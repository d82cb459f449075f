"""Performance analyses: hand-computed tiny logs (National Day 2024 with its make-up working days),
the SQL working-time arithmetic against WorkCalendar, and pm4py on the real logs."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pm4py
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpr.analyse import performance_queries as PQ
from bpr.analyse.analyses import write_tables
from bpr.analyse.discover import discover
from bpr.analyse.engine import DuckDBEngine
from bpr.analyse.performance import (
    PerformanceOptions,
    analyse_performance,
    limit_days,
    performance_analyses,
    prepare,
)
from bpr.model import EventLog, Step, TimeLimit, WorkCalendar
from tests.analyse._discover_helpers import pm4py_frame

TZ = "Asia/Shanghai"


def T(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ)


COLUMNS = ["case", "activity", "timestamp", "start", "resource", "department", "channel", "action", "matter"]
# 2024 National Day: holidays 1-7 October; Sunday 29 September and Saturday 12 October are working days.
ROWS = [
    ("c1", "窗口受理", T("2024-09-27 10:00"), T("2024-09-27 09:30"), "张三", "政务服务中心", "窗口", "通过", "M1"),
    ("c1", "审查", T("2024-09-29 11:00"), T("2024-09-29 10:00"), "李四", "市场监管局", None, "退回", "M1"),
    ("c1", "补正材料", T("2024-10-08 10:00"), None, None, "政务服务中心", "网上", None, "M1"),
    ("c1", "审查", T("2024-10-08 15:00"), T("2024-10-08 14:00"), "李四", "市场监管局", None, "通过", "M1"),
    ("c1", "领证", T("2024-10-09 10:00"), T("2024-10-09 09:50"), "张三", "政务服务中心", "窗口", "通过", "M1"),
    ("c2", "窗口受理", T("2024-09-30 09:00"), T("2024-09-30 09:00"), "张三", "政务服务中心", "窗口", "通过", "M1"),
    ("c2", "审查", T("2024-09-30 16:00"), T("2024-09-30 15:00"), "王五", "市场监管局", None, "通过", "M1"),
    ("c3", "网上申请", T("2024-10-11 15:00"), T("2024-10-11 14:00"), None, None, "网上", None, "M2"),
    ("c3", "受理", T("2024-10-11 16:00"), T("2024-10-11 15:30"), "赵六", "政务服务中心", "网上", "通过", "M2"),
    ("c3", "现场核查", T("2024-10-12 11:00"), T("2024-10-12 09:00"), "钱七", "市场监管局", None, "通过", "M2"),
    ("c3", "决定", T("2024-10-14 10:00"), T("2024-10-14 09:30"), "钱七", "市场监管局", None, "通过", "M2"),
]


@pytest.fixture(scope="module")
def report():
    log = EventLog.from_frame(pd.DataFrame(ROWS, columns=COLUMNS))
    options = PerformanceOptions(limits={"M1": TimeLimit.parse("3个工作日"), "M2": TimeLimit.parse("1个工作日")},
                                 stated_visits={"M1": 1, "M2": 0})
    with DuckDBEngine() as engine:
        engine.register(log)
        return analyse_performance(engine, options=options)


def test_durations_in_working_days_across_national_day(report):
    # c1: Fri 27 Sep 09:30 -> Wed 9 Oct 10:00: 6.5 h (27th) + 7 (Sun 29th, make-up) + 7 (30th)
    #     + 7 (8 Oct) + 1 (9 Oct) = 28.5 office hours = 4.0714 days; working days after the 27th: 29, 30, 8, 9 = 4
    # c2: Mon 30 Sep 09:00 -> 16:00: 3 + 2.5 = 5.5 h; 0 elapsed working days
    # c3: Fri 11 Oct 14:00 -> Mon 14 Oct 10:00: 3.5 h (11th) + 7 (Sat 12th, make-up) + 1 (14th) = 11.5 h;
    #     working days after the 11th: 12th, 14th = 2
    hours = {"c1": 28.5, "c2": 5.5, "c3": 11.5}
    d = report.performance.durations
    assert d.cases == 3
    assert d.working_days.mean == pytest.approx(np.mean(list(hours.values())) / 7)
    assert d.working_days.max == pytest.approx(28.5 / 7)
    assert d.elapsed_working_days.mean == pytest.approx((4 + 0 + 2) / 3)
    assert d.hours.max == pytest.approx((T("2024-10-09 10:00") - T("2024-09-27 09:30")).total_seconds() / 3600)
    assert set(report.performance.by_matter) == {"M1", "M2"}
    assert report.performance.by_matter["M2"].working_days.mean == pytest.approx(11.5 / 7)


def test_processing_and_waiting_times(report):
    steps = {s.activity: s for s in report.performance.steps}
    review = steps["审查"]
    assert review.processing_n == 3 and review.processing_mean_s == pytest.approx(3600)
    # waiting before 审查: 48 h (c1, after 受理 on the 27th), 4 h (c1, after 补正), 6 h (c2)
    assert review.waiting_n == 3
    assert review.waiting_total_s == pytest.approx((48 + 4 + 6) * 3600)
    assert review.waiting_median_s == pytest.approx(6 * 3600)
    assert steps["补正材料"].processing_n == 0 and steps["补正材料"].lead_total_s == pytest.approx(215 * 3600)
    assert steps["网上申请"].waiting_n == 0  # first event of its case
    # 现场核查 starts at 09:00 on the 12th, 17 h after 受理 completed at 16:00 on the 11th
    assert steps["现场核查"].waiting_total_s == pytest.approx(17 * 3600)


def test_bottlenecks_ranked_by_total_waiting(report):
    items = report.bottlenecks.items
    assert report.bottlenecks.basis == "waiting"
    # 审查 58 h; 决定 waits from 11:00 on 12 Oct to 09:30 on 14 Oct (46.5 h); 领证 18 h 50 min
    assert [b.activity for b in items][:3] == ["审查", "决定", "领证"]
    assert items[0].total_s == pytest.approx(58 * 3600)
    assert sum(b.share for b in items) == pytest.approx(1.0)
    assert items == sorted(items, key=lambda b: -b.total_s)


def test_handoffs_between_departments_and_resources(report):
    h = report.handoffs
    deps = {(x.source, x.target): x for x in h.departments}
    # c1: 中心->监管, 监管->中心, 中心->监管, 监管->中心; c2: 中心->监管; c3: (none)->中心, 中心->监管
    assert deps[("政务服务中心", "市场监管局")].count == 4
    assert deps[("市场监管局", "政务服务中心")].count == 2
    assert h.department_totals.handoffs == 6
    assert h.department_totals.cases_with_handoff == 3
    # 中心 -> 监管 times, completion to the next completion:
    times = [(T("2024-09-29 11:00") - T("2024-09-27 10:00")), (T("2024-10-08 15:00") - T("2024-10-08 10:00")),
             (T("2024-09-30 16:00") - T("2024-09-30 09:00")), (T("2024-10-12 11:00") - T("2024-10-11 16:00"))]
    assert deps[("政务服务中心", "市场监管局")].mean_s == pytest.approx(np.mean([t.total_seconds() for t in times]))
    res = {(x.source, x.target): x.count for x in h.resources}
    # null resources (补正材料, 网上申请) break no chain into a handoff; 钱七 -> 钱七 is no handoff
    assert res == {("张三", "李四"): 1, ("李四", "张三"): 1, ("张三", "王五"): 1, ("赵六", "钱七"): 1}


def test_rework_share_and_time_added(report):
    r = report.rework.summary
    assert (r.cases, r.repeated_cases, r.sendback_cases, r.affected_cases) == (3, 1, 1, 1)
    assert r.affected_share == pytest.approx(1 / 3)
    # send-back (审查 退回, 29 Sep 11:00) to resumption (审查 starts 8 Oct 14:00): 219 h
    assert r.loop_hours_mean == pytest.approx(219)
    c1 = (T("2024-10-09 10:00") - T("2024-09-27 09:30")).total_seconds() / 3600
    others = [7.0, (T("2024-10-14 10:00") - T("2024-10-11 14:00")).total_seconds() / 3600]
    assert r.added_hours == pytest.approx(c1 - np.mean(others))
    assert r.added_working_days == pytest.approx(28.5 / 7 - np.mean([5.5, 11.5]) / 7)
    steps = {s.activity: s for s in report.rework.steps}
    assert steps["审查"].repeated_cases == 1 and steps["审查"].sendback_events == 1
    assert steps["补正材料"].sendback_events == 1


def test_visits_against_stated(report):
    v = report.visits
    # c1: 窗口受理 (27 Sep) and 领证 (9 Oct) = 2 visits (补正材料 went online); c2: 窗口受理 = 1;
    # c3: applied online, 现场核查 happens at the applicant's premises: 0
    assert v.summary.distribution == {"0": 1, "1": 1, "2": 1, "3+": 0}
    assert v.summary.mean == pytest.approx(1.0)
    assert v.by_matter["M1"].stated == 1 and v.by_matter["M1"].over_stated_cases == 1
    assert v.by_matter["M2"].stated == 0 and v.by_matter["M2"].over_stated_cases == 0


def test_visit_rules():
    rows = [  # case, activity, hour, resource, department, channel
        ("w1", "受理", 9, "窗口A01 张敏", "政务服务中心", "窗口"),  # counter intake: visit (day 1)
        ("w1", "初审", 10, "黄丽", "市场监管局", "窗口"),  # back office: no visit whatever the channel
        ("w1", "补正材料", 33, None, None, "窗口"),  # window applicant brings the correction: visit (day 2)
        ("w1", "送达", 57, "寄递岗 何平", "政务服务中心", "窗口"),  # mailed: no visit
        ("o1", "受理", 9, "网审岗 陈静", "政务服务中心", "网上"),  # online intake: no visit
        ("o1", "送达", 34, "窗口A05 刘洋", "政务服务中心", "网上"),  # collected at the counter: visit
        ("o2", "受理", 9, "网审岗 陈静", "政务服务中心", "网上"),
        ("o2", "现场核查", 12, "孙浩", "监管所", "网上"),  # inspection at the premises: no visit by default
    ]
    frame = pd.DataFrame([(c, a, T("2024-03-04 00:00") + pd.Timedelta(hours=h), r, d, ch)
                          for c, a, h, r, d, ch in rows],
                         columns=["case", "activity", "timestamp", "resource", "department", "channel"])
    with DuckDBEngine() as engine:
        engine.register(EventLog.from_frame(frame))
        default = analyse_performance(engine).visits.summary
        with_inspection = analyse_performance(engine, options=PerformanceOptions(
            onsite_words=("现场核查",))).visits.summary
    assert default.distribution == {"0": 1, "1": 1, "2": 1, "3+": 0}  # o2, o1, w1
    assert default.at_most_once_share == pytest.approx(2 / 3)
    assert with_inspection.distribution == {"0": 0, "1": 2, "2": 1, "3+": 0}


def test_visits_are_unknown_not_zero_without_any_on_site_evidence():
    # no channel column, and English steps that no on-site rule recognises (as in the BPI logs)
    frame = pd.DataFrame([(c, a, T("2024-03-04 00:00") + pd.Timedelta(hours=h))
                          for c in ("a", "b") for a, h in (("Declaration SUBMITTED", 1), ("Payment Handled", 30))],
                         columns=["case", "activity", "timestamp"])
    with DuckDBEngine() as engine:
        engine.register(EventLog.from_frame(frame))
        result = analyse_performance(engine).visits
    assert result.summary.known is False and result.summary.mean is None and result.summary.distribution == {}
    assert "note_visits_no_evidence" in [n.id for n in result.notes]


def test_on_time_rate_with_calendar(report):
    o = report.on_time
    # c1: accepted 27 Sep, 3 working days -> 29 Sep, 30 Sep, 8 Oct; but the clock stands still from the
    #     send-back (29 Sep) to the resumption (8 Oct): 2 working days (30 Sep, 8 Oct), deadline 10 Oct,
    #     done 9 Oct: on time
    # c2: accepted and done 30 Sep: on time; c3 (M2, 1 day): accepted 11 Oct -> deadline Sat 12 Oct
    #     (make-up day), done Mon 14 Oct: overdue by 1 working day
    assert (o.summary.cases, o.summary.on_time, o.summary.overdue) == (3, 2, 1)
    [c3] = o.overdue_cases
    assert c3.case == "c3" and c3.deadline == "2024-10-12" and c3.overdue_working_days == 1
    cal = WorkCalendar()
    assert cal.add_working_days(dt.date(2024, 10, 11), 1).isoformat() == c3.deadline
    assert o.by_matter["M1"].rate == pytest.approx(1.0)


def test_on_time_without_pausing_for_corrections():
    log = EventLog.from_frame(pd.DataFrame(ROWS, columns=COLUMNS))
    options = PerformanceOptions(limits={"M1": TimeLimit.parse("3个工作日"), "M2": TimeLimit.parse("1个工作日")},
                                 pause_for_corrections=False)
    with DuckDBEngine() as engine:
        engine.register(log)
        o = analyse_performance(engine, options=options).on_time
    assert (o.summary.on_time, o.summary.overdue) == (1, 2)
    overdue = {c.case: c for c in o.overdue_cases}
    assert overdue["c1"].deadline == "2024-10-08" and overdue["c1"].overdue_working_days == 1
    assert WorkCalendar().add_working_days(dt.date(2024, 9, 27), 3).isoformat() == overdue["c1"].deadline
    assert overdue["c1"].paused_working_days == 0


def test_natural_days_and_default_limit():
    log = EventLog.from_frame(pd.DataFrame(ROWS, columns=COLUMNS))
    options = PerformanceOptions(default_limit=TimeLimit.parse("10天"), pause_for_corrections=False)
    with DuckDBEngine() as engine:
        engine.register(log)
        o = analyse_performance(engine, options=options).on_time
    # c1: 27 Sep + 10 days = 7 Oct, done 9 Oct: overdue; c2, c3 on time
    assert (o.summary.on_time, o.summary.overdue) == (2, 1)
    assert o.overdue_cases[0].deadline == "2024-10-07"
    assert limit_days(TimeLimit.parse("1个月")) == (22, False)
    assert limit_days(TimeLimit.parse("无")) is None


def test_no_resource_no_department_no_limits():
    frame = pd.DataFrame(ROWS, columns=COLUMNS)[["case", "activity", "timestamp"]]
    with DuckDBEngine() as engine:
        engine.register(EventLog.from_frame(frame))
        r = analyse_performance(engine)
    assert r.handoffs.resources is None and r.handoffs.departments is None
    assert any("resource" in n.text("en") for n in r.handoffs.notes)
    assert r.on_time.summary is None and r.on_time.notes
    assert r.bottlenecks.basis == "lead"
    assert not r.performance.has_start
    assert r.to_dict()["handoffs"]["resources"] is None


def test_discover_hook_puts_results_under_their_keys():
    log = EventLog.from_frame(pd.DataFrame(ROWS, columns=COLUMNS))
    options = PerformanceOptions(limits={"M1": TimeLimit.parse("3个工作日")})
    result = discover(log, analyses=performance_analyses(options), per_matter=False)
    data = result.to_dict()
    for key in ("performance", "handoffs", "rework", "visits", "on_time", "bottlenecks"):
        assert key in data
    assert data["on_time"]["summary"]["cases"] == 2  # only M1 has a limit
    assert data["rework"]["summary"]["affected_cases"] == 1


# --- the SQL working-time arithmetic equals WorkCalendar's Python, holidays included -------------

_DAY0 = dt.datetime(2024, 9, 20, tzinfo=dt.UTC)
_instants = st.integers(min_value=0, max_value=40 * 24 * 60).map(lambda m: _DAY0 + dt.timedelta(minutes=m))


@pytest.fixture(scope="module")
def calendar_engine():
    engine = DuckDBEngine()
    yield engine
    engine.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=_instants, b=_instants)
def test_sql_working_hours_equal_workcalendar(calendar_engine, a, b):
    a, b = min(a, b), max(a, b)
    cal = WorkCalendar()
    local = PQ.LocalTime.for_zone(TZ, a, b)
    rows = PQ.CalendarRows.build(cal, dt.date(2024, 9, 1), dt.date(2024, 11, 30))
    la, lb = (local.sql(f"TIMESTAMPTZ '{x.isoformat()}'") for x in (a, b))
    query = (f"WITH {rows.cte()} SELECT ({rows.worked(lb, 'c2')} - {rows.worked(la, 'c1')}) / 3600.0 AS h, "
             "c2.cum - c1.cum AS days FROM cal AS c1, cal AS c2 "
             f"WHERE c1.d = CAST({la} AS DATE) AND c2.d = CAST({lb} AS DATE)")
    row = calendar_engine.sql(query).to_pylist()[0]
    zone = pd.Timestamp(a).tz_convert(TZ).tzinfo
    la_py, lb_py = a.astimezone(zone), b.astimezone(zone)
    assert row["h"] == pytest.approx(cal.working_hours_between(la_py, lb_py), abs=1e-6)
    assert row["days"] == cal.working_days_in(la_py.date(), lb_py.date())


# --- pm4py on the real logs ----------------------------------------------------------------------

PM4PY_ROLES = {"case:concept:name": "case", "concept:name": "activity", "time:timestamp": "timestamp",
               "org:resource": "resource", "org:group": "department"}


class WeekdayCalendar(WorkCalendar):
    """Monday to Friday, no holidays: what pm4py's business hours assume."""

    def is_workday(self, day: dt.date) -> bool:
        return day.weekday() < 5


def _real(real_log, with_start: bool = False) -> tuple[pd.DataFrame, EventLog]:
    frame = pm4py_frame(real_log).copy()
    if with_start:
        # a deterministic start: between 0 and 90 % of the time since the previous completion
        prev = frame.groupby("case:concept:name")["time:timestamp"].shift(1)
        gap = (frame["time:timestamp"] - prev).fillna(pd.Timedelta(minutes=30))
        frame["start_timestamp"] = frame["time:timestamp"] - gap * ((np.arange(len(frame)) % 10) / 10 * 0.9)
    keep = [c for c in PM4PY_ROLES if c in frame.columns]
    roles = frame[keep].rename(columns=PM4PY_ROLES)
    if with_start:
        roles["start"] = frame["start_timestamp"]
    return frame, EventLog.from_frame(roles, source=str(real_log))


def test_working_hours_equal_pm4py_business_hours(real_log):
    frame, log = _real(real_log)
    slots = []  # 09:00-12:00 and 13:30-17:30, Monday to Friday, seconds from Monday 00:00
    for day in range(5):
        slots += [(day * 86400 + 9 * 3600, day * 86400 + 12 * 3600), (day * 86400 + 48600, day * 86400 + 63000)]
    local = frame.copy()
    local["time:timestamp"] = local["time:timestamp"].dt.tz_convert(TZ)
    expected = np.sort(np.array(pm4py.get_all_case_durations(local, business_hours=True,
                                                             business_hour_slots=slots)))
    with DuckDBEngine() as engine:
        engine.register(log)
        options = PerformanceOptions(calendar=WeekdayCalendar())
        setup_query = _case_query(engine, options)
        got = np.sort(np.array([r["working_hours"] * 3600 for r in engine.sql(setup_query).to_pylist()]))
    assert len(got) == len(expected)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-3)


def _case_query(engine, options) -> str:
    from bpr.analyse.performance import _setup

    return _setup(engine, "events", options, TZ).case_query


def test_processing_time_equals_pm4py_service_time(real_log):
    frame, log = _real(real_log, with_start=True)
    with DuckDBEngine() as engine:
        engine.register(log)
        steps = {s.activity: s for s in analyse_performance(engine).performance.steps}
    for measure, attribute in (("mean", "processing_mean_s"), ("median", "processing_median_s")):
        expected = pm4py.get_service_time(frame, aggregation_measure=measure, start_timestamp_key="start_timestamp")
        assert set(expected) == set(steps)
        for activity, seconds in expected.items():
            assert getattr(steps[activity], attribute) == pytest.approx(seconds, rel=1e-9, abs=1e-6), activity


def test_waiting_time_equals_pandas(real_log):
    frame, log = _real(real_log, with_start=True)
    prev = frame.groupby("case:concept:name")["time:timestamp"].shift(1)
    wait = (frame["start_timestamp"] - prev).dt.total_seconds().clip(lower=0)
    expected = wait.groupby(frame["concept:name"]).sum()
    with DuckDBEngine() as engine:
        engine.register(log)
        steps = {s.activity: s for s in analyse_performance(engine).performance.steps}
    for activity, seconds in expected.items():
        assert steps[activity].waiting_total_s == pytest.approx(seconds, rel=1e-9, abs=1e-3)


def test_resource_handoffs_equal_pm4py_dfg_on_resources(real_log):
    frame, log = _real(real_log)
    if "org:resource" not in frame.columns or frame["org:resource"].isna().any():
        pytest.skip("log without a complete resource column")
    counts, _, _ = pm4py.discover_dfg(frame, activity_key="org:resource")
    perf, _, _ = pm4py.discover_performance_dfg(frame, activity_key="org:resource")
    expected = {k: v for k, v in counts.items() if k[0] != k[1]}
    with DuckDBEngine() as engine:
        engine.register(log)
        h = analyse_performance(engine).handoffs
    assert {(x.source, x.target): x.count for x in h.resources} == expected
    for x in h.resources:
        assert x.mean_s == pytest.approx(perf[(x.source, x.target)]["mean"], rel=1e-9, abs=1e-6)


def test_repeated_steps_equal_pm4py_rework(real_log):
    frame, log = _real(real_log)
    expected = {k: v for k, v in pm4py.get_rework_cases_per_activity(frame).items() if v}
    with DuckDBEngine() as engine:
        engine.register(log)
        r = analyse_performance(engine).rework
    got = {s.activity: s.repeated_cases for s in r.steps if s.repeated_cases}
    assert got == expected
    repeated = frame.groupby(["case:concept:name", "concept:name"]).size()
    assert r.summary.repeated_cases == repeated[repeated > 1].reset_index()["case:concept:name"].nunique()



def test_discover_analyses_from_catalogue_and_spec(tmp_path):
    from bpr.model import Matter
    from bpr.model.process_model import ProcessModel

    matter = Matter("食品经营许可", code="M1", promised_limit=TimeLimit.parse("3个工作日"), visits=1)
    spec = ProcessModel("食品经营许可", code="M1", steps=[Step("窗口受理"), Step("审查"), Step("领证")])
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    frame.loc[frame["activity"] == "网上申请", "activity"] = "=HYPERLINK(1)"  # hostile name, for the CSV
    result = discover(EventLog.from_frame(frame), analyses=performance_analyses_for(matter, spec), per_matter=False)
    data = result.to_dict()
    assert data["on_time"]["summary"]["cases"] == 2  # M1 only
    assert data["visits"]["by_matter"]["M1"]["stated"] == 1
    assert data["conformance"]["食品经营许可"]["matter"] == "M1"
    assert data["conformance"]["食品经营许可"]["skipped"][0]["step"] == "领证"  # c2 never collects
    names = write_tables(result.extra, tmp_path)
    assert {"step_times.csv", "handoffs_departments.csv", "rework_steps.csv", "conformance_deviations.csv"} <= set(names)
    text = (tmp_path / "step_times.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "\n=HYPERLINK" not in text


def performance_analyses_for(matter, spec):
    from bpr.analyse.analyses import discover_analyses

    return discover_analyses(catalogue=[matter], specs=[spec])


@pytest.mark.spark
def test_spark_gives_the_same_results(spark_engine):
    from bpr.analyse.conformance import Spec, check_conformance

    log = EventLog.from_frame(pd.DataFrame(ROWS, columns=COLUMNS))
    options = PerformanceOptions(limits={"M1": TimeLimit.parse("3个工作日"), "M2": TimeLimit.parse("1个工作日")},
                                 stated_visits={"M1": 1, "M2": 0})
    spec = Spec.of([Step("窗口受理"), Step("审查"), Step("领证")])
    with DuckDBEngine() as duck:
        duck.register(log)
        expected = (analyse_performance(duck, options=options).to_dict(), check_conformance(duck, spec).to_dict())
    spark_engine.register(log)
    got = (analyse_performance(spark_engine, options=options).to_dict(), check_conformance(spark_engine, spec).to_dict())
    assert got == expected


def test_many_activities_are_summarised(monkeypatch):
    import bpr.analyse.performance as perf

    monkeypatch.setattr(perf, "MAX_ROWS", 3)
    rows = [(f"c{i}", f"步骤{i % 7}", T("2024-03-04 09:00") + pd.Timedelta(minutes=i), f"人{i % 5}") for i in range(40)]
    rows += [(f"c{i}", "审批", T("2024-03-05 09:00") + pd.Timedelta(minutes=i), f"人{(i + 1) % 5}") for i in range(40)]
    frame = pd.DataFrame(rows, columns=["case", "activity", "timestamp", "resource"])
    with DuckDBEngine() as engine:
        engine.register(EventLog.from_frame(frame))
        r = perf.analyse_performance(engine)
    assert len(r.performance.steps) == 3 and "审批" in {s.activity for s in r.performance.steps}
    assert any("8 activities" in n.text("en") for n in r.performance.notes)
    assert len(r.handoffs.resources) == 3 and r.handoffs.resource_totals.handoffs == 40
    assert len(r.bottlenecks.items) <= 3


def _random_log(seed: int, limit: int | None, monkeypatch) -> np.random.Generator:
    """The generator for a value-set test, with the set's limit lowered to `limit` when given."""
    if limit is not None:
        monkeypatch.setattr(PQ, "MAX_SET_VALUES", limit)
    return np.random.default_rng(seed)


def _random_events(rng: np.random.Generator, n: int, cases: int, activities: int) -> pd.DataFrame:
    """`n` events of `cases` cases over `activities` activities, at random seconds of 11 days."""
    return pd.DataFrame({"case": [f"c{i}" for i in rng.integers(0, cases, n)],
                         "activity": [f"步骤{i}" for i in rng.integers(0, activities, n)],
                         "timestamp": T("2024-03-04 09:00") + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s")})


@pytest.mark.parametrize("activities, limit", [(20, None), (200, None), (200, 50)])
def test_repeats_per_case_equal_pandas(activities, limit, monkeypatch):
    """Per-case repeats (events beyond the first of each activity) by the activity-set words: one
    word (20 activities), four words (200), and count(DISTINCT) beyond the set's limit."""
    rng = _random_log(activities, limit, monkeypatch)
    frame = _random_events(rng, 3000, 300, activities)
    expected = (frame.groupby("case").size() - frame.groupby("case")["activity"].nunique()).to_dict()
    assert max(expected.values()) > 0
    with DuckDBEngine() as engine:
        engine.register(EventLog.from_frame(frame))
        setup = prepare(engine, "events", PerformanceOptions(), "Asia/Shanghai")
        query = setup.case_query
        got = {r["case"]: r["repeats"] for r in engine.sql(f"SELECT \"case\", repeats FROM ({query}) AS q").to_pylist()}
    assert got == expected
    plain = PQ.case_table("e", "x", setup.local, setup.cal, "TRUE", "FALSE", "FALSE",
                          activities=sorted(frame["activity"].unique()))
    assert ("count(DISTINCT ct_ev.activity)" in plain) == (limit is not None)


@pytest.mark.parametrize("resources, limit", [(20, None), (200, None), (200, 50)])
def test_handoff_totals_equal_pandas(resources, limit, monkeypatch):
    """Resource hand-off totals (cases with a known resource, hand-offs, cases with one, most per
    case, mean distinct resources per case) by the value-set words in one grouping by case: one
    word (20 resources), four words (200), and count(DISTINCT) beyond the set's limit."""
    rng = _random_log(resources, limit, monkeypatch)
    frame = _random_events(rng, 4000, 400, 6)
    frame["resource"] = [f"员工{i}" if i % 7 else None for i in rng.integers(0, resources, len(frame))]
    ordered = frame.sort_values(["case", "timestamp"], kind="stable")
    following = ordered.groupby("case")["resource"].shift(-1)
    moved = ordered["resource"].notna() & following.notna() & (ordered["resource"] != following)
    known = ordered[ordered["resource"].notna()]
    per_case = moved[ordered["resource"].notna()].groupby(known["case"]).sum()
    with DuckDBEngine() as engine:
        engine.register(EventLog.from_frame(frame))
        totals = analyse_performance(engine).handoffs.resource_totals
    assert totals.cases == known["case"].nunique()
    assert totals.handoffs == int(moved.sum()) > 0
    assert totals.cases_with_handoff == int((per_case > 0).sum())
    assert totals.max_per_case == int(per_case.max())
    assert totals.mean_distinct == pytest.approx(known.groupby("case")["resource"].nunique().mean(), rel=1e-12)
    plain = PQ.handoff_cases("e", "resource", sorted(known["resource"].unique()))
    assert ('count(DISTINCT hc_ev."resource")' in plain) == (limit is not None)


@pytest.mark.parametrize("sample", ["food_licence.csv", "public_health_reform.csv"])
def test_core_shortcuts_give_the_same_report(sample, monkeypatch):
    """`bpr discover` hands the performance analyses the core's activity names, per-case table
    (repeats from the variants) and ordered pass (its one sort, widened with the event pass); the
    report must equal the one computed from the events alone, with the activity names (IN-list
    rules, repeats by activity bit sets) and without them (LIKE per event, count(DISTINCT))."""
    from pathlib import Path

    from bpr.analyse.discover import Kept, core_analysis, load
    from bpr.analyse.performance import ordered_pass

    path = Path(__file__).resolve().parents[2] / "samples" / "logs" / sample
    options = PerformanceOptions(default_limit=TimeLimit.parse("5个工作日"))
    with DuckDBEngine() as engine:
        load(engine, path)
        kept = Kept("shapes", lambda e, t, codes: ordered_pass(e, t, codes, options))
        core = core_analysis(engine, "events", kept=kept)
        assert kept.ordered is not None and engine.sql(f"SELECT count(*) AS n FROM {kept.ordered.steps}")["n"][0].as_py()
        shared = analyse_performance(engine, "events", options, core=core, shapes="shapes",
                                     ordered=kept.ordered).to_dict()
        kept.drop(engine)
        core = core_analysis(engine, "events", keep_cases="shapes")
        shaped = analyse_performance(engine, "events", options, core=core, shapes="shapes").to_dict()
        alone = analyse_performance(engine, "events", options).to_dict()
        monkeypatch.setattr(PQ, "MAX_SET_VALUES", 0)
        plain = analyse_performance(engine, "events", options).to_dict()
    assert shaped["rework"]["summary"]["repeated_cases"] > 0 or sample != "food_licence.csv"
    assert shared["handoffs"]["resource_totals"]["handoffs"] > 0
    assert shared == shaped == alone == plain


def test_no_summary_holds_a_whole_column_in_memory(monkeypatch):
    """Medians and p90s come from sorted order statistics (which spill to disk), never from an
    in-memory quantile aggregate: on 100M events six such states overflowed the 1 GB limit."""
    seen: list[str] = []
    original = DuckDBEngine.sql
    monkeypatch.setattr(DuckDBEngine, "sql", lambda self, query: seen.append(query) or original(self, query))
    log = EventLog.from_frame(pd.DataFrame(ROWS, columns=COLUMNS))
    with DuckDBEngine() as engine:
        engine.register(log)
        report = analyse_performance(engine, options=PerformanceOptions(stated_visits={"M1": 1, "M2": 0}))
    assert len(seen) > 10 and not [q for q in seen if "quantile_cont" in q or "median(" in q]
    frame = pd.DataFrame(ROWS, columns=COLUMNS)  # a case runs from its first start to its last completion
    frame["first"] = frame[["start", "timestamp"]].min(axis=1)
    per_case = frame.groupby("case").agg(first=("first", "min"), last=("timestamp", "max"))
    hours = (per_case["last"] - per_case["first"]).dt.total_seconds() / 3600
    assert report.performance.durations.hours.median == pytest.approx(np.median(hours))
    assert report.performance.durations.hours.p90 == pytest.approx(np.percentile(hours, 90))
