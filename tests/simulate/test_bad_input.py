"""Scenarios and logs that cannot be simulated: one clear UsageError/InputError, exit code 2."""

from __future__ import annotations

import pandas as pd
import pytest

from bpr.cli import main
from bpr.errors import InputError, UsageError
from bpr.model.eventlog import EventLog
from bpr.simulate import MIN_CASES, Scenario, apply_scenario, discover_model, load_scenarios
from bpr.simulate.model import SimulationModel

from ._models import sequence


def test_removing_every_step():
    with pytest.raises(UsageError, match="removes every step"):
        apply_scenario(sequence({"A": 1.0, "B": 2.0}), Scenario.from_dict({"remove": ["A", "B"]}))


def test_zero_staff_in_a_pool_with_work():
    with pytest.raises(UsageError, match="zero staff.*pool"):
        apply_scenario(sequence({"A": 1.0}), Scenario.from_dict({"staffing": {"pool": 0}}))
    with pytest.raises(UsageError, match="zero staff"):
        apply_scenario(sequence({"A": 1.0}), Scenario.from_dict({"staffing": {"A": "-1000"}}))


def test_unknown_step_lists_unknown_and_known():
    with pytest.raises(UsageError) as info:
        apply_scenario(sequence({"受理": 1.0, "审查": 2.0}), Scenario.from_dict({"remove": ["审核", "发证"]}))
    text = str(info.value)
    assert "审核" in text and "发证" in text and "Known steps: 受理, 审查" in text


def test_step_unreachable_after_change():
    # 补正 is reached only by rework; removing all rework strands it
    model = sequence({"受理": 1.0, "审查": 2.0, "补正": 1.0})
    model.transitions = {"受理": {"审查": 1.0}, "审查": {"__end__": 0.7, "补正": 0.3}, "补正": {"受理": 1.0}}
    model.rework_edges = [("补正", "受理")]
    with pytest.raises(UsageError, match="can no longer be reached: 补正"):
        apply_scenario(model, Scenario.from_dict({"rework": [{"to": "补正", "factor": 0}]}))
    # saying so explicitly is fine
    apply_scenario(model, Scenario.from_dict({"rework": [{"to": "补正", "factor": 0}], "remove": ["补正"]}))


def _tiny_log(cases: int) -> EventLog:
    rows = []
    for c in range(cases):
        t = pd.Timestamp("2024-03-04 09:00", tz="Asia/Shanghai") + pd.Timedelta(hours=c)
        rows += [{"case": f"c{c}", "activity": "受理", "timestamp": t},
                 {"case": f"c{c}", "activity": "审查", "timestamp": t + pd.Timedelta(hours=2)}]
    return EventLog.from_frame(pd.DataFrame(rows))


def test_log_too_small_names_the_minimum():
    with pytest.raises(InputError, match=f"at least {MIN_CASES}"):
        discover_model(_tiny_log(MIN_CASES - 1))
    discover_model(_tiny_log(MIN_CASES))


def test_bad_scenario_file(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nremvoe: [A]\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown keys"):
        load_scenarios(path)


def scenario_error(tmp_path, capsys, scenario_text: str) -> str:
    """`bpr simulate` of a small log with this scenario: exit 2 and one line on stderr, returned."""
    log = tmp_path / "log.csv"
    _tiny_log(40).to_pandas()[["case", "activity", "timestamp"]].to_csv(log, index=False)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(scenario_text, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", str(log), "--scenario", str(scenario), "--cases", "20", "--replications", "1",
              "-o", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_cli_exit_code_2_one_line(tmp_path, capsys):
    assert "删除了全部环节" in scenario_error(tmp_path, capsys, "name: x\nremove: [受理, 审查]\n")
    assert not (tmp_path / "out" / "result.json").exists()


def test_a_yaml_alias_bomb_in_a_scenario_gets_a_short_error(tmp_path):
    levels = ["&a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"&{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("name: bomb\nrework:\n  - [" + ", ".join(levels) + "]\n", encoding="utf-8")
    with pytest.raises(InputError, match="alias") as info:  # refused by the one YAML loader before 9**9 items are built
        load_scenarios(path)
    assert len(str(info.value)) < 300


def test_visits_are_unknown_without_on_site_evidence():
    rows = []
    for c in range(60):
        t = pd.Timestamp("2024-03-04 09:00", tz="Asia/Shanghai") + pd.Timedelta(hours=3 * c)
        rows += [{"case": f"c{c}", "activity": "Declaration SUBMITTED", "timestamp": t},
                 {"case": f"c{c}", "activity": "Payment Handled", "timestamp": t + pd.Timedelta(hours=26)}]
    model = discover_model(EventLog.from_frame(pd.DataFrame(rows)))
    assert model.visits_known is False and "note_visits_no_evidence" in [n.id for n in model.notes]
    assert SimulationModel.from_dict(model.to_dict()).visits_known is False
