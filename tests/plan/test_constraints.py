"""Domain constraints on proposals (issue 13) on hand-made trap matters, read from a generated
xlsx: no forbidden proposal is made, the obvious ones still are, and every after-state passes the
audit with no error its before-state did not have (also on every sample catalogue)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bpr.analyse.rules import RuleSet, load_rules
from bpr.analyse.rules.constraints import CONSTRAINT_REGISTRY, law_kind
from bpr.cli import main
from bpr.io import read_catalogue, write_template
from bpr.model import Catalogue, Channel, Material, Matter, SourceChannel, Step, TimeLimit
from bpr.plan import apply_proposals, propose
from bpr.plan.proposals import ProposalOptions

ROOT = Path(__file__).resolve().parents[2]


def wd(days: float) -> TimeLimit:
    return TimeLimit.parse(f"{days}个工作日") if days else TimeLimit.parse("即办")


def licence_steps(deliver: str = "送达", limits=(1, 5, 2, 1)) -> list[Step]:
    names = ("受理", "审查", "决定", deliver)
    return [Step(n, i + 1, limit=wd(d), on_site=(i == 0 or n in ("领证", "送达")))
            for i, (n, d) in enumerate(zip(names, limits, strict=True))]


def trap_catalogue() -> Catalogue:
    """Eight matters a bureau director would check first (DOMAIN.md, 'Limits on what a reform may propose')."""
    idcard = Matter(
        name="居民身份证换领", code="T01", department="公安局", matter_type="行政确认", result_name="居民身份证",
        legal_basis="《中华人民共和国居民身份证法》第十一条", legal_limit=wd(60), promised_limit=wd(20),
        visits=2, visit_reason="现场采集人像和指纹，领取证件", mail=False, e_licence=True, online_depth=2,
        channels={Channel.WINDOW}, steps=[Step("受理", 1, limit=wd(0), on_site=True), Step("审核", 2, limit=wd(3)),
                                          Step("制证", 3, limit=wd(15)), Step("领证", 4, limit=wd(1), on_site=True)],
        materials=[Material("居民户口簿", source=SourceChannel.GOVERNMENT), Material("其他相关材料")])
    passport = Matter(
        name="普通护照签发", code="T02", department="公安局出入境管理支队", matter_type="行政许可",
        result_name="普通护照", visits=2, visit_reason="首次申领须本人到场，现场采集指纹和人像",
        legal_limit=wd(15), promised_limit=wd(7), mail=False, e_licence=True, online_depth=3,
        channels={Channel.WINDOW, Channel.ONLINE}, steps=licence_steps("制证", (0, 2, 1, 4)),
        materials=[Material("居民身份证原件", source=SourceChannel.GOVERNMENT), Material("近期免冠照片")])
    marriage = Matter(
        name="结婚登记", code="T03", department="民政局", matter_type="行政确认", result_name="结婚证",
        legal_basis="《婚姻登记条例》第四条", legal_limit=wd(0), promised_limit=wd(0), visits=1,
        visit_reason="婚姻登记须双方亲自到婚姻登记机关", mail=False, e_licence=True, online_depth=1,
        steps=[Step("受理", 1, limit=wd(0), on_site=True), Step("审查", 2, limit=wd(0)),
               Step("发证", 3, limit=wd(0), on_site=True)],
        materials=[Material("居民身份证", source=SourceChannel.GOVERNMENT), Material("居民户口簿"),
                   Material("本人无配偶的签字声明")])
    equipment = Matter(
        name="特种设备使用登记", code="T04", department="市场监督管理局", matter_type="行政许可",
        result_name="特种设备使用登记证", legal_basis="《中华人民共和国特种设备安全法》第三十三条",
        legal_limit=wd(15), promised_limit=wd(5), visits=1, visit_reason="提交纸质材料", mail=True,
        steps=licence_steps(limits=(0, 2, 1, 1)),
        materials=[Material("特种设备使用登记表"), Material("营业执照复印件"), Material("监督检验证明"),
                   Material("其他相关材料")])
    chemicals = Matter(
        name="危险化学品经营许可", code="T05", department="应急管理局", matter_type="行政许可",
        result_name="危险化学品经营许可证", legal_basis="《危险化学品安全管理条例》第三十三条",
        legal_limit=wd(30), promised_limit=wd(10), visits=2, visit_reason="现场核查", mail=False,
        steps=[*licence_steps(limits=(0, 4, 1, 1))[:2], Step("现场核查", 3, limit=wd(3), on_site=True),
               Step("决定", 4, limit=wd(1)), Step("送达", 5, limit=wd(1), on_site=True)],
        materials=[Material("营业执照", source=SourceChannel.GOVERNMENT), Material("安全评价报告"),
                   Material("从业人员安全培训合格证明"), Material("经营场所产权证明")])
    full = Matter(  # the step limits fill the promise: a compressed promise must cut them too
        name="建筑垃圾处置核准", code="T06", department="城市管理局", matter_type="行政许可",
        result_name="建筑垃圾处置核准文件", legal_basis="《城市建筑垃圾管理规定》第七条",
        legal_limit=wd(20), promised_limit=wd(15), visits=1, visit_reason="提交纸质材料", mail=True,
        e_licence=True, steps=licence_steps(limits=(1, 10, 3, 1)),
        materials=[Material("营业执照复印件"), Material("无违法犯罪记录证明", basis="《中华人民共和国固体废物污染环境防治法》")])
    return Catalogue([idcard, passport, marriage, equipment, chemicals, full], source="traps")


@pytest.fixture(scope="module")
def traps(tmp_path_factory) -> Catalogue:
    """The trap matters through the tool's own xlsx template and back (the reader is part of the test)."""
    path = tmp_path_factory.mktemp("traps") / "traps.xlsx"
    write_template(path, trap_catalogue())
    return read_catalogue(path)


