"""Every rule fires on a crafted positive and stays silent on a negative; the YAML rules file."""

from __future__ import annotations

import pytest

from bpr.analyse.rules import REGISTRY, RuleSet, is_catch_all, load_rules
from bpr.errors import InputError, UsageError
from bpr.model import Catalogue, HandlingType, Material, MaterialForm
from tests.analyse._catalogue_builders import matter, steps

OK_STEPS = steps(("受理", "1个工作日"), ("审查", "3个工作日"), ("决定", "1个工作日"))

#: rule id -> (positive, negative): matters (or catalogues for catalogue rules)
CASES = {
    "immediate_type": (
        matter(promised_limit="即办", handling_type=HandlingType.PROMISED),
        matter(promised_limit="即办", handling_type=HandlingType.IMMEDIATE)),
    "immediate_type_with_limit": (
        matter(promised_limit="5个工作日", handling_type=HandlingType.IMMEDIATE),
        matter(promised_limit="5个工作日", handling_type=HandlingType.PROMISED)),
    "promised_over_legal": (
        matter(legal_limit="20个工作日", promised_limit="1个月"),  # 22 > 20
        matter(legal_limit="1个月", promised_limit="20个工作日")),
    "steps_over_promised": (
        matter(promised_limit="4个工作日", steps=OK_STEPS),  # 1 + 3 + 1 = 5 > 4
        matter(promised_limit="5个工作日", steps=OK_STEPS)),
    "visits_without_reason": (
        matter(visits=1),
        matter(visits=1, visit_reason="核验原件")),
    "zero_visits_no_mail": (
        matter(visits=0, online=False, mail=False),
        matter(visits=0, online=False, mail=True)),
    "full_online_visits": (
        matter(online_depth=4, visits=1),
        matter(online_depth=4, visits=0)),
    "licence_steps": (
        matter(matter_type="行政许可", steps=steps("受理", "决定")),
        matter(matter_type="行政许可", steps=steps("窗口受理", "科室初审", "局长审批"))),
    "catch_all_material": (
        matter(materials=[Material("身份证"), Material("其他相关材料")]),
        matter(materials=[Material("身份证"), Material("其他部门出具的营业执照")])),
    "fee_online_payment": (
        matter(fee=False, online_payment=True),
        matter(fee=True, online_payment=True)),
    "compression_target": (
        matter(legal_limit="20个工作日", promised_limit="15个工作日"),  # 75% > 50%
        matter(legal_limit="20个工作日", promised_limit="10个工作日")),  # exactly 50%
    "material_no_basis": (
        matter(materials=[Material("身份证", basis="《条例》第5条"), Material("申请书")]),
        matter(materials=[Material("身份证", basis="《条例》第5条")])),
    "paper_copies": (
        matter(materials=[Material("平面图", copies=3, form=MaterialForm.PAPER)]),
        matter(materials=[Material("平面图", copies=3, form=MaterialForm.ELECTRONIC),
                          Material("申请书", copies=2, form=MaterialForm.PAPER)])),
    "online_depth_low": (
        matter(online=True, online_depth=1),
        matter(online=True, online_depth=2)),
    "missing_result_name": (
        matter(result_name=" "),
        matter(result_name="食品经营许可证")),
    "visits_over_target": (
        matter(visits=2),
        matter(visits=1)),
    "unknown_promised_limit": (
        matter(promised_limit="尽快"),
        matter(promised_limit="无期限")),
    "promised_unlimited": (
        matter(legal_limit="20个工作日", promised_limit="无"),
        matter(legal_limit="无", promised_limit="无")),
    "duplicate_code": (
        Catalogue([matter("甲", code="X1", source_row=3), matter("乙", code="X1", source_row=9),
                   matter("丙", code="X2")]),
        Catalogue([matter("甲", code="X1"), matter("乙", code="X2")])),
}


def test_every_registered_rule_has_a_case():
    assert set(CASES) == set(REGISTRY)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_positive_and_not_on_negative(rule_id):
    rule = REGISTRY[rule_id]
    positive, negative = CASES[rule_id]
    found = rule.check(positive)
    assert found, f"{rule_id} silent on its positive case"
    assert rule.check(negative) == [], f"{rule_id} fired on its negative case"
    for f in found:
        assert f.rule == rule_id and f.severity in {"error", "warning", "info"}
        assert f.message and f.message_en and "{" not in f.message + f.message_en
        assert f.field and f.matter


