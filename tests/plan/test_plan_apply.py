"""Plan round trip: propose → YAML → edit accepted flags → apply → before/after, hand-computed."""

from __future__ import annotations

import copy
import re

import pytest

from bpr.errors import InputError, UsageError
from bpr.measure import Targets, compare, load_targets
from bpr.plan import apply, apply_proposals, propose, read_plan, write_plan
from bpr.plan.apply import resolve_plan
from tests.plan.handmade import catalogue

REJECT = ("S-F001-002", "V-F001-002")  # parallel, collect


def edited_plan(tmp_path, reject=REJECT):
    cat = catalogue()
    path = tmp_path / "plan.yaml"
    write_plan(path, propose(cat), catalogue="handmade.xlsx")
    text = path.read_text(encoding="utf-8")
    for pid in reject:  # what a consultant does in an editor
        text = re.sub(rf"(- id: {pid}\n(?:    .*\n)*?    accepted: )true", r"\1false", text)
    path.write_text(text, encoding="utf-8")
    return cat, read_plan(path)


def test_plan_yaml_is_readable_and_commented(tmp_path):
    cat, plan = edited_plan(tmp_path)
    text = (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    assert text.startswith("# bpr 改革方案") and "accepted: true（采纳）" in text
    assert "# ── 食品经营许可 (F001) ──" in text
    assert len(plan.items) == len(propose(cat))
    assert sorted(i.id for i in plan.items if not i.accepted) == sorted(REJECT)


def test_round_trip_before_after_hand_computed(tmp_path):
    cat, plan = edited_plan(tmp_path)
    before = copy.deepcopy(cat)
    after = apply(cat, plan)
    assert cat == before  # pure
    result = compare(cat, after, Targets())
    food, small = (c.to_dict() for c in result.matters)
    # 食品经营许可: materials 9 − (3 shared, 1 commitment, 1 removed, 1 duplicate) = 3;
    # steps 7 − 1 (levels merged) − 1 (送达 dropped) = 5; critical path 1 + 3 + 4 + 4 + 1 = 13;
    # the one time proposal: min(20 × 0.5 = 10, 16 − freed 3 = 13) = 10 < 13, so the step limits are
    # re-balanced by 10/13 in half days rounded down: 1→0.5, 3→2, 4→3, 4→3, 1→0.5, path 9 ≤ 10;
    # visits: trips [提交] [核查+领取], 提交 removed → 1 (领取 rejected, and it shares a trip with 核查).
    assert food["before"] == {"steps": 7, "materials": 9, "promised_days": 16, "critical_path_days": 16, "visits": 2}
    assert food["after"] == {"steps": 5, "materials": 3, "promised_days": 10, "critical_path_days": 9, "visits": 1}
    limits = {s.name: s.limit.to_working_days() for s in after.matters[0].steps}
    assert limits == {"窗口受理": 0.5, "科室初审": 2, "现场核查": 3, "消防审查": 3, "审批决定": 0.5}
    # 个体工商户变更登记: 居住证明 → commitment; 受理/审核/决定 → one step of 0 days; promise 3 → 0 (即办)
    assert small["after"] == {"steps": 1, "materials": 1, "promised_days": 0, "critical_path_days": 0, "visits": 1}
    whole = result.catalogue.to_dict()
    assert whole["before"] == {"steps": 10, "materials": 11, "promised_days": 19, "critical_path_days": 19, "visits": 3}
    assert whole["after"] == {"steps": 6, "materials": 4, "promised_days": 10, "critical_path_days": 9, "visits": 2}
    assert whole["cut_pct"]["materials"] == round(7 / 11 * 100, 2)
    met = {t["id"]: t["met"] for t in whole["targets"]}
    assert met == {"time_cut": False, "materials_cut": True, "max_visits": True, "zero_visits": False}
    # over the catalogue a visit target's figure is the share of matters meeting it (both 1 visit);
    # for one matter it is that matter's visits
    visits = {t["id"]: (t["actual"], t["measure"]) for t in whole["targets"] if "visits" in t["id"]}
    assert visits == {"max_visits": (1.0, "share"), "zero_visits": (0.0, "share")}
    visits = {t["id"]: (t["actual"], t["measure"], t["met"]) for t in food["targets"] if "visits" in t["id"]}
    assert visits == {"max_visits": (1.0, "visits", True), "zero_visits": (1.0, "visits", False)}
    assert after.matters[1].handling_type.value == "1"  # 即办件


def test_accepting_everything_frees_more_days(tmp_path):
    cat, plan = edited_plan(tmp_path, reject=())
    food = compare(cat, apply(cat, plan)).matters[0].to_dict()["after"]
    # parallel too: critical path 1 + max(3 + 4, 4) + 1 = 9; compression to 10 and freed days to 9 → 9
    assert food == {"steps": 5, "materials": 3, "promised_days": 9, "critical_path_days": 9, "visits": 1}


def test_apply_twice_is_apply_once(tmp_path):
    cat, plan = edited_plan(tmp_path)
    once = apply(cat, plan)
    assert apply(cat, plan) == once
    accepted = [p for p in resolve_plan(cat, plan) if p.accepted]
    assert apply_proposals(once, accepted) == once


def test_rejecting_everything_changes_nothing(tmp_path):
    cat, plan = edited_plan(tmp_path, reject=[p.id for p in propose(catalogue())])
    assert compare(cat, apply(cat, plan)).catalogue.cut() == dict.fromkeys(
        ("steps", "materials", "promised_days", "critical_path_days", "visits"), 0)


def test_unknown_ids_and_matters_are_listed(tmp_path):
    cat, _ = edited_plan(tmp_path)
    path = tmp_path / "plan.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("M-F001-001", "M-F001-901").replace("S-G002-001", "S-G002-902"), encoding="utf-8")
    with pytest.raises(UsageError) as info:
        apply(cat, read_plan(path))
    assert info.value.details == ["M-F001-901", "S-G002-902"]
    path.write_text(text.replace("matter: 个体工商户变更登记", "matter: 不存在的事项"), encoding="utf-8")
    with pytest.raises(UsageError) as info:
        apply(cat, read_plan(path))
    assert info.value.details == ["不存在的事项"]


@pytest.mark.parametrize(("text", "message"), [
    ("proposals:\n  - id: M-1\n    matter: [unclosed\n", "not valid YAML"),
    ("just text", "not a bpr plan"),
    ("proposals:\n  - id: M-1\n    matter: x\n    accepted: maybe\n", "accepted is 'maybe'"),
    ("proposals:\n  - id: M-1\n    matter: x\n", "lacks accepted"),
    ("proposals:\n  - {id: M-1, matter: x, accepted: true}\n  - {id: M-1, matter: x, accepted: false}\n",
     "more than once"),
    ("options: {speed: 3}\nproposals: []\n", "unknown options"),
])
def test_bad_plans(tmp_path, text, message):
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises((InputError, UsageError), match=message) as info:
        read_plan(path)
    assert str(path) in str(info.value)


def test_bad_plan_error_names_the_line(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("proposals:\n  - id: A\n    matter: x\n    accepted: true\n  - id: B\n    matter: x\n"
                    "    accepted: perhaps\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_plan(path)
    assert info.value.row == 5 and info.value.column == "accepted"


def test_targets_file(tmp_path):
    path = tmp_path / "targets.yaml"
    path.write_text("time_cut: 0.3\nmaterials_cut: null\nmax_visits: 0\nzero_visits: false\n", encoding="utf-8")
    targets = load_targets(path)
    assert targets == Targets(time_cut=0.3, materials_cut=None, max_visits=0, zero_visits=False)
    cat, plan = edited_plan(tmp_path)
    met = {t.id: t.met for t in compare(cat, apply(cat, plan), targets).catalogue.targets}
    assert met == {"time_cut": True, "max_visits": False}  # 6/19 = 31.6% ≥ 30%; visits 1 and 1 > 0
    path.write_text("time_cut: 2\n", encoding="utf-8")
    with pytest.raises(InputError, match="time_cut"):
        load_targets(path)
    path.write_text("tiem_cut: 0.5\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_targets(path)
    assert info.value.details == ["tiem_cut"]


def test_bundle_before_separate_after_one_thing(tmp_path):
    from bpr.model import Bundle

    cat, plan = edited_plan(tmp_path, reject=())
    result = compare(cat, apply(cat, plan), bundles=[Bundle("开店一件事", ["F001", "G002"])])
    bundle = result.bundles[0].to_dict()
    # before: members separately (sums). after: the after-state as one thing: materials 申请书 ×2 → one
    # form + 合同 + 制度 = 3; steps: joint 受理 + 初审, 核查, 消防, 决定 = 5 (送达 dropped, G002 is one
    # 受理 step); days: max(9, 0); one visit.
    assert bundle["before"] == {"steps": 10, "materials": 11, "promised_days": 19, "critical_path_days": 19,
                                "visits": 3}
    assert bundle["after"] == {"steps": 5, "materials": 3, "promised_days": 9, "critical_path_days": 9, "visits": 1}
    assert {t["id"]: t["met"] for t in bundle["targets"]}["time_cut"] is True