def by_matter(proposals, code):
    return [p for p in proposals if p.code == code]


def assert_still_made(proposals, code: str) -> None:
    """No proposal of matter `code` drops the making/delivery step or collects the result as an e-licence."""
    mine = by_matter(proposals, code)
    assert not [p for p in mine if p.kind == "drop_delivery"], code
    assert not [p for p in mine if p.change.get("by") == "e_licence"], code


def new_errors(before: Catalogue, after: Catalogue) -> list[tuple]:
    rules = RuleSet()
    old = {(f.rule, f.code) for f in rules.run(before) if f.severity == "error"}
    return sorted((f.rule, f.matter, f.value) for f in rules.run(after)
                  if f.severity == "error" and (f.rule, f.code) not in old)


def test_the_fixture_reads_back_with_legal_basis(traps):
    assert traps.find("T03").legal_basis == "《婚姻登记条例》第四条"
    assert traps.find("T01").result_name == "居民身份证"


def test_physical_results_keep_making_and_mail_instead_of_e_licence(traps):
    withheld: list = []
    proposals = propose(traps, withheld=withheld)
    for code in ("T01", "T02", "T03"):
        assert_still_made(proposals, code)
    idcard = by_matter(proposals, "T01")
    assert [p.change["by"] for p in idcard if p.kind == "visit_collect"] == ["mail"]  # mail the card
    assert any(p.kind == "remove" and p.target == "其他相关材料" for p in idcard)
    dropped = {(w.code, w.target) for w in withheld if w.constraint == "physical_result" and w.kind == "drop_delivery"}
    assert {("T01", "制证"), ("T01", "领证"), ("T02", "制证")} <= dropped
    reason = next(w for w in withheld if w.code == "T01" and w.kind == "drop_delivery")
    assert "居民身份证" in reason.reason and reason.evidence["field"] == "result_name"


def test_in_person_matters_stay_at_one_visit_and_never_go_fully_online(traps):
    withheld: list = []
    proposals = propose(traps, withheld=withheld)
    after = apply_proposals(traps, proposals)
    for code in ("T01", "T02", "T03"):
        assert not [p for p in by_matter(proposals, code) if p.kind == "visit_submit"], code
        matter = after.find(code)
        assert matter.visits >= 1 and (matter.online_depth or 0) < 4, code
        assert any(w.code == code and w.constraint == "in_person" for w in withheld), code
    assert after.find("T01").visits == 1  # 最多跑一次: the card is mailed, the photo is taken on site
    passport = next(w for w in withheld if w.code == "T02" and w.constraint == "in_person")
    assert passport.evidence["field"] in ("name", "visit_reason")


def test_commitment_limits_and_legal_authorisation(traps):
    withheld: list = []
    proposals = propose(traps, withheld=withheld)
    commits = {(p.code, p.target) for p in proposals if p.kind == "commit"}
    assert ("T04", "监督检验证明") not in commits and ("T05", "从业人员安全培训合格证明") not in commits
    why = {(w.code, w.target): w.constraint for w in withheld if w.kind == "commit"}
    assert why[("T04", "监督检验证明")] in ("commitment_third_party_report", "commitment_public_safety")
    assert why[("T05", "从业人员安全培训合格证明")] == "commitment_public_safety"
    # the obvious ones are still made: share 营业执照, remove 其他材料
    assert any(p.kind == "share" and p.target == "营业执照复印件" for p in by_matter(proposals, "T04"))
    assert any(p.kind == "share" and p.target == "营业执照" for p in by_matter(proposals, "T05"))
    assert any(p.kind == "remove" for p in by_matter(proposals, "T04"))
    # a certificate whose requirement a law sets: proposed, marked 需法律授权
    law = next(p for p in proposals if p.code == "T06" and p.kind == "commit")
    assert law.evidence["needs_legal_authorisation"] and "需法律授权" in law.action
    assert "固体废物污染环境防治法" in law.rationale


def test_one_time_proposal_per_matter_and_step_limits_fit_the_cut(traps):
    proposals = propose(traps)
    for matter in traps:
        assert len([p for p in by_matter(proposals, matter.key) if p.dimension == "time"]) <= 1, matter.name
    full = traps.find("T06")
    time = next(p for p in proposals if p.code == "T06" and p.dimension == "time")
    after = apply_proposals(traps, proposals).find("T06")
    # promised 15 → 10 (50% of 20; 送达 dropped frees 1 → 14; the lower wins); steps 1+10+3 = 14 > 10:
    # scaled by 10/14 in half days rounded down: 1→0.5, 10→7, 3→2, path 9.5 ≤ 10
    assert full.promised_limit.to_working_days() == 15 and after.promised_limit.to_working_days() == 10
    assert {s.name: s.limit.to_working_days() for s in after.steps} == {"受理": 0.5, "审查": 7, "决定": 2}
    assert "各环节时限相应压缩" in time.action


