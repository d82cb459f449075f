"""Generate the two sample event logs (办件过程记录) by a seeded discrete-event simulation.

    python samples/generate_logs.py [--out samples/logs]

- logs/food_licence.csv: 食品经营许可 (市场监督管理局), 2024, GBK-encoded CSV with CRLF line ends as
  Chinese Excel saves it, timestamps "2024-03-05 09:31:00";
- logs/construction_permit.xlsx: 建设工程施工许可证核发 (住房和城乡建设局 with 消防设计审查,
  人民防空办公室 and 自然资源和规划局 reviewing in parallel), 2023-07 to 2024-12, Excel date cells
  shown as "2024/3/5 9:31".

Columns follow GB/T 39046: 办件编号, 实施编码, 事项名称, 申报来源, 环节名称, 环节处理人, 办理部门,
环节开始时间, 环节结束时间, 业务动作, plus 送达方式 on delivery rows. The step names are those of
process_models/食品经营许可.yaml and process_models/建设工程施工许可证核发.yaml, plus 补正材料 (the
applicant's own step after a send-back).

How the simulation works (SimPy; time runs in *office minutes*: 9:00–12:00 and 13:30–17:30 on
working days of `bpr.model.WorkCalendar`, i.e. China's holidays and make-up working days, so every
start and end falls inside office hours):

- arrivals: Poisson per working day, scaled by weekday (Monday busiest) and month (Spring Festival
  and December dips); window arrivals peak mid-morning and mid-afternoon, online ones spread out;
- each step takes a named staff member from a pool (窗口A01 张敏 …) and holds them for a lognormal
  work time; before back-office steps a case sits in the in-tray for a lognormal wait with a heavy
  tail (5–10% of waits multiplied 3–8×: leave, backlog), so waiting dominates cycle time as it does
  in real offices;
- 分管局长 sign in sessions (most afternoons) and are away for runs of days (a two-state Markov
  chain), so 审批 waits queue up behind absences;
- 补正: 受理 or a review step returns the file (业务动作 退回); the applicant's 补正材料 step takes
  days; the step is then redone. 审核 may send a file back to 初审. Window applicants revisit;
- the export is cut at 2024-12-31 17:30: steps not finished by then are missing, as in a real
  extraction window.

- logs/public_health_reform.csv: 公共场所卫生许可 (卫生健康委员会), 2023-07 to 2025-06, UTF-8 CSV with a
  byte-order mark (Excel's "CSV UTF-8"), with a reform planted on REFORM_DATE (2024-07-01): 告知承诺制
  drops 现场审查 (checked after the licence instead) and merges 审核 into 决定, one-time notification
  (一次性告知) cuts the 补正 rate at 受理 from 14%/26% (window/online) to 5%/8%, and the in-tray wait
  before 审查 is halved (median 1.2 -> 0.6 working days); the channel mix moves online (办理渠道:
  窗口, 网上, 掌上, 自助终端, 快递) and every rated case carries 满意度 (非常满意 … 非常不满意, 国办发〔2019〕51号),
  worse for slow, sent-back and counter-collected cases and for one counter clerk (窗口C03 钱伟).
  `tests/measure/test_compare.py` checks `bpr compare` against figures computed from these events.

Seeds: 20240301 (food licence), 20240302 (construction permit), 20240303 (public-health reform). Same
seed, same bytes (CSV) and same cell values (XLSX).
"""

from __future__ import annotations

import argparse
import bisect
import csv
import datetime as dt
import io
import sys
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import simpy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from catalogue_data import build_catalogue  # noqa: E402

from bpr.io.safety import atomic_output, atomic_path  # noqa: E402
from bpr.model import WorkCalendar  # noqa: E402

