"""Critical path on the step graph, checked against hand computation."""

from __future__ import annotations

import pytest

from bpr.errors import InputError
from bpr.model import Matter, Step
from bpr.plan.step_changes import apply_step_changes
from bpr.plan.stepgraph import matter_critical_path
from tests.plan.handmade import food_licence, wd


def test_sequential_critical_path_is_the_sum():
    # 1 + 3 + 2 + 4 + 4 + 1 + 1
    cp = matter_critical_path(food_licence())
    assert cp.days == 16
    assert cp.steps == ["窗口受理", "科室初审", "科长复审", "现场核查", "消防审查", "审批决定", "证照送达"]


def test_diamond_takes_the_longer_branch():
    matter = Matter("m", steps=[Step("A受理", 1, limit=wd(1)), Step("B审查", 2, limit=wd(3), after=["A受理"]),
                                Step("C核查", 3, limit=wd(5), after=["A受理"]),
                                Step("D决定", 4, limit=wd(2), after=["B审查", "C核查"])])
    cp = matter_critical_path(matter)
    assert cp.days == 8 and cp.steps == ["A受理", "C核查", "D决定"]


def test_parallel_change_hand_computed():
    # 受理1 → [市场监管局: 初审3 → 复审2 → 核查4 = 9 | 消防: 4] → 决定1 → 送达1 = 12
    after = apply_step_changes(food_licence(), [{"kind": "parallel",
                                                 "steps": ["科室初审", "科长复审", "现场核查", "消防审查"]}])
    assert matter_critical_path(after).days == 12
    # merge the two levels (max 3) first: 1 + max(3 + 4, 4) + 1 + 1 = 10; drop 送达: 9
    after = apply_step_changes(food_licence(), [
        {"kind": "merge_steps", "steps": ["科室初审", "科长复审"], "into": "科室初审", "days": 3},
        {"kind": "parallel", "steps": ["科室初审", "科长复审", "现场核查", "消防审查"]},
        {"kind": "drop_step", "step": "证照送达"}])
    assert matter_critical_path(after).days == 9
    assert [s.name for s in after.steps] == ["窗口受理", "科室初审", "现场核查", "消防审查", "审批决定"]


def test_duplicate_step_names_stay_apart():
    matter = Matter("m", steps=[Step("审查", 1, limit=wd(2)), Step("审查", 2, limit=wd(3))])
    assert matter_critical_path(matter).days == 5


def test_cycle_and_unknown_predecessor_are_input_errors():
    cycle = Matter("循环", source_row=7, steps=[Step("A", 1, after=["B"]), Step("B", 2, after=["A"])])
    with pytest.raises(InputError, match="cycle") as info:
        matter_critical_path(cycle)
    assert info.value.row == 7
    with pytest.raises(InputError, match="unknown step 'X'"):
        matter_critical_path(Matter("m", steps=[Step("A", 1, after=["X"])]))


def test_fast_path_agrees_with_networkx_graph():
    from bpr.plan.stepgraph import critical_path, step_graph

    matters = [food_licence(),
               apply_step_changes(food_licence(), [{"kind": "parallel",
                                                    "steps": ["科室初审", "科长复审", "现场核查", "消防审查"]}]),
               Matter("m", steps=[Step("A", 1, limit=wd(1)), Step("B", 2, limit=wd(3), after=["A"]),
                                  Step("C", 3, limit=wd(5), after=["A"]), Step("D", 4, limit=wd(2), after=["B", "C"]),
                                  Step("E", 5, limit=wd(9), after=[])])]
    for matter in matters:
        assert matter_critical_path(matter) == critical_path(step_graph(matter))