def overlap_matter() -> Matter:
    """Rows listed twice (a shared licence, a catch-all, a certificate), two review levels of one
    department beside another department's inspection (merge and parallel both apply)."""
    return Matter(
        name="公共场所卫生许可", code="A1", department="卫生健康委", matter_type="行政许可", result_name="卫生许可证",
        legal_limit=wd(20), promised_limit=wd(15), visits=2, visit_reason="提交材料，领取证件", mail=True,
        e_licence=True,
        steps=[Step("受理", 1, limit=wd(1), on_site=True), Step("初审", 2, limit=wd(3), department="卫生健康委"),
               Step("复审", 3, limit=wd(3), department="卫生健康委"),
               Step("现场核查", 4, limit=wd(3), department="卫生监督所", on_site=True),
               Step("决定", 5, limit=wd(2)), Step("送达", 6, limit=wd(1), on_site=True)],
        materials=[Material("营业执照", source=SourceChannel.GOVERNMENT), Material("营业执照", source=SourceChannel.GOVERNMENT),
                   Material("其他材料"), Material("其他材料"), Material("无犯罪记录证明"), Material("无犯罪记录证明"),
                   Material("场所平面图"), Material("场所平面图")])


def step_names(p) -> list[str]:
    return [p.change["step"]] if "step" in p.change else list(p.change.get("steps") or [])


def graph(matter: Matter) -> dict:
    return {s.name: (sorted(s.after or []), s.limit.to_working_days()) for s in matter.steps}


def contradictions(catalogue: Catalogue, proposals) -> list:
    """What two proposals on one target could disagree about. Two on the same material, time limit
    or visit cause; a step dropped and also merged; step changes whose result depends on their order;
    a result both mailed and an e-licence; a kept duplicate removed by another proposal."""
    from bpr.plan.step_changes import apply_step_changes

    found = []
    for matter, code in ((m, m.key) for m in catalogue):
        mine = by_matter(proposals, code)
        targets = [(p.dimension, p.target) for p in mine if p.dimension in ("materials", "time")]
        targets += [("visits", p.change["cause"]) for p in mine if p.dimension == "visits"]
        found += [(code, "twice", k) for k in set(targets) if targets.count(k) > 1]
        steps = [p for p in mine if p.dimension == "steps"]
        for i, p in enumerate(steps):
            for q in steps[i + 1:]:
                common = set(step_names(p)) & set(step_names(q))
                if not common:
                    continue
                if "drop_step" in (p.change["kind"], q.change["kind"]):
                    found.append((code, "dropped and changed", sorted(common)))
                elif graph(apply_step_changes(matter, [p.change, q.change])) != \
                        graph(apply_step_changes(matter, [q.change, p.change])):
                    found.append((code, "order matters", p.kind, q.kind))
        ways = {p.change["by"] for p in mine if p.kind == "visit_collect"}
        ways |= {"e_licence" if "电子证照" in p.action else "mail" for p in mine if p.kind == "drop_delivery"}
        if len(ways) > 1:
            found.append((code, "result both ways", sorted(ways)))
        keeps = {p.change["keep"] for p in mine if p.kind == "drop_duplicate"}
        removed = {p.target for p in mine if p.kind == "remove"}
        found += [(code, "kept and removed", k) for k in keeps & removed]
    return found


def test_no_two_proposals_contradict_on_one_target(traps):
    for catalogue in (traps, *(read_catalogue(p) for p in SAMPLES)):
        assert contradictions(catalogue, propose(catalogue)) == [], catalogue.source


def test_rows_listed_twice_get_one_proposal_and_overlapping_step_changes_commute():
    catalogue = Catalogue([overlap_matter()])
    proposals = propose(catalogue)
    assert contradictions(catalogue, proposals) == []
    shared = [p for p in proposals if p.kind == "share" and p.target == "营业执照"]
    assert len(shared) == 1 and shared[0].saving["materials"] == -2  # both rows go
    kinds = {p.kind for p in proposals if p.dimension == "steps"}
    assert {"merge_levels", "parallel"} <= kinds  # they overlap on 初审、复审 and compose
    after = apply_proposals(catalogue, proposals).find("A1")
    assert [m.name for m in after.materials if m.submitted and not m.exempt].count("其他材料") == 0
    assert new_errors(catalogue, apply_proposals(catalogue, proposals)) == []


def test_trap_after_state_passes_its_own_audit(traps):
    assert new_errors(traps, apply_proposals(traps, propose(traps))) == []



def test_a_will_is_notarised_in_person_and_a_medical_finding_is_not_promised():
    """Two traps that name neither a card nor a marriage: the testator is questioned face to face
    (《遗嘱公证细则》第五条), and a driver's physical-condition certificate is a doctor's finding, not
    a fact an applicant can promise."""
    will = Matter(
        name="公证（遗嘱）", code="W1", department="公证处", matter_type="公共服务", result_name="公证书",
        legal_limit=wd(15), promised_limit=wd(15), visits=2, mail=False,
        steps=[Step("受理（当面询问、签字）", 1, limit=wd(1), on_site=True), Step("审查", 2, limit=wd(10)),
               Step("出具公证书", 3, limit=wd(4), on_site=True)],
        materials=[Material("居民身份证", source=SourceChannel.GOVERNMENT), Material("遗嘱")])
    driver = Matter(
        name="机动车驾驶证申领", code="W2", department="公安局交通警察支队", matter_type="行政许可",
        result_name="机动车驾驶证", legal_limit=wd(20), promised_limit=wd(20), visits=3, mail=True,
        steps=licence_steps("发证", (1, 10, 5, 4)),
        materials=[Material("机动车驾驶人身体条件证明", issuer="医疗机构"), Material("居民身份证",
                                                                          source=SourceChannel.GOVERNMENT)])
    catalogue = Catalogue([will, driver])
    withheld: list = []
    proposals = propose(catalogue, withheld=withheld)
    assert not [p for p in by_matter(proposals, "W1") if p.kind in ("visit_submit", "zero_visits")]
    assert any(w.code == "W1" and w.constraint == "in_person" and w.evidence["word"] == "当面" for w in withheld)
    assert not [p for p in by_matter(proposals, "W2") if p.kind == "commit"]
    assert any(w.code == "W2" and w.constraint == "commitment_third_party_report" for w in withheld)
    assert any(p.kind == "share" for p in by_matter(proposals, "W2"))  # the ID card is still shared
    assert new_errors(catalogue, apply_proposals(catalogue, proposals)) == []