FOOD_SEED = 20240301
CONSTRUCTION_SEED = 20240302
PUBLIC_HEALTH_SEED = 20240303
#: the planted reform of the public-health log: cases arriving on or after it follow the new process
REFORM_DATE = dt.date(2024, 7, 1)
PUBLIC_HEALTH_CUTOFF = dt.datetime(2025, 6, 30, 17, 30)
CUTOFF = dt.datetime(2024, 12, 31, 17, 30)
HEADER = ["办件编号", "实施编码", "事项名称", "申报来源", "环节名称", "环节处理人", "办理部门", "环节开始时间",
          "环节结束时间", "业务动作", "送达方式"]
WEEKDAY_FACTOR = (1.3, 1.1, 1.0, 0.95, 0.75)  # Monday .. Friday
MONTH_FACTOR = (0.9, 0.7, 1.15, 1.15, 1.1, 1.0, 0.95, 0.95, 1.05, 0.9, 1.0, 0.85)


class WorkClock:
    """Office minutes since the first working day's opening <-> local datetimes."""

    def __init__(self, calendar: WorkCalendar, first: dt.date, last: dt.date) -> None:
        self.periods = [(dt.datetime.combine(dt.date.min, a), dt.datetime.combine(dt.date.min, b))
                        for a, b in calendar.office_hours.periods]
        self.minutes = [(b - a).total_seconds() / 60 for a, b in self.periods]
        self.day_minutes = sum(self.minutes)
        self.days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)
                     if calendar.is_workday(first + dt.timedelta(days=i))]

    def to_datetime(self, t: float) -> dt.datetime:
        index, offset = divmod(t, self.day_minutes)
        day = self.days[int(index)]
        for (start, _), length in zip(self.periods, self.minutes, strict=True):
            if offset < length:
                return dt.datetime.combine(day, start.time()) + dt.timedelta(minutes=offset)
            offset -= length
        return dt.datetime.combine(day, self.periods[-1][1].time())  # pragma: no cover (float edge)

    def day_start(self, index: int) -> float:
        return index * self.day_minutes


@dataclass
class Event:
    case: str
    activity: str
    resource: str
    department: str
    start: float
    end: float
    action: str = "通过"
    delivery: str = ""


@dataclass
class Case:
    id: str
    channel: str
    events: list[Event] = field(default_factory=list)


