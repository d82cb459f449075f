"""Domain constraints on proposals: what a bureau rejects on sight, as declarative rules.

A `Constraint` is the proposal-side twin of a data-quality `Rule`: an id, a Chinese and English
reason, the source (a law or a State Council document), a vocabulary and the matter fields it is
looked for in, and the levers (proposal kinds) it forbids. `bpr.plan.proposals.propose` asks the
`ConstraintSet` before it makes a proposal; a forbidden one is not made but kept, with the
constraint and the evidence that matched, as a "withheld" item ("未提出的建议及原因").

Constraints (../shared/DOMAIN.md, "Limits on what a reform may propose"):
- `physical_result`: the result is a card, booklet or plate (居民身份证, 护照, 结婚证, 号牌 …): 制证/送达 is not
  dropped and the result is not replaced by an 电子证照; it may be mailed (邮寄).
- `in_person`: the law or biometrics need the applicant at the counter (婚姻登记, 指纹, 人像采集,
  本人到场 …): no 全程网办 and no zero-visit proposal; 最多跑一次 stays allowed.
- `commitment_third_party_report`: 告知承诺 never replaces a third-party inspection, testing,
  assessment or safety report (国办发〔2020〕42号).
- `commitment_public_safety`: 告知承诺 never for matters touching public safety, life or health
  (特种设备, 危险化学品, 药品, 医疗器械, 消防, 食品生产 …; 国办发〔2020〕42号).
- `statutory_period`: a step that is a period the law fixes (公告, 公示, 冷静期 …) keeps its limit
  when a compressed promise re-balances the steps; the promise stops at a path that includes it.
- `review_by_higher_level`: steps of one line of authority at two levels (市司法局 then 司法厅) are a
  lower body's review reported to the higher one (行政许可法 第三十五条): they are not run in parallel.
- `commitment_legal_basis`: does not forbid; where the requirement is set by a 法律 or 行政法规,
  the 告知承诺 proposal says the basis must be amended or authorised ("需法律授权").

The rules YAML (`--rules`) switches them off or extends their vocabulary:

```yaml
constraints:
  physical_result: {vocabulary: [出入境通行证]}   # words added to the built-in ones
  commitment_public_safety: false                 # switched off
```
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import Any

from bpr.model.matter import Matter

# Levers (proposal kinds, and the e-licence variant of collecting the result) a constraint can forbid.
DROP_DELIVERY = "drop_delivery"
COLLECT_E_LICENCE = "collect_e_licence"
ONLINE_SUBMIT = "visit_submit"
ZERO_VISITS = "zero_visits"
COMMIT = "commit"
SHORTEN_STEP = "shorten_step"  # a step limit cut to fit a compressed promise
PARALLEL = "parallel"  # steps of several departments run at once


@dataclass(frozen=True)
class Constraint:
    """One domain limit on proposals. `fields` are Matter attributes searched for the vocabulary
    (`steps` means the step names, `target` the material or step the proposal is about, `step`
    the same for a step)."""

    id: str
    reason_zh: str  # may use {word} and {field}
    reason_en: str
    forbids: tuple[str, ...]
    vocabulary: tuple[str, ...]
    fields: tuple[str, ...]
    source: str
    source_en: str = ""  # the same citation in English (reports in --lang en)
    enabled: bool = True
    qualifies: bool = False  # True: the proposal is made, with a note (no forbidding)
    matcher: str = "words"  # "words": any vocabulary word; "law": a 法律 / 行政法规 title;
    # "levels": two of the target steps' departments are one line at two levels (the vocabulary
    # holds the level words a department's own name starts after, then its suffixes)

    def configured(self, enabled: bool | None = None, vocabulary: Iterable[str] = ()) -> Constraint:
        """A copy switched on/off or with `vocabulary` added to its own words."""
        changes: dict[str, Any] = {}
        if enabled is not None:
            changes["enabled"] = enabled
        extra = [w for w in vocabulary if w and w not in self.vocabulary]
        if extra:
            changes["vocabulary"] = (*self.vocabulary, *extra)
        return replace(self, **changes)

    def match(self, matter: Matter, target: str = "", basis: str = "") -> dict | None:
        """Evidence {constraint, field, word, text} when the constraint applies, else None."""
        if not self.enabled:
            return None
        for name in self.fields:
            for text in _texts(matter, name, target, basis):
                if self.matcher == "levels":
                    word = _two_levels(matter, text, self.vocabulary)
                else:
                    word = _law_title(text, self.vocabulary) if self.matcher == "law" else _word(text, self.vocabulary)
                if word:
                    return {"constraint": self.id, "field": name, "word": word, "text": text}
        return None

    def reason(self, evidence: dict, lang: str = "zh") -> str:
        template = self.reason_en if lang == "en" else self.reason_zh
        return template.format(word=evidence.get("word", ""), field=FIELD_LABELS.get(evidence.get("field", ""), ("", ""))[
            1 if lang == "en" else 0])

    def cited(self, evidence: dict, matter_name: str = "") -> tuple[str, str]:
        """(Chinese, English) citation of the laws behind this finding: the parts of `source` that
        share the most with the word found (居民身份证 → 居民身份证法, not the marriage regulation),
        then with the matter's name and the matched text; the whole source when no part shares
        two characters with them (the whole English one when it lists other parts than the Chinese)."""
        zh, en = _PARTS.split(self.source), _PARTS_EN.split(self.source_en) if self.source_en else []
        keys = [evidence.get("word", ""), f"{matter_name} {evidence.get('text', '')}"]
        scores = [(_common(part, keys[0]), _shared(part, keys[0]), _common(part, keys[1]), _shared(part, keys[1]))
                  for part in zh]
        best = max(scores, default=(0, 0, 0, 0))
        if len(zh) < 2 or max(best[0], best[2]) < 2:
            return self.source, self.source_en
        keep = [i for i, s in enumerate(scores) if s == best]
        return "；".join(zh[i] for i in keep), "; ".join(en[i] for i in keep) if len(en) == len(zh) else self.source_en

    def describe(self) -> dict:
        return {"id": self.id, "enabled": self.enabled, "forbids": list(self.forbids), "qualifies": self.qualifies,
                "vocabulary": list(self.vocabulary), "fields": list(self.fields), "reason": self.reason_zh,
                "reason_en": self.reason_en, "source": self.source, "source_en": self.source_en}


FIELD_LABELS = {
    "result_name": ("结果名称", "result name"), "name": ("事项名称", "matter name"),
    "visit_reason": ("必须现场办理原因说明", "reason for on-site visits"), "legal_basis": ("设定依据", "legal basis"),
    "special_procedures": ("特别程序", "special procedures"), "steps": ("办理环节", "steps"),
    "target": ("材料名称", "material name"), "basis": ("材料依据", "material's legal basis"),
    "step": ("环节名称", "step name"),
}


def _texts(matter: Matter, name: str, target: str, basis: str) -> list[str]:
    if name in ("target", "step"):  # the material or step the proposal is about
        return [target] if target else []
    if name == "basis":
        return [basis] if basis else []
    if name == "steps":
        return [s.name for s in matter.steps if s.name]
    if name == "result_name":  # the result, or the matter's own name when no result is given
        return [matter.result_name or matter.name]
    value = getattr(matter, name, "") or ""
    return [str(value)] if value else []


_PARTS, _PARTS_EN = re.compile("；"), re.compile(r";\s+")
_PUNCTUATION = re.compile(r"[\s《》（）()、，。；：“”]")


def _common(a: str, b: str) -> int:
    """Length of the longest run of characters `a` and `b` share, punctuation left out."""
    a, b = _PUNCTUATION.sub("", a), _PUNCTUATION.sub("", b)
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match().size if a and b else 0


def _shared(a: str, b: str) -> int:
    """How many distinct characters `a` and `b` have in common, punctuation left out."""
    return len(set(_PUNCTUATION.sub("", a)) & set(_PUNCTUATION.sub("", b)))


def _word(text: str, vocabulary: Iterable[str]) -> str | None:
    compact = re.sub(r"\s+", "", text)
    return next((w for w in vocabulary if w and w in compact), None)


_LEVEL_SUFFIXES = ("委员会", "办公室", "部门", "机关", "局", "厅", "委", "办")


def _line(department: str, levels: Iterable[str]) -> str:
    """A department's line of authority: its name after the last level word, less the suffix
    ('杭州市司法局' and '浙江省司法厅' are both '司法')."""
    text = re.sub(r"\s+", "", department)
    cut = max((text.rfind(w) + len(w) for w in levels if w and w in text), default=0)
    core = text[cut:] or text
    for suffix in _LEVEL_SUFFIXES:
        if core.endswith(suffix) and len(core) > len(suffix):
            return core[:-len(suffix)]
    return core


def _two_levels(matter: Matter, target: str, levels: Iterable[str]) -> str | None:
    """'A、B' when two of the steps named in `target` (joined by 、) belong to departments A and B
    of one line at different levels, else None."""
    names = set(target.split("、"))
    seen: dict[str, str] = {}
    for department in dict.fromkeys(s.department for s in matter.steps if s.name in names and s.department):
        line = _line(department, levels)
        if line in seen:
            return f"{seen[line]}、{department}"
        seen[line] = department
    return None


# A law: 《中华人民共和国…法》, 《…法》 (not 《…办法》), 民法典. An administrative regulation: a national
# 《…条例》 (not a province's or city's, which is a 地方性法规; not 实施细则).
_TITLE = re.compile(r"《([^》]+)》")
_LOCAL = re.compile(r"(省|自治区|市|自治州|县|特别行政区)")


def law_kind(title: str) -> str | None:
    """'法律', '行政法规' or None for one title (without 《》)."""
    title = re.sub(r"[（(][^）)]*[）)]$", "", title.strip())  # 《…条例（2019年修订）》
    if title.endswith("法典") or (title.endswith("法") and not title.endswith("办法")):
        return "法律"
    if title.endswith("条例") and not _LOCAL.search(title.removeprefix("中华人民共和国")):
        return "行政法规"
    return None


def _law_title(text: str, vocabulary: Iterable[str]) -> str | None:
    """The first title in `text` that is a law or an administrative regulation (or names a
    vocabulary word: extra laws a user lists), as '《title》'."""
    words = [w for w in vocabulary if w]
    for title in _TITLE.findall(text):
        if law_kind(title) or any(w in title for w in words):
            return f"《{title}》"
    return None


CONSTRAINTS: list[Constraint] = [
    Constraint(
        "physical_result",
        "办理结果“{word}”是须制作的实体证件（{field}），不能取消制证/送达或以电子证照代替；可改为邮寄送达",
        "the result ({word}, {field}) is a physical card or booklet that must be made: no dropping of the "
        "making/delivery step, no e-licence in its place; it may be mailed",
        (DROP_DELIVERY, COLLECT_E_LICENCE),
        ("居民身份证", "临时身份证", "护照", "港澳通行证", "往来港澳通行证", "往来台湾通行证", "台湾通行证",
         "台湾居民来往大陆通行证", "驾驶证", "行驶证", "社会保障卡", "社保卡", "残疾人证", "结婚证", "离婚证",
         "不动产权证书", "房屋所有权证", "居住证", "户口簿", "来往内地通行证", "收养登记证", "号牌"),
        ("result_name",),
        "《中华人民共和国居民身份证法》第八、十一条（证件由公安机关制作、发放）；《中华人民共和国护照法》第五、六条；"
        "《婚姻登记条例》第七条、第十三条（发给结婚证、离婚证）；《不动产登记暂行条例》第二十一条（发放不动产权证书）；"
        "《中华人民共和国出境入境管理法》第九条（往来港澳台通行证件）；《中国公民收养子女登记办法》第七条（发给收养登记证）；"
        "《中华人民共和国道路交通安全法》第八条、第十一条（核发号牌，悬挂号牌上路）",
        source_en="Resident Identity Card Law of the PRC, arts. 8 and 11 (cards made and issued by public security "
                  "organs); Passport Law of the PRC, arts. 5 and 6; Regulations on Marriage Registration, art. 7 "
                  "(marriage certificates issued) and art. 13 (divorce certificates issued); Interim Regulations on Real Estate Registration, art. 21; Exit and Entry "
                  "Administration Law of the PRC, art. 9 (travel permits for Hong Kong, Macao and Taiwan); Measures "
                  "for the Registration of Adoption of Children by Chinese Citizens, art. 7 (adoption certificate "
                  "issued); Road Traffic Safety Law of the PRC, arts. 8 and 11 (number plates issued and displayed)"),
    Constraint(
        "in_person",
        "须申请人本人到场（{field}：“{word}”），不能全程网办或零跑动，可做到“最多跑一次”",
        "the applicant must come in person ({field}: {word}): no fully-online handling and no zero visits; "
        "'at most one visit' remains possible",
        (ONLINE_SUBMIT, ZERO_VISITS),
        ("婚姻登记", "结婚登记", "离婚登记", "收养登记", "指纹", "人像采集", "采集人像", "照片采集", "现场采集",
         "现场拍照", "生物特征", "亲自到场", "本人到场", "本人亲自", "亲自到", "双方共同到", "双方到场", "当事人到场",
         "面签", "当面", "面谈", "遗嘱公证", "居民身份证申领", "居民身份证换领", "居民身份证补领", "普通护照",
         "往来港澳通行证", "往来台湾通行证"),
        ("name", "visit_reason", "legal_basis", "special_procedures", "steps"),
        "《婚姻登记条例》第四条（双方亲自到婚姻登记机关）；《中华人民共和国居民身份证法》第十三条（登记指纹信息）；"
        "《中华人民共和国护照法》第五条、《中国公民因私出入境管理办法》（本人到场、采集人像指纹）；"
        "《中国公民收养子女登记办法》第五条（收养关系当事人亲自到收养登记机关）；《遗嘱公证细则》第五条（遗嘱人亲自到公证处）",
        source_en="Regulations on Marriage Registration, art. 4 (both parties in person); Resident Identity Card "
                  "Law of the PRC, art. 13 (fingerprints taken); Passport Law of the PRC, art. 5, and the Measures "
                  "on Chinese Citizens' Private Exit and Entry (in person, photo and fingerprints taken); Measures for "
                  "the Registration of Adoption of Children by Chinese Citizens, art. 5 (the parties in person at the "
                  "registration office); Rules on the Notarisation of Wills, art. 5 (the testator in person at the "
                  "notary office)"),
    Constraint(
        "commitment_third_party_report",
        "“{word}”类材料为第三方检验、检测、评估或安全报告，不适用告知承诺",
        "'{word}': a third-party inspection, testing, assessment or safety report, not replaceable by a "
        "written commitment",
        (COMMIT,),
        ("检验", "检测", "评价报告", "评估报告", "安全评价", "安全评估", "鉴定", "验收", "环境影响", "环评",
         "体检", "健康证明", "身体条件证明", "医学证明", "诊断证明", "审计报告", "测绘报告", "勘察报告",
         "监测报告", "出厂合格", "考核合格", "考试合格", "评定"),
        ("target",),
        "国办发〔2020〕42号《关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》",
        source_en="State Council General Office, Guobanfa [2020] No. 42: Guiding Opinions on fully implementing "
                  "the notification-and-commitment system for certification matters and business licensing"),
    Constraint(
        "commitment_public_safety",
        "事项涉及公共安全、人身健康和生命财产安全（{field}：“{word}”），不适用告知承诺",
        "the matter touches public safety, health or life ({field}: {word}): no written commitment in place of proof",
        (COMMIT,),
        ("特种设备", "危险化学品", "危化品", "药品", "医疗器械", "消防", "食品生产", "烟花爆竹", "民用爆炸",
         "爆破", "放射", "辐射", "危险废物", "易制毒", "枪支", "疫苗", "血液", "安全生产", "燃气", "矿山",
         "医疗机构", "医师执业", "护士执业", "母婴保健", "金融", "危险货物", "剧毒", "大型群众性活动"),
        ("name", "result_name", "legal_basis", "target"),
        "国办发〔2020〕42号（直接涉及国家安全、公共安全、生态环境保护，直接关系人身健康、生命财产安全的，"
        "以及审慎监管的金融事项，不适用告知承诺制）",
        source_en="State Council General Office, Guobanfa [2020] No. 42 (matters directly touching national or "
                  "public security, the environment, health, life and property, and prudentially supervised "
                  "financial matters are excluded from the commitment system)"),
    Constraint(
        "statutory_period",
        "“{word}”是法律法规规定的期间（{field}），不能随承诺时限压缩；承诺时限不低于含该期间的环节时限",
        "'{word}' is a period set by law or regulation ({field}): it is not shortened with the promise, which "
        "stays at least the steps' time including it",
        (SHORTEN_STEP,),
        ("公告", "公示", "冷静期", "异议期"),
        ("step",),
        "《中华人民共和国民法典》第一千零七十七条（离婚冷静期三十日）、第一千一百零五条（收养登记前公告）；"
        "《中国公民收养子女登记办法》第七条（公告满60日）；《不动产登记暂行条例实施细则》第十七条（公告期不少于15个"
        "工作日）；《中华人民共和国市场主体登记管理条例》第三十三条（简易注销公示期为20日）",
        source_en="Civil Code of the PRC, art. 1077 (30-day cooling-off period in divorce registration) and art. "
                  "1105 (public notice before an adoption is registered); Measures for the Registration of "
                  "Adoption of Children by Chinese Citizens, art. 7 (60 days' notice); Detailed Rules for the "
                  "Implementation of the Interim Regulations on Real Estate Registration, art. 17 (notice of at "
                  "least 15 working days); Regulations of the PRC on the Registration of Market Entities, art. 33 "
                  "(20-day publicity period for simplified deregistration)"),
    Constraint(
        "review_by_higher_level",
        "环节分属同一系统的上下级机关（{word}）：下级审查后报上级决定，不能并联办理",
        "the steps belong to one line of authority at two levels ({word}): the lower body reviews and reports "
        "to the higher one, so they are not run in parallel",
        (PARALLEL,),
        ("自治区", "自治州", "特别行政区", "省", "市", "县", "区", "旗", "盟", "乡", "镇", "街道"),
        ("step",),
        "《中华人民共和国行政许可法》第三十五条（依法应当先经下级行政机关审查后报上级行政机关决定的行政许可，"
        "下级行政机关将初步审查意见和全部申请材料报送上级行政机关）、第四十三条",
        source_en="Administrative Licensing Law of the PRC, art. 35 (a licence decided by a higher organ after a "
                  "lower organ's review: the lower organ reports its preliminary opinion and all materials to the "
                  "higher one) and art. 43",
        matcher="levels"),
    Constraint(
        "commitment_legal_basis",
        "该要求由{word}设定：实行告知承诺须先修改该依据或取得法律授权（需法律授权）",
        "the requirement is set by {word}: a written commitment needs that basis amended or authorised "
        "(legal authorisation needed)",
        (COMMIT,), (), ("basis", "legal_basis"),
        "《中华人民共和国立法法》；国办发〔2020〕42号（依法设定的证明事项，改为告知承诺须于法有据）",
        source_en="Legislation Law of the PRC; State Council General Office, Guobanfa [2020] No. 42 (a proof "
                  "required by law becomes a commitment only with a legal basis)",
        qualifies=True, matcher="law"),
]

#: id -> Constraint, in the order they are checked
CONSTRAINT_REGISTRY: dict[str, Constraint] = {c.id: c for c in CONSTRAINTS}


@dataclass
class ConstraintSet:
    """The constraints `propose` honours (all of the registry, each possibly re-configured)."""

    constraints: list[Constraint] = field(default_factory=lambda: list(CONSTRAINTS))

    def get(self, constraint_id: str) -> Constraint:
        return next(c for c in self.constraints if c.id == constraint_id)

    def forbidding(self, lever: str, matter: Matter, target: str = "", basis: str = "") -> tuple[Constraint, dict] | None:
        """The first enabled constraint that forbids `lever` here, with its evidence."""
        for constraint in self.constraints:
            if constraint.qualifies or lever not in constraint.forbids:
                continue
            evidence = constraint.match(matter, target, basis)
            if evidence:
                return constraint, evidence
        return None

    def qualifying(self, lever: str, matter: Matter, target: str = "", basis: str = "") -> tuple[Constraint, dict] | None:
        """The first enabled qualifying constraint (a note, not a veto) on `lever` here."""
        for constraint in self.constraints:
            if constraint.qualifies and lever in constraint.forbids:
                evidence = constraint.match(matter, target, basis)
                if evidence:
                    return constraint, evidence
        return None

    def configure(self, settings: dict) -> ConstraintSet:
        """A new set with `settings` ({id: {enabled, vocabulary}} or {id: bool}) applied; the caller
        has checked the ids (see `bpr.analyse.rules.config.settings_from_yaml`)."""
        out = []
        for constraint in self.constraints:
            setting = settings.get(constraint.id)
            if isinstance(setting, bool):
                constraint = constraint.configured(enabled=setting)
            elif isinstance(setting, dict):
                constraint = constraint.configured(enabled=setting.get("enabled"),
                                                   vocabulary=setting.get("vocabulary") or ())
            out.append(constraint)
        return ConstraintSet(out)

    def describe(self) -> list[dict]:
        return [c.describe() for c in self.constraints]