def test_a_promise_is_not_cut_below_steps_whose_order_cannot_be_followed():
    """A step that depends on a step the sheet does not have: the critical path is unknown, so a
    compressed promise stops at the plain sum of the step limits (which bounds any path)."""
    steps = licence_steps(limits=(1, 8, 3, 6))
    steps[2].after = ["初审"]  # no such step
    matter = Matter(name="某许可", code="B1", department="局", matter_type="行政许可", result_name="许可证",
                    legal_limit=wd(30), promised_limit=wd(20), visits=1, visit_reason="提交纸质材料", mail=True,
                    steps=steps, materials=[Material("申请书")])
    catalogue = Catalogue([matter])
    proposals = propose(catalogue)
    time = next(p for p in proposals if p.dimension == "time")
    assert time.saving["days"] == -(20 - 18)  # 50% of 30 is 15, but the steps add up to 18
    after = apply_proposals(catalogue, proposals).find("B1")
    assert after.promised_limit.to_working_days() == 18
    assert sum(s.limit.to_working_days() for s in after.steps) <= 18


def sample_matter_sheets() -> list[Path]:
    """Every .xlsx under samples/ that is a matter sheet. read_catalogue itself tells the two apart:
    an event log is refused with an InputError naming bpr discover, so nothing is skipped silently."""
    from bpr.errors import InputError

    sheets = []
    for path in sorted((ROOT / "samples").rglob("*.xlsx")):
        try:
            read_catalogue(path)
        except InputError as exc:
            assert "discover" in str(exc), (path, exc)  # an event log, nothing else
            continue
        sheets.append(path)
    return sheets


SAMPLES = sample_matter_sheets()


def test_the_sample_sweep_covers_the_catalogues():
    names = {p.name for p in SAMPLES}
    assert {"catalogue_template.xlsx", "catalogue_province_export.xlsx"} <= names


def audit_errors(catalogue: Catalogue) -> set[tuple[str, str]]:
    """(rule id, matter code) of every error `bpr audit` reports, through its Python API."""
    from bpr.plan.audit import audit

    return {(f.rule, f.code) for f in audit(catalogue, proposals=False).findings if f.severity == "error"}


@pytest.mark.parametrize("sample", SAMPLES, ids=[p.relative_to(ROOT).as_posix() for p in SAMPLES])
def test_all_accepted_plan_passes_its_own_audit_on_every_sample(sample, tmp_path):
    """propose → plan.yaml with every proposal accepted → apply → after.xlsx (as `bpr apply` writes
    it) → audit: no error rule id the before-state lacked, nor a known error on a new matter."""
    from bpr.plan import apply, read_plan, write_plan

    before = read_catalogue(sample)
    proposals = propose(before)
    assert proposals, sample.name  # a sample with nothing to propose would make this test vacuous
    write_plan(tmp_path / "plan.yaml", proposals, catalogue=str(sample))
    plan = read_plan(tmp_path / "plan.yaml")
    for item in plan.items:  # accept all, whatever propose defaulted to
        item.accepted = True
    after = apply(before, plan)
    assert new_errors(before, after) == []
    write_template(tmp_path / "after.xlsx", after)
    old, new = audit_errors(before), audit_errors(read_catalogue(tmp_path / "after.xlsx"))
    assert {r for r, _ in new} <= {r for r, _ in old}, sorted(new - old)
    assert new <= old, sorted(new - old)


def test_constraints_switched_off_or_extended_in_the_rules_yaml(traps, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("constraints:\n  physical_result: false\n  commitment_public_safety: {enabled: false}\n"
                     "  in_person: {vocabulary: [驾驶人考试]}\n", encoding="utf-8")
    constraints = load_rules(rules).constraints
    assert not constraints.get("physical_result").enabled
    assert "驾驶人考试" in constraints.get("in_person").vocabulary and "婚姻登记" in constraints.get("in_person").vocabulary
    proposals = propose(traps, ProposalOptions(constraints=constraints))
    assert any(p.kind == "drop_delivery" for p in by_matter(proposals, "T01"))  # switched off: made again
    assert any(p.target == "从业人员安全培训合格证明" for p in proposals if p.kind == "commit")
    exam = Matter(name="机动车驾驶证申领", code="X1", visits=1, visit_reason="驾驶人考试", online=True,
                  channels={Channel.ONLINE}, steps=[Step("受理", 1, on_site=True)])
    withheld: list = []
    propose(Catalogue([exam]), ProposalOptions(constraints=constraints), withheld=withheld)
    assert [w.constraint for w in withheld] == ["in_person"]


def run(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True,
                                  "help_option_names": []})
@click.pass_context
def entry_point(ctx: click.Context) -> None:
    """The installed `bpr` console script (setup.cfg: bpr = bpr.cli:main), so CliRunner sees its exit code."""
    main(list(ctx.args))