class Simulation:
    """Shared machinery: random draws, staff pools, leader sessions, event recording."""

    def __init__(self, seed: int, clock: WorkClock) -> None:
        self.rng = np.random.default_rng(seed)
        self.clock = clock
        self.env = simpy.Environment()
        self.cases: list[Case] = []

    # random draws (minutes of office time) ------------------------------------------------------
    def lognormal(self, median: float, sigma: float = 0.6, tail: float = 0.0) -> float:
        value = median * float(np.exp(sigma * self.rng.standard_normal()))
        if tail and self.rng.random() < tail:
            value *= float(self.rng.uniform(3, 8))
        return max(value, 1.0)

    def days(self, median_days: float, sigma: float = 0.8, tail: float = 0.06, cap_days: float = 12) -> float:
        """A wait in office minutes, capped (a real file is chased up after a couple of weeks)."""
        return min(self.lognormal(median_days * self.clock.day_minutes, sigma, tail),
                   cap_days * self.clock.day_minutes)

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def choice(self, options: dict[str, float]) -> str:
        names = list(options)
        return names[int(self.rng.choice(len(names), p=np.array(list(options.values())) / sum(options.values())))]

    def pool(self, names: list[str]) -> simpy.Store:
        store = simpy.Store(self.env)
        store.items.extend(names)
        return store

    # steps ----------------------------------------------------------------------------------
    def step(self, case: Case, activity: str, pool: simpy.Store, department: str, minutes: float,
             action: str = "通过", delivery: str = "") -> Generator:
        """Take a free staff member (FIFO), work `minutes`, record the event, give them back."""
        who = yield pool.get()
        start = self.env.now
        yield self.env.timeout(minutes)
        pool.put(who)
        case.events.append(Event(case.id, activity, who, department, start, self.env.now, action, delivery))

    def applicant(self, case: Case, activity: str, median_days: float) -> Generator:
        """The applicant's own step (补正材料, 整改): days, not minutes; no department."""
        start = self.env.now
        yield self.env.timeout(self.days(median_days, 0.9, 0.08, cap_days=30))
        case.events.append(Event(case.id, activity, "申请人", "", start, self.env.now, "提交"))

    def leader_sessions(self, away_start: float = 0.05, away_end: float = 0.3) -> list[float]:
        """Times a 分管局长 signs: most afternoons, some mornings; runs of absent days (Markov)."""
        sessions, away = [], False
        for i in range(len(self.clock.days)):
            away = self.chance(1 - away_end) if away else self.chance(away_start)
            if away:
                continue
            if self.chance(0.35):
                sessions.append(self.clock.day_start(i) + float(self.rng.uniform(30, 150)))
            if self.chance(0.85):
                sessions.append(self.clock.day_start(i) + float(self.rng.uniform(250, 400)))
        return sessions

    def until_session(self, sessions: list[float]) -> simpy.Timeout:
        i = bisect.bisect_left(sessions, self.env.now)
        if i == len(sessions):  # past the simulated horizon: never signed within it
            return self.env.timeout(10 * self.clock.day_minutes)
        return self.env.timeout(sessions[i] - self.env.now)

    # arrivals ---------------------------------------------------------------------------------
    def arrivals(self, first: dt.date, last: dt.date, per_day: float, channels: dict[str, float],
                 prefix: str, start_case: Callable[[Case], Generator]) -> None:
        """Start each working day's cases at their arrival minute."""
        arrivals: list[tuple[float, Case]] = []
        for index, day in enumerate(self.clock.days):
            if not first <= day <= last:
                continue
            rate = per_day * WEEKDAY_FACTOR[min(day.weekday(), 4)] * MONTH_FACTOR[day.month - 1]
            n = int(self.rng.poisson(rate))
            offsets = []
            for _ in range(n):
                channel = self.choice(channels)
                if channel == "窗口":  # counter arrivals peak mid-morning and mid-afternoon
                    offset = (self.rng.triangular(0, 60, 178) if self.chance(0.6)
                              else self.rng.triangular(180, 260, 415))
                else:  # online applications are picked up through the day
                    offset = self.rng.uniform(0, 410)
                offsets.append((float(offset), channel))
            for seq, (offset, channel) in enumerate(sorted(offsets), start=1):
                case = Case(f"{prefix}{day:%Y%m%d}{seq:04d}", channel)
                arrivals.append((self.clock.day_start(index) + offset, case))
        self.cases = [c for _, c in arrivals]

        def launcher() -> Generator:
            for at, case in arrivals:
                yield self.env.timeout(at - self.env.now)
                self.env.process(start_case(case))

        self.env.process(launcher())


# 食品经营许可 ------------------------------------------------------------------------------------

FOOD_DEPT_CENTRE = "市政务服务中心"
FOOD_DEPT_SECTION = "市场监督管理局食品经营监管科"
FOOD_DEPT_FIELD = "市场监督管理局城区市场监管所"
FOOD_DEPT_BUREAU = "市场监督管理局"