def test_evidence_names_matter_field_and_value():
    (f,) = REGISTRY["catch_all_material"].check(CASES["catch_all_material"][0])
    assert (f.matter, f.code, f.field, f.value) == ("测试事项", "测试事项", "materials[1].name", "其他相关材料")
    dup = REGISTRY["duplicate_code"].check(CASES["duplicate_code"][0])
    # the value is the code alone, in any language; each finding carries its own sheet row
    assert [d.matter for d in dup] == ["甲", "乙"] and [d.row for d in dup] == [3, 9]
    assert len({d.value for d in dup}) == 1 and "row" not in dup[0].value
    (s,) = REGISTRY["steps_over_promised"].check(CASES["steps_over_promised"][0])
    assert s.value == "5 > 4"


@pytest.mark.parametrize("name", ["其他相关材料", "其他材料", "相关证明材料", "其它需要提交的材料",
                                  "身份证、户口簿等材料", "法律法规规定的其他材料", "有关材料"])
def test_catch_all_names(name):
    assert is_catch_all(name)


@pytest.mark.parametrize("name", ["营业执照", "无犯罪记录证明", "卫生许可证复印件", "相关人员身份证明",
                                  "与食品经营相适应的主要设备设施布局、操作流程等文件"])
def test_specific_names_are_not_catch_all(name):
    assert not is_catch_all(name)


def test_parallel_steps_count_along_the_longest_chain():
    from bpr.model import Step, TimeLimit

    def step(name, days, after):
        return Step(name, limit=TimeLimit.parse(days), after=after)

    # 受理 1 → (审查A 3 ∥ 审查B 2) → 决定 1: longest chain 1 + 3 + 1 = 5 (the plain sum would be 7)
    parallel = [step("受理", "1个工作日", []), step("审查A", "3个工作日", ["受理"]), step("审查B", "2个工作日", ["受理"]),
                step("决定", "1个工作日", ["审查A", "审查B"])]
    rule = REGISTRY["steps_over_promised"]
    assert rule.check(matter(promised_limit="5个工作日", steps=parallel)) == []
    (f,) = rule.check(matter(promised_limit="4个工作日", steps=parallel))
    assert f.value == "5 > 4"


def test_run_orders_matter_rules_then_catalogue_rules():
    cat = Catalogue([matter("甲", code="X", visits=3, result_name="证"), matter("乙", code="X", result_name="证")])
    rules = RuleSet().configure({"unknown_promised_limit": False})
    ids = [f.rule for f in rules.run(cat)]
    assert ids == ["visits_without_reason", "visits_over_target", "duplicate_code", "duplicate_code"]


def test_yaml_switches_off_and_changes_thresholds(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("disable: [missing_result_name]\n"
                    "rules:\n"
                    "  compression_target: {max_ratio: 0.8}\n"
                    "  visits_over_target: {severity: info, max_visits: 0}\n"
                    "  paper_copies: false\n", encoding="utf-8")
    rules = load_rules(path)
    assert not rules.get("missing_result_name").enabled and not rules.get("paper_copies").enabled
    assert rules.get("compression_target").params == {"max_ratio": 0.8}
    m = matter(legal_limit="20个工作日", promised_limit="15个工作日", visits=1, result_name="")
    found = {f.rule: f for f in rules.run(Catalogue([m]))}
    assert "compression_target" not in found  # 75% ≤ 80%
    assert "missing_result_name" not in found
    assert found["visits_over_target"].severity == "info"  # 1 > 0 now
    assert "80%" in rules.get("compression_target").check(
        matter(legal_limit="10个工作日", promised_limit="9个工作日"))[0].message
    assert REGISTRY["compression_target"].params == {"max_ratio": 0.5}  # the registry is untouched


@pytest.mark.parametrize("text, words", [
    ("disable: [no_such_rule, missing_result_name, other_typo]\n", ["no_such_rule", "other_typo"]),
    ("rules:\n  bogus: {enabled: false}\n", ["bogus"]),
    ("rules:\n  compression_target: {max_rate: 0.6}\n", ["max_rate"]),
    ("rules:\n  compression_target: {max_ratio: high}\n", ["max_ratio"]),
    ("rules:\n  compression_target: {severity: fatal}\n", ["fatal"]),
    ("colour: red\n", ["colour"]),
])
def test_yaml_mistakes_are_usage_errors(tmp_path, text, words):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        load_rules(path)
    message = str(info.value)
    assert str(path) in message and all(w in message for w in words)


def test_yaml_syntax_error_is_input_error(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("rules: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError):
        load_rules(path)