@pytest.mark.parametrize(("yaml_text", "names"), [
    ("constraints:\n  physical_results: false\n", ["physical_results", "physical_result"]),  # typo: known ids listed
    ("constraints:\n  in_person: {vocab: [驾驶人考试]}\n", ["in_person", "vocab", "vocabulary"]),
    ("constraints:\n  in_person: {vocabulary: 3}\n", ["in_person", "vocabulary"]),
    ("constraints: [physical_result]\n", ["constraints"]),
])
@pytest.mark.parametrize("command", ["propose", "audit"])
def test_bad_constraints_in_rules_yaml_clirunner(tmp_path, yaml_text, names, command):
    """A rules YAML naming an unknown constraint (or a bad setting of a known one): exactly one line
    on stderr naming the file and what was wrong, exit 2, no traceback, no output folder."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(yaml_text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(entry_point, [command, str(ROOT / "samples" / "catalogue_template.xlsx"),
                                              "-o", str(out), "--rules", str(rules)])
    assert result.exit_code == 2, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "rules.yaml" in lines[0] and all(n in lines[0] for n in names), lines[0]
    assert "Traceback" not in result.output and not result.stdout.strip()
    assert not out.exists()


def test_propose_cli_lists_withheld_and_apply_reuses_the_rules(tmp_path, capsys):
    out = tmp_path / "plan"
    rules = tmp_path / "rules.yaml"
    rules.write_text("constraints:\n  commitment_legal_basis: false\n", encoding="utf-8")
    sample = str(ROOT / "samples" / "catalogue_template.xlsx")
    code, stdout, err = run(["propose", sample, "-o", str(out), "--rules", str(rules)], capsys)
    assert code == 0, err
    assert "未提出的建议及原因" in stdout
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert data["withheld"] and {"constraint", "reason", "reason_en", "action", "evidence"} <= set(data["withheld"][0])
    assert not any(p["evidence"].get("needs_legal_authorisation") for p in data["proposals"])
    assert "# 未提出的建议及原因" in (out / "plan.yaml").read_text(encoding="utf-8")
    rules.unlink()  # apply reads the rules file the plan names: gone → one-line error, exit 2
    code, _, err = run(["apply", sample, str(out / "plan.yaml"), "-o", str(tmp_path / "after")], capsys)
    assert code == 2 and "rules.yaml" in err and "Traceback" not in err
    rules.write_text("constraints:\n  commitment_legal_basis: false\n", encoding="utf-8")
    code, _, err = run(["apply", sample, str(out / "plan.yaml"), "-o", str(tmp_path / "after")], capsys)
    assert code == 0, err


def test_withheld_in_result_json_and_the_html_report(traps, tmp_path):
    """未提出的建议及原因: every withheld proposal in result.json and as a section of the propose report."""
    from bpr.report.render import render

    sheet = tmp_path / "traps.xlsx"
    write_template(sheet, traps)
    out = tmp_path / "plan"
    result = CliRunner().invoke(entry_point, ["propose", str(sheet), "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    withheld: list = []
    propose(traps, withheld=withheld)
    assert [(w["code"], w["kind"], w["target"], w["constraint"]) for w in data["withheld"]] == \
        [(w.code, w.kind, w.target, w.constraint) for w in withheld]
    assert {"T01", "T02", "T03", "T04", "T05"} <= {w["code"] for w in data["withheld"]}
    for lang, title in (("zh", "未提出的建议及原因"), ("en", "Proposals not made, and why")):
        [page] = render(out, tmp_path / f"report_{lang}", lang=lang, formats=("html",))
        html = page.read_text(encoding="utf-8")
        assert title in html, lang
        reason = next(w for w in data["withheld"] if w["code"] == "T03")
        shown = reason["reason"] if lang == "zh" else reason["reason_en"]
        assert shown.split("，")[0][:20] in html, (lang, shown)


@pytest.mark.parametrize(("title", "kind"), [
    ("中华人民共和国食品安全法", "法律"), ("民法典", "法律"), ("婚姻登记条例", "行政法规"),
    ("危险化学品安全管理条例（2013年修订）", "行政法规"), ("浙江省食品小作坊小餐饮店小食杂店管理条例", None),
    ("食品经营许可和备案管理办法", None), ("不动产登记暂行条例实施细则", None),
])
def test_law_kind(title, kind):
    assert law_kind(title) == kind


def test_docs_list_every_constraint_with_its_source():
    """docs/constraints.md: one table row per registered constraint, naming a law (《…》) or a State
    Council document (国办发/国发)."""
    from bpr.analyse.rules import RuleSet

    rows = {line.split("|")[1].strip().strip("`"): line
            for line in (ROOT / "docs" / "constraints.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| `")}
    ids = [c["id"] for c in RuleSet().constraints.describe()]
    assert ids and set(ids) <= set(rows), sorted(set(ids) - set(rows))
    for cid in ids:
        source = rows[cid].rstrip(" |").rsplit("|", 1)[1]
        assert "《" in source or "国办发" in source or "国发" in source, cid


# --- sweep of trap matters a bureau director would reject (statutory periods, cards, findings, levels)

def days(text: str) -> TimeLimit:
    return TimeLimit.parse(text)


def period_catalogue() -> Catalogue:
    """Four matters with a period the law fixes inside their promise."""
    divorce = Matter(
        name="离婚登记", code="SP1", department="民政局", matter_type="行政确认", result_name="离婚证",
        legal_basis="《中华人民共和国民法典》第一千零七十七条", legal_limit=days("60天"), promised_limit=days("60天"),
        visits=2, visit_reason="双方亲自到场申请，冷静期届满后共同到场领证", mail=False,
        steps=[Step("受理", 1, limit=wd(0), on_site=True), Step("离婚冷静期", 2, limit=days("30天")),
               Step("审查", 3, limit=wd(0), on_site=True), Step("发证", 4, limit=wd(0), on_site=True)],
        materials=[Material("居民身份证", source=SourceChannel.GOVERNMENT), Material("离婚协议书")])
    homestead = Matter(
        name="宅基地使用权及房屋所有权首次登记", code="SP2", department="不动产登记中心", matter_type="行政确认",
        result_name="不动产权证书", legal_basis="《不动产登记暂行条例》第二十条", legal_limit=wd(30),
        promised_limit=wd(25), visits=2, visit_reason="提交材料原件，领取证书", mail=True,
        steps=[Step("受理", 1, limit=wd(0), on_site=True), Step("审核", 2, limit=wd(5)), Step("公告", 3, limit=wd(15)),
               Step("登簿", 4, limit=wd(2)), Step("缮证发证", 5, limit=wd(1), on_site=True)],
        materials=[Material("不动产登记申请书"), Material("申请人身份证明", source=SourceChannel.GOVERNMENT)])
    deregister = Matter(
        name="企业简易注销登记", code="SP3", department="市场监督管理局", matter_type="行政确认",
        result_name="准予注销登记通知书", legal_basis="《中华人民共和国市场主体登记管理条例》第三十三条",
        legal_limit=days("25天"), promised_limit=days("23天"), visits=1, visit_reason="提交纸质材料", mail=True,
        steps=[Step("简易注销公示", 1, limit=days("20天")), Step("受理", 2, limit=wd(0), on_site=True),
               Step("审查", 3, limit=wd(1)), Step("决定", 4, limit=wd(1))],
        materials=[Material("简易注销登记申请书"), Material("全体投资人承诺书")])
    adoption = Matter(
        name="收养登记（查找不到生父母的儿童）", code="SP4", department="民政局", matter_type="行政确认",
        result_name="收养登记证", legal_basis="《中华人民共和国民法典》第一千一百零五条", legal_limit=days("90天"),
        promised_limit=days("90天"), visits=2, visit_reason="收养关系当事人亲自到场", mail=False, e_licence=True,
        steps=[Step("受理", 1, limit=wd(0), on_site=True), Step("审查", 2, limit=wd(10)),
               Step("公告", 3, limit=days("60天")), Step("登记发证", 4, limit=wd(1), on_site=True)],
        materials=[Material("居民身份证", source=SourceChannel.GOVERNMENT), Material("收养人的婚姻状况证明")])
    return Catalogue([divorce, homestead, deregister, adoption])


def test_a_statutory_period_is_never_cut_with_the_promise():
    """A 冷静期 (民法典 第一千零七十七条), a 公告期 of at least 15 working days (不动产登记暂行条例实施细则
    第十七条), the 20-day 公示期 of a simplified deregistration and a 60-day adoption notice keep their
    days; the other steps may still be cut, and the promise stays at a path that includes the period."""
    catalogue = period_catalogue()
    withheld: list = []
    proposals = propose(catalogue, withheld=withheld)
    after = apply_proposals(catalogue, proposals)
    periods = {"SP1": "离婚冷静期", "SP2": "公告", "SP3": "简易注销公示", "SP4": "公告"}
    for code, step in periods.items():
        before = next(s for s in catalogue.find(code).steps if s.name == step)
        kept = next(s for s in after.find(code).steps if s.name == step)
        assert kept.limit == before.limit, (code, kept.limit.raw)
        assert any(w.code == code and w.kind == "shorten_step" and w.target == step
                   and w.constraint == "statutory_period" for w in withheld), code
        matter = after.find(code)
        assert matter.promised_limit.to_working_days() >= sum(s.limit.to_working_days() for s in matter.steps) - 1e-6
    # the time proposal is still made where other steps can give, the 50% aimed at the time outside the
    # period: 15 + (30 − 15) × 50% = 22.5 → 22 (whole days); 审核/登簿/缮证发证 cut to fit, 公告 kept
    homestead = next(p for p in proposals if p.code == "SP2" and p.dimension == "time")
    assert homestead.change["fixed_steps"] == ["公告"] and "公告" not in homestead.evidence["rebalanced_steps"]
    assert homestead.evidence["statutory_periods"] == {"公告": 15}
    assert after.find("SP2").promised_limit.to_working_days() == 22
    assert "公告 15个工作日为法定期间，不压缩" in homestead.action
    # a promise written in calendar days says so where its working days are shown
    adoption = next(p for p in proposals if p.code == "SP4" and p.dimension == "time")
    assert "原承诺时限写作“90天”，折合61.6个工作日" in adoption.rationale and "“90天”" in adoption.rationale_en
    assert "原承诺时限" not in homestead.rationale  # 25个工作日 needs no note
    assert new_errors(catalogue, after) == []


def test_a_period_that_absorbs_the_whole_cut_leaves_the_promise_and_says_why():
    """Legal 40, promised 30, a 20-day 公示 inside: 20 + (40 − 20) × 50% = 30, nothing to cut; the plain
    50% of the legal limit (20) would have eaten into the period, so the period is listed as withheld."""
    matter = Matter(name="企业简易注销登记", code="SP5", department="市场监督管理局", matter_type="行政确认",
                    result_name="准予注销登记通知书", legal_limit=wd(40), promised_limit=wd(30), visits=0, mail=True,
                    steps=[Step("受理", 1, limit=wd(1)), Step("简易注销公示", 2, limit=wd(20)),
                           Step("审核", 3, limit=wd(7)), Step("决定", 4, limit=wd(2))])
    withheld: list = []
    proposals = propose(Catalogue([matter]), withheld=withheld)
    assert not [p for p in proposals if p.dimension == "time"]
    assert [(w.target, w.constraint) for w in withheld] == [("简易注销公示", "statutory_period")]


def physical_catalogue() -> Catalogue:
    home_return = Matter(
        name="港澳居民来往内地通行证换发", code="PR1", department="公安局出入境管理大队", matter_type="行政许可",
        result_name="港澳居民来往内地通行证", legal_limit=wd(20), promised_limit=wd(10), visits=2,
        visit_reason="领取证件", mail=True, e_licence=True, online=True, online_depth=3,
        channels={Channel.ONLINE, Channel.WINDOW},
        steps=[Step("受理", 1, limit=wd(0), on_site=True), Step("审批", 2, limit=wd(5)), Step("制证", 3, limit=wd(3)),
               Step("领证", 4, limit=wd(1), on_site=True)],
        materials=[Material("香港永久性居民身份证")])
    plate = Matter(
        name="机动车临时通行牌证核发", code="PR2", department="公安局交通警察支队车辆管理所", matter_type="行政许可",
        result_name="机动车临时行驶车号牌", legal_limit=wd(1), promised_limit=wd(1), visits=1, visit_reason="领取号牌",
        mail=True, e_licence=True, steps=[Step("受理", 1, limit=wd(0), on_site=True), Step("审核", 2, limit=wd(0)),
                                         Step("发证", 3, limit=wd(1), on_site=True)],
        materials=[Material("居民身份证", source=SourceChannel.GOVERNMENT)])
    card = Matter(
        name="社会保障卡申领", code="PR3", department="人力资源和社会保障局", matter_type="公共服务",
        result_name="社会保障卡", legal_basis="《中华人民共和国社会保险法》第五十八条", legal_limit=wd(30),
        promised_limit=wd(20), visits=2, visit_reason="提交材料，领取社会保障卡", mail=True, online=True,
        channels={Channel.ONLINE, Channel.WINDOW},
        steps=[Step("受理", 1, limit=wd(0), on_site=True), Step("审核", 2, limit=wd(2)), Step("制卡", 3, limit=wd(15)),
               Step("发卡", 4, limit=wd(1), on_site=True)],
        materials=[Material("居民身份证", source=SourceChannel.GOVERNMENT), Material("近期免冠照片")])
    return Catalogue([home_return, plate, card])


def test_a_home_return_permit_a_plate_and_a_social_security_card_are_made_and_mailed():
    catalogue = physical_catalogue()
    withheld: list = []
    proposals = propose(catalogue, withheld=withheld)
    for code in ("PR1", "PR2", "PR3"):
        assert_still_made(proposals, code)
        assert any(w.code == code and w.constraint == "physical_result" for w in withheld), code
    # legitimate: the card is mailed (发卡 is its delivery step), the application goes online
    for code in ("PR1", "PR3"):
        assert [p.change["by"] for p in by_matter(proposals, code) if p.kind == "visit_collect"] == ["mail"], code
    assert any(p.kind == "visit_submit" for p in by_matter(proposals, "PR3"))
    assert any(p.kind == "share" and p.target == "居民身份证" for p in by_matter(proposals, "PR3"))
    after = apply_proposals(catalogue, proposals)
    assert {s.name for s in after.find("PR3").steps} >= {"制卡", "发卡"}
    assert new_errors(catalogue, after) == []


def finding_catalogue() -> Catalogue:
    vehicle = Matter(
        name="机动车注册登记", code="F1", department="公安局交通警察支队车辆管理所", matter_type="行政许可",
        result_name="机动车登记证书", legal_limit=wd(5), promised_limit=wd(2), visits=1,
        visit_reason="机动车查验", mail=True,
        steps=[Step("受理", 1, limit=wd(0), on_site=True), Step("机动车查验", 2, limit=wd(0.5), on_site=True),
               Step("审核", 3, limit=wd(0.5))],
        materials=[Material("机动车所有人身份证明", source=SourceChannel.GOVERNMENT), Material("机动车整车出厂合格证明"),
                   Material("机动车交通事故责任强制保险凭证")])
    lawyer = Matter(
        name="律师执业许可", code="F2", department="司法厅", matter_type="行政许可", result_name="律师执业证书",
        legal_basis="《中华人民共和国律师法》第六条", legal_limit=wd(30), promised_limit=wd(20), visits=1,
        visit_reason="提交纸质材料", mail=True,
        steps=[Step("受理", 1, limit=wd(0), on_site=True, department="杭州市司法局"),
               Step("设区的市级司法行政部门审查", 2, limit=wd(10), department="杭州市司法局"),
               Step("省级司法行政部门审核", 3, limit=wd(8), department="浙江省司法厅"), Step("决定", 4, limit=wd(1))],
        materials=[Material("法律职业资格证书", source=SourceChannel.GOVERNMENT),
                   Material("律师协会出具的申请人实习考核合格证明"), Material("律师事务所出具的同意接收申请人的证明")])
    coach = Matter(
        name="道路旅客运输经营许可", code="F3", department="交通运输局", matter_type="行政许可",
        result_name="道路运输经营许可证", legal_limit=wd(20), promised_limit=wd(20), visits=1,
        visit_reason="提交纸质材料", mail=True, steps=licence_steps(limits=(0, 10, 5, 1)),
        materials=[Material("营业执照", source=SourceChannel.GOVERNMENT), Material("客运车辆技术等级评定证明")])
    hazmat = Matter(
        name="道路危险货物运输经营许可", code="F4", department="交通运输局", matter_type="行政许可",
        result_name="道路运输经营许可证", legal_limit=wd(60), promised_limit=wd(20), visits=1,
        visit_reason="提交纸质材料", mail=True, steps=licence_steps(limits=(0, 10, 3, 1)),
        materials=[Material("营业执照", source=SourceChannel.GOVERNMENT), Material("停车场地产权证明")])
    migrate = Matter(
        name="户口迁移（省内迁入）", code="F5", department="公安局", matter_type="行政确认", result_name="居民户口簿",
        legal_basis="《中华人民共和国户口登记条例》第十条", legal_limit=wd(20), promised_limit=wd(10), visits=1,
        visit_reason="提交材料原件", mail=True, steps=licence_steps("发证", (0, 5, 3, 1)),
        materials=[Material("居民身份证", source=SourceChannel.GOVERNMENT), Material("婚姻状况证明"),
                   Material("工作年限证明")])
    return Catalogue([vehicle, lawyer, coach, hazmat, migrate])


def test_a_test_pass_or_rating_is_not_promised_and_a_dangerous_goods_licence_takes_no_promise():
    """A vehicle's factory conformity certificate, a lawyer's internship assessment and a coach's
    technical rating are findings of others (国办发〔2020〕42号); dangerous goods on the road are
    public safety. A marriage-status or work-years certificate is still replaced by a promise."""
    catalogue = finding_catalogue()
    withheld: list = []
    proposals = propose(catalogue, withheld=withheld)
    commits = {(p.code, p.target) for p in proposals if p.kind == "commit"}
    why = {(w.code, w.target): w.constraint for w in withheld if w.kind == "commit"}
    for key in (("F1", "机动车整车出厂合格证明"), ("F2", "律师协会出具的申请人实习考核合格证明"),
                ("F3", "客运车辆技术等级评定证明")):
        assert key not in commits and why[key] == "commitment_third_party_report", key
    assert ("F4", "停车场地产权证明") not in commits and why[("F4", "停车场地产权证明")] == "commitment_public_safety"
    # nor deferred under 容缺受理: the decision rests on them
    deferred = {m for p in proposals if p.kind == "tolerate" for m in p.change["materials"]}
    assert "机动车整车出厂合格证明" not in deferred
    # legitimate reforms stay
    assert {("F5", "婚姻状况证明"), ("F5", "工作年限证明"), ("F2", "律师事务所出具的同意接收申请人的证明")} <= commits
    law = next(p for p in proposals if p.code == "F5" and p.target == "婚姻状况证明")
    assert law.evidence["needs_legal_authorisation"]  # 户口登记条例 is an administrative regulation
    assert any(p.kind == "share" and p.target == "营业执照" for p in by_matter(proposals, "F4"))
    assert new_errors(catalogue, apply_proposals(catalogue, proposals)) == []


def test_a_lower_bodys_review_reported_to_the_higher_one_is_not_run_in_parallel():
    """律师法 第六条 / 行政许可法 第三十五条: the city bureau reviews, then reports to the province,
    which decides on that review. Two peer departments of one level are still run in parallel."""
    catalogue = finding_catalogue()
    withheld: list = []
    proposals = propose(catalogue, withheld=withheld)
    assert not [p for p in by_matter(proposals, "F2") if p.kind == "parallel"]
    levels = next(w for w in withheld if w.code == "F2" and w.kind == "parallel")
    assert levels.constraint == "review_by_higher_level" and "浙江省司法厅" in levels.evidence["word"]
    peers = Matter(
        name="建设工程规划许可", code="F6", department="自然资源和规划局", matter_type="行政许可", result_name="许可证",
        legal_limit=wd(20), promised_limit=wd(15), visits=1, visit_reason="提交纸质材料", mail=True,
        steps=[Step("受理", 1, limit=wd(1), on_site=True), Step("规划审查", 2, limit=wd(5), department="县自然资源和规划局"),
               Step("人防审查", 3, limit=wd(5), department="县住房和城乡建设局"), Step("决定", 4, limit=wd(2))],
        materials=[Material("申请书")])
    assert any(p.kind == "parallel" for p in propose(Catalogue([peers])))


def test_every_constraint_has_a_label_in_both_languages():
    """The CLI's and the report's 未提出的建议 list name each constraint by its i18n label."""
    from bpr.analyse.rules.constraints import CONSTRAINT_REGISTRY
    from bpr.i18n import VOCAB

    missing = [cid for cid in CONSTRAINT_REGISTRY if f"constraint_{cid}" not in VOCAB]
    assert missing == []


def test_a_withheld_proposal_cites_the_law_of_what_was_found():
    """The 依据 of a withheld proposal is the part of the constraint's sources about the word found (an
    ID card: the Resident Identity Card Law, not the marriage regulation), in both languages; a
    constraint with one source, or a word no part names, cites the whole source."""
    withheld: list = []
    propose(trap_catalogue(), withheld=withheld)
    cited = {(w.code, w.constraint): (w.source, w.source_en) for w in withheld}
    card, card_en = cited[("T01", "physical_result")]
    assert "居民身份证法" in card and "婚姻登记条例" not in card and "护照法" not in card
    assert card_en.startswith("Resident Identity Card Law") and "Passport" not in card_en
    assert cited[("T03", "in_person")][0] == "《婚姻登记条例》第四条（双方亲自到婚姻登记机关）"
    assert "Marriage Registration, art. 4" in cited[("T03", "in_person")][1]
    report = cited[("T04", "commitment_third_party_report")][0]
    assert report == CONSTRAINT_REGISTRY["commitment_third_party_report"].source