def food_licence(seed: int = FOOD_SEED) -> tuple[list[Case], WorkClock]:
    clock = WorkClock(WorkCalendar(), dt.date(2024, 1, 1), dt.date(2025, 6, 30))
    sim = Simulation(seed, clock)
    window = sim.pool(["窗口A01 张敏", "窗口A02 李娜", "窗口A03 王芳", "窗口A05 刘洋"])
    online = sim.pool(["网审岗 陈静", "网审岗 杨帆"])
    clerks = sim.pool(["赵磊", "黄丽", "周杰", "吴婷"])
    inspectors = sim.pool(["徐强", "孙浩", "马骏"])
    chiefs = sim.pool(["朱建华", "胡晓燕"])
    leader = sim.pool(["王建国"])
    makers = sim.pool(["制证岗 郭敏"])
    mailroom = sim.pool(["寄递岗 何平"])
    sessions = sim.leader_sessions()

    def accept(case: Case) -> Generator:
        for round_no in range(3):
            if case.channel == "窗口":
                pool, minutes = window, sim.lognormal(18, 0.35)
            else:
                yield sim.env.timeout(sim.lognormal(90, 0.9, 0.05))
                pool, minutes = online, sim.lognormal(9, 0.4)
            p_return = (0.22 if case.channel != "窗口" else 0.12) if round_no == 0 else 0.08
            if round_no < 2 and sim.chance(p_return):
                yield from sim.step(case, "受理", pool, FOOD_DEPT_CENTRE, minutes, "退回")
                yield from sim.applicant(case, "补正材料", 1.5)
                continue
            yield from sim.step(case, "受理", pool, FOOD_DEPT_CENTRE, minutes)
            return

    def case_process(case: Case) -> Generator:
        yield from accept(case)
        inspect = sim.chance(0.72)  # 告知承诺 and low-risk (预包装) shops skip the on-site check
        sent_back = False
        while True:
            yield sim.env.timeout(sim.days(0.6, 0.8, 0.06))
            yield from sim.step(case, "初审", clerks, FOOD_DEPT_SECTION, sim.lognormal(40, 0.5))
            if inspect:
                inspect = False
                yield sim.env.timeout(sim.days(1.5, 0.7, 0.08))  # appointment with the applicant
                if sim.chance(0.07):
                    yield from sim.step(case, "现场核查", inspectors, FOOD_DEPT_FIELD, sim.lognormal(110, 0.4), "退回")
                    yield from sim.applicant(case, "补正材料", 4)
                    yield sim.env.timeout(sim.days(0.8, 0.6, 0.05))
                yield from sim.step(case, "现场核查", inspectors, FOOD_DEPT_FIELD, sim.lognormal(110, 0.4))
            yield sim.env.timeout(sim.days(0.4, 0.8, 0.05))
            if not sent_back and sim.chance(0.05):
                sent_back = True
                yield from sim.step(case, "审核", chiefs, FOOD_DEPT_SECTION, sim.lognormal(15, 0.4), "退回")
                continue
            yield from sim.step(case, "审核", chiefs, FOOD_DEPT_SECTION, sim.lognormal(15, 0.4))
            break
        yield sim.until_session(sessions)
        refused = sim.chance(0.015)
        yield from sim.step(case, "审批", leader, FOOD_DEPT_BUREAU, sim.lognormal(4, 0.3),
                            "不予许可" if refused else "通过")
        if not refused:
            yield sim.env.timeout(sim.days(0.2, 0.6, 0.03))
            yield from sim.step(case, "制证", makers, FOOD_DEPT_CENTRE, sim.lognormal(8, 0.3))
        options = ({"窗口领取": 0.55, "邮寄送达": 0.45} if case.channel == "窗口"
                   else {"邮寄送达": 0.6, "窗口领取": 0.15, "电子证照": 0.25})
        how = sim.choice(options)
        if how == "窗口领取":
            yield sim.env.timeout(sim.days(1.5, 0.9, 0.08))  # the applicant comes to collect
            yield from sim.step(case, "送达", window, FOOD_DEPT_CENTRE, sim.lognormal(5, 0.3), delivery=how)
        elif how == "邮寄送达":
            yield sim.env.timeout(sim.days(0.15, 0.6, 0.02))
            yield from sim.step(case, "送达", mailroom, FOOD_DEPT_CENTRE, sim.lognormal(8, 0.3), delivery=how)
        else:
            case.events.append(Event(case.id, "送达", "系统自动", FOOD_DEPT_CENTRE, sim.env.now,
                                     sim.env.now + 1, "通过", how))

    sim.arrivals(dt.date(2024, 1, 1), dt.date(2024, 12, 31), 10.5, {"窗口": 0.35, "网上": 0.45, "移动端": 0.2},
                 "SP", case_process)
    sim.env.run(until=clock.day_start(len(clock.days) - 1))
    return sim.cases, clock


# 建设工程施工许可证核发 ---------------------------------------------------------------------------

CON_CENTRE = "市政务服务中心工程建设项目审批窗口"
CON_SECTION = "住房和城乡建设局建筑市场监管科"
CON_FIRE = "住房和城乡建设局消防审验科"
CON_CIVIL_DEFENCE = "人民防空办公室"
CON_PLANNING = "自然资源和规划局"
CON_BUREAU = "住房和城乡建设局"


def construction_permit(seed: int = CONSTRUCTION_SEED) -> tuple[list[Case], WorkClock]:
    clock = WorkClock(WorkCalendar(), dt.date(2023, 7, 1), dt.date(2025, 6, 30))
    sim = Simulation(seed, clock)
    window = sim.pool(["窗口B01 郑洁", "窗口B02 冯涛", "窗口B03 陈晨"])
    online = sim.pool(["网审岗 林琳", "网审岗 高远"])
    clerks = sim.pool(["韩冰", "唐亮", "许静"])
    fire = sim.pool(["邓超", "曹敏"])
    civil_defence = sim.pool(["彭飞"])
    planning = sim.pool(["曾雪", "萧然"])
    chiefs = sim.pool(["田志强"])
    leader = sim.pool(["董立新"])
    sessions = sim.leader_sessions(0.06, 0.25)

    def review(case: Case, activity: str, pool: simpy.Store, department: str, median_days: float,
               p_return: float) -> Generator:
        returned = False
        while True:
            yield sim.env.timeout(sim.days(median_days, 0.8, 0.08))
            if not returned and sim.chance(p_return):
                returned = True
                yield from sim.step(case, activity, pool, department, sim.lognormal(60, 0.5), "退回")
                yield from sim.applicant(case, "补正材料", 2)
                continue
            yield from sim.step(case, activity, pool, department, sim.lognormal(60, 0.5))
            return

    def case_process(case: Case) -> Generator:
        for round_no in range(3):
            if case.channel == "窗口":
                pool, minutes = window, sim.lognormal(25, 0.35)
            else:
                yield sim.env.timeout(sim.lognormal(70, 0.9, 0.05))
                pool, minutes = online, sim.lognormal(15, 0.4)
            if round_no < 2 and sim.chance(0.22 if round_no == 0 else 0.1):
                yield from sim.step(case, "受理", pool, CON_CENTRE, minutes, "退回")
                yield from sim.applicant(case, "补正材料", 2.5)
                continue
            yield from sim.step(case, "受理", pool, CON_CENTRE, minutes)
            break
        first = True
        while True:
            yield sim.env.timeout(sim.days(0.3, 0.7, 0.05))
            yield from sim.step(case, "初审", clerks, CON_SECTION, sim.lognormal(50, 0.5))
            if first:  # 并联审查: branches start together; 审核 waits for all of them
                first = False
                branches = [sim.env.process(review(case, "规划核验", planning, CON_PLANNING, 0.4, 0.03))]
                if sim.chance(0.85):
                    branches.append(sim.env.process(review(case, "消防设计审查", fire, CON_FIRE, 0.5, 0.08)))
                if sim.chance(0.6):
                    branches.append(sim.env.process(
                        review(case, "人防审查", civil_defence, CON_CIVIL_DEFENCE, 0.6, 0.05)))
                yield sim.env.all_of(branches)
            yield sim.env.timeout(sim.days(0.3, 0.7, 0.05))
            if sim.chance(0.04):
                yield from sim.step(case, "审核", chiefs, CON_SECTION, sim.lognormal(20, 0.4), "退回")
                continue
            yield from sim.step(case, "审核", chiefs, CON_SECTION, sim.lognormal(20, 0.4))
            break
        yield sim.until_session(sessions)
        yield from sim.step(case, "审批", leader, CON_BUREAU, sim.lognormal(5, 0.3))
        how = sim.choice({"电子证照": 0.7, "窗口领取": 0.3})
        if how == "窗口领取":
            yield sim.env.timeout(sim.days(1.2, 0.8, 0.06))
            yield from sim.step(case, "发证", window, CON_CENTRE, sim.lognormal(6, 0.3), delivery=how)
        else:
            yield sim.env.timeout(sim.days(0.1, 0.6, 0.02))
            yield from sim.step(case, "发证", window, CON_CENTRE, sim.lognormal(3, 0.3), delivery=how)

    sim.arrivals(dt.date(2023, 7, 1), dt.date(2024, 12, 31), 6.2, {"窗口": 0.25, "网上": 0.75},
                 "JS", case_process)
    sim.env.run(until=clock.day_start(len(clock.days) - 1))
    return sim.cases, clock


# 公共场所卫生许可, with a planted reform ------------------------------------------------------

PH_CENTRE = "市政务服务中心卫生健康窗口"
PH_SECTION = "卫生健康委员会行政审批科"
PH_SUPERVISION = "卫生健康综合监督执法队"
PH_BUREAU = "卫生健康委员会"
#: the clerk whose cases are rated worse (what an 整改清单 should find)
PH_RUDE_CLERK = "窗口C03 钱伟"
RATINGS_GOOD = {"非常满意": 0.55, "满意": 0.35, "基本满意": 0.10}
RATINGS_BAD = {"不满意": 0.7, "非常不满意": 0.3}


def public_health(seed: int = PUBLIC_HEALTH_SEED) -> tuple[list[Case], WorkClock, dict[str, str]]:
    """公共场所卫生许可 from 2023-07 to 2025-06 with the reform of REFORM_DATE (see the module
    docstring); returns the cases, the clock and case id -> 满意度 (rated cases only)."""
    clock = WorkClock(WorkCalendar(), dt.date(2023, 7, 1), dt.date(2025, 12, 31))
    sim = Simulation(seed, clock)
    reform = clock.day_start(next(i for i, d in enumerate(clock.days) if d >= REFORM_DATE))
    window = sim.pool(["窗口C01 郑丽", "窗口C02 丁凯", PH_RUDE_CLERK])
    online = sim.pool(["网审岗 罗敏", "网审岗 梁宇"])
    clerks = sim.pool(["邵华", "蒋琪", "韦东"])
    inspectors = sim.pool(["沈涛", "严俊", "彭丽", "廖斌", "贺婷"])
    chiefs = sim.pool(["范文"])
    leader = sim.pool(["袁志刚"])
    mailroom = sim.pool(["寄递岗 龚雪"])
    sessions = sim.leader_sessions(0.02, 0.5)  # the deputy signs electronically: short, rare absences
    ratings: dict[str, str] = {}

    def accept(case: Case, after: bool) -> Generator:
        for round_no in range(3):
            if case.channel == "窗口":
                pool, minutes = window, sim.lognormal(15, 0.35)
            else:  # 网上, 掌上, 自助终端 and mailed (快递) applications are checked online
                yield sim.env.timeout(sim.lognormal(90, 0.9, 0.05))
                pool, minutes = online, sim.lognormal(8, 0.4)
            if round_no == 0:
                p_return = (0.05 if case.channel == "窗口" else 0.08) if after else \
                    (0.14 if case.channel == "窗口" else 0.26)
            else:
                p_return = 0.03 if after else 0.08
            if round_no < 2 and sim.chance(p_return):
                yield from sim.step(case, "受理", pool, PH_CENTRE, minutes, "退回")
                yield from sim.applicant(case, "补正材料", 1.5)
                continue
            yield from sim.step(case, "受理", pool, PH_CENTRE, minutes)
            return

    def rate(case: Case, began: float) -> None:
        """满意度 once the case is done: worse when slow, sent back, collected at the counter, or
        served by the planted clerk; a quarter of applicants do not rate."""
        slow = (sim.env.now - began) / clock.day_minutes > 5
        returned = any(e.action == "退回" for e in case.events)
        collected = any(e.delivery == "窗口领取" for e in case.events)
        rude = any(e.resource == PH_RUDE_CLERK for e in case.events)
        p_bad = 0.02 + 0.12 * slow + 0.08 * returned + 0.05 * collected + 0.15 * rude
        if sim.chance(0.25):
            return
        ratings[case.id] = sim.choice(RATINGS_BAD) if sim.chance(p_bad) else sim.choice(RATINGS_GOOD)

    def case_process(case: Case) -> Generator:
        began = sim.env.now
        after = began >= reform
        yield from accept(case, after)
        yield sim.env.timeout(sim.days(0.6 if after else 1.2, 0.8, 0.06))  # the wait the reform halved
        yield from sim.step(case, "审查", clerks, PH_SECTION, sim.lognormal(35, 0.5))
        if not after:  # 告知承诺制 moved the on-site check after the licence and merged 审核 into 决定
            yield sim.env.timeout(sim.days(1.5, 0.7, 0.08))  # appointment with the applicant
            if sim.chance(0.08):
                yield from sim.step(case, "现场审查", inspectors, PH_SUPERVISION, sim.lognormal(100, 0.4), "退回")
                yield from sim.applicant(case, "补正材料", 3)
                yield sim.env.timeout(sim.days(0.8, 0.6, 0.05))
            yield from sim.step(case, "现场审查", inspectors, PH_SUPERVISION, sim.lognormal(100, 0.4))
            yield sim.env.timeout(sim.days(0.5, 0.8, 0.05))
            yield from sim.step(case, "审核", chiefs, PH_SECTION, sim.lognormal(15, 0.4))
        yield sim.until_session(sessions)
        yield from sim.step(case, "决定", leader, PH_BUREAU, sim.lognormal(5, 0.3))
        if case.channel == "窗口":
            options = ({"窗口领取": 0.3, "邮寄送达": 0.4, "电子证照": 0.3} if after
                       else {"窗口领取": 0.6, "邮寄送达": 0.4})
        else:
            options = ({"邮寄送达": 0.35, "窗口领取": 0.05, "电子证照": 0.6} if after
                       else {"邮寄送达": 0.55, "窗口领取": 0.3, "电子证照": 0.15})
        how = sim.choice(options)
        if how == "窗口领取":
            yield sim.env.timeout(sim.days(1.5, 0.9, 0.08))
            yield from sim.step(case, "送达", window, PH_CENTRE, sim.lognormal(5, 0.3), delivery=how)
        elif how == "邮寄送达":
            yield sim.env.timeout(sim.days(0.15, 0.6, 0.02))
            yield from sim.step(case, "送达", mailroom, PH_CENTRE, sim.lognormal(8, 0.3), delivery=how)
        else:
            case.events.append(Event(case.id, "送达", "系统自动", PH_CENTRE, sim.env.now, sim.env.now + 1, "通过", how))
        rate(case, began)

    sim.arrivals(dt.date(2023, 7, 1), REFORM_DATE - dt.timedelta(days=1), 8.5,
                 {"窗口": 0.42, "网上": 0.33, "掌上": 0.15, "自助终端": 0.05, "快递": 0.05}, "WS", case_process)
    before = sim.cases
    sim.arrivals(REFORM_DATE, dt.date(2025, 6, 13), 8.5,
                 {"窗口": 0.2, "网上": 0.44, "掌上": 0.3, "自助终端": 0.04, "快递": 0.02}, "WS", case_process)
    sim.cases = before + sim.cases
    sim.env.run(until=clock.day_start(len(clock.days) - 1))
    return sim.cases, clock, ratings


PH_HEADER = ["办件编号", "实施编码", "事项名称", "办理渠道", "环节名称", "环节处理人", "办理部门", "环节开始时间",
             "环节结束时间", "业务动作", "送达方式", "满意度"]


def rated_rows(cases: list[Case], clock: WorkClock, code: str, name: str, ratings: dict[str, str],
               cutoff: dt.datetime) -> list[list]:
    """Like `rows`, with the case's 满意度 on each of its rows (blank until rated: a case rated
    after the cut-off, or not at all, has none)."""
    complete = {c.id for c in cases
                if c.events and all(clock.to_datetime(e.end).replace(microsecond=0) <= cutoff for e in c.events)}
    return [[*row, ratings.get(row[0], "") if row[0] in complete else ""]
            for row in rows(cases, clock, code, name, cutoff)]


def write_csv_utf8(table: list[list], path: Path, header: list[str]) -> None:
    """UTF-8 with a byte-order mark and CRLF, as Excel's "CSV UTF-8" saves it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in table:
        writer.writerow([v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, dt.datetime) else v for v in row])
    with atomic_output(path, "wb") as fh:
        fh.write(buffer.getvalue().encode("utf-8-sig"))


# Output ----------------------------------------------------------------------------------------

def rows(cases: list[Case], clock: WorkClock, code: str, name: str, cutoff: dt.datetime = CUTOFF) -> list[list]:
    """Event rows cut at `cutoff`, times rounded down to the second, sorted by case then time."""
    out = []
    for case in cases:
        for e in sorted(case.events, key=lambda e: (e.end, e.start)):
            start = clock.to_datetime(e.start).replace(microsecond=0)
            end = clock.to_datetime(e.end).replace(microsecond=0)
            if end > cutoff:
                continue
            out.append([case.id, code, name, case.channel, e.activity, e.resource, e.department, start, end,
                        e.action, e.delivery])
    return out


def write_csv_gbk(table: list[list], path: Path) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in table:
        writer.writerow([v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, dt.datetime) else v for v in row])
    with atomic_output(path, "wb") as fh:
        fh.write(buffer.getvalue().encode("gbk"))


def write_xlsx(table: list[list], path: Path) -> None:
    """Write-only workbook; dates as Excel date cells shown as '2024/3/5 9:31', bold header."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("办件过程记录")
    ws.freeze_panes = "A2"
    for col, width in (("A", 16), ("B", 34), ("C", 22), ("E", 14), ("F", 14), ("G", 30), ("H", 17), ("I", 17)):
        ws.column_dimensions[col].width = width
    bold = Font(bold=True)
    header = []
    for name in HEADER:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in table:
        cells = []
        for value in row:
            if isinstance(value, dt.datetime):
                value = WriteOnlyCell(ws, value=value.replace(second=0))
                value.number_format = "yyyy/m/d h:mm"
            cells.append(value)
        ws.append(cells)
    wb.properties.creator = "工程建设项目审批管理系统"
    wb.properties.created = wb.properties.modified = dt.datetime(2025, 1, 2, 9, 0)
    with atomic_path(path) as tmp:
        wb.save(tmp)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "logs", help="output folder")
    args = parser.parse_args(argv)
    catalogue = build_catalogue()
    food = catalogue.find("食品经营许可")
    permit = catalogue.find("建设工程施工许可证核发")
    cases, clock = food_licence()
    food_rows = rows(cases, clock, food.code, food.name)
    write_csv_gbk(food_rows, args.out / "food_licence.csv")
    cases, clock = construction_permit()
    permit_rows = rows(cases, clock, permit.code, permit.name)
    write_xlsx(permit_rows, args.out / "construction_permit.xlsx")
    health = catalogue.find("公共场所卫生许可")
    cases, clock, ratings = public_health()
    health_rows = rated_rows(cases, clock, health.code, health.name, ratings, PUBLIC_HEALTH_CUTOFF)
    write_csv_utf8(health_rows, args.out / "public_health_reform.csv", PH_HEADER)
    for name, table in (("food_licence.csv", food_rows), ("construction_permit.xlsx", permit_rows),
                        ("public_health_reform.csv", health_rows)):
        print(f"{name}: {len({r[0] for r in table})} cases, {len(table)} events")


if __name__ == "__main__":
    main()
