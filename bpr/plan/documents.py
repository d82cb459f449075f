"""What a material is: the document behind its name, who issues it, who writes it.

- `document_key(name)`: the document a material name refers to, so that "营业执照复印件",
  "营业执照（副本）原件" and "营业执照" are one document, and "居民身份证原件及复印件" and "身份证"
  are one (through the aliases of the licence catalogue).
- `LicenceCatalogue`: the bundled list of common e-licences and certificates (bpr/data/licences.txt),
  extendable with a user file in the same format.
- `is_government_body`, `is_applicant_written`, `is_catch_all`, `is_fact_certificate`: the tests the
  material proposals are built from.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bpr.errors import InputError
from bpr.io.safety import read_text_file

# Leading numbering: "1、" "（1）" "1." "一、" "①"
#: a licence list is a few hundred lines; anything far larger is the wrong file
MAX_LIST_BYTES = 4 << 20
_NUMBERING = re.compile(r"^\s*(?:[（(]?\s*[0-9一二三四五六七八九十]+\s*[）)、.．:：]|[①-⑳])\s*")
_PAREN = re.compile(r"[（(][^）)]*[）)]|【[^】]*】|\[[^\]]*\]")
# What a name says about the paper, not about the document: kind, form, copies.
_PAPER_WORDS = re.compile(
    r"(原件(及|和|与|、|或)?复印件|复印件(及|和|与|、|或)?原件|原件|复印件|影印件|扫描件|电子件|电子版|"
    r"正本|副本|正副本|加盖公章|加盖印章|[一二两三四五六七八九十\d]+份|一式[一二两三四五六七八九十\d]+份)")
_SPACES = re.compile(r"[\s\u3000]+")
_TRAILING = re.compile(r"[；;，,。.、及和与:：]+$")


@functools.lru_cache(maxsize=65536)
def _strip_paper_words(name: str) -> str:
    text = _NUMBERING.sub("", name)
    text = _PAREN.sub("", text)
    text = _SPACES.sub("", text)
    text = _PAPER_WORDS.sub("", text)
    return _TRAILING.sub("", text)


@dataclass
class LicenceCatalogue:
    """Names of government-issued licences and certificates; each alias maps to its canonical name."""

    names: dict[str, str] = field(default_factory=dict)  # alias or canonical -> canonical
    _pattern: re.Pattern | None = field(default=None, repr=False, compare=False)
    _pattern_size: int = field(default=0, repr=False, compare=False)

    @classmethod
    def bundled(cls) -> LicenceCatalogue:
        """The bundled list (a fresh object each time, so callers may extend it)."""
        text = resources.files("bpr").joinpath("data/licences.txt").read_text(encoding="utf-8")
        catalogue = cls()
        catalogue._add_text(text, "bpr/data/licences.txt")
        return catalogue

    @classmethod
    def load(cls, *extra: str | Path) -> LicenceCatalogue:
        """The bundled list plus the user's files (same format: `名称|别名|别名`, `#` comments)."""
        catalogue = cls.bundled()
        for path in extra:
            path = Path(path)
            if not path.exists():
                raise InputError.of("plan_licence_list_not_found", file=path)
            # a regular file of at most MAX_LIST_BYTES, in UTF-8 or GBK
            text = read_text_file(path, MAX_LIST_BYTES)
            catalogue._add_text(text, str(path))
        return catalogue

    def _add_text(self, text: str, source: str) -> None:
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = [p.strip() for p in line.split("|") if p.strip()]
            if any(len(p) < 2 or len(p) > 60 for p in parts):
                raise InputError.of("plan_licence_name_length", file=source, row=number, expected="名称|别名|别名")
            canonical = parts[0]
            for alias in parts:
                self.names[alias] = canonical

    def __len__(self) -> int:
        return len(set(self.names.values()))

    def canonical(self, name: str) -> str | None:
        """The licence a material name refers to (longest alias contained in the name), or None."""
        text = _strip_paper_words(name)
        if self._pattern is None or self._pattern_size != len(self.names):
            aliases = sorted(self.names, key=lambda a: (-len(a), a))
            # longest alias first at each position; an alias followed by 明 is part of …证明
            self._pattern = re.compile("|".join(f"{re.escape(a)}(?!明)" for a in aliases))
            self._pattern_size = len(self.names)
        best: str | None = None
        position = 0
        while (match := self._pattern.search(text, position)) is not None:
            if best is None or len(match.group()) > len(best):
                best = match.group()
            position = match.start() + 1
        return None if best is None else self.names[best]

    def exact(self, name: str) -> str | None:
        """The canonical name when the whole (cleaned) name is a licence name or alias."""
        return self.names.get(_strip_paper_words(name))


_GENERIC_LICENCE = re.compile(r"(许可证|许可证书|执业证书|资格证书|登记证书|批准证书|资质证书)$")


def alternatives(name: str) -> list[str]:
    """"结婚证或离婚协议书" -> ["结婚证", "离婚协议书"]: an item the applicant may meet either way."""
    return [part for part in re.split(r"或者|或", name) if part.strip()] or [name]


def licence_name(name: str, licences: LicenceCatalogue) -> str | None:
    """The government-issued licence a material is, or None: catalogue match or a generic
    licence ending (…许可证, …执业证书, …资质证书), unless the applicant writes it. For "A或B" the
    first alternative that is a licence counts (sharing it meets the item)."""
    for part in alternatives(name):
        if is_applicant_written(part):
            continue
        found = licences.canonical(part)
        if found:
            return found
        cleaned = _strip_paper_words(part)
        if _GENERIC_LICENCE.search(cleaned):
            return cleaned
    return None


def document_key(name: str, licences: LicenceCatalogue | None = None) -> str:
    """The document behind a material name, for matching across matters and within one.

    Numbering, parenthesised remarks, 原件/复印件/份数 and spaces are dropped; a name that is
    exactly a licence alias becomes the canonical licence name ("身份证" -> "居民身份证").
    """
    cleaned = _strip_paper_words(name)
    if licences is not None:
        canonical = licences.names.get(cleaned)
        if canonical:
            return canonical
    return cleaned or name.strip()


# 出具机构 that are government bodies; companies, hospitals, banks, firms and village/resident
# committees (self-governing, not government) are excluded.
_GOV_BODY = re.compile(
    r"(人民政府|政府|法院|检察院|公安|派出所|司法所|税务|海关|[局厅委部署办]$|委员会$|管理局|监督局|"
    r"街道办事处|办事处$|(登记|管理|服务|政务|公积金|社会保险|社保|医保|不动产|交易|事务)中心)")
_NOT_GOV = re.compile(r"(公司|企业|医院|卫生院|诊所|银行|学校|大学|学院|律师|会计师|事务所|协会|商会|"
                      r"居民委员会|村民委员会|居委会|村委会|社区|有限|合作社|工作室|个人|申请人|本人)")


def is_government_body(issuer: str) -> bool:
    """Is this 出具机构 a government body (…局, …委, …厅, …部, 派出所, 人民政府, 法院, 登记中心 …)?"""
    issuer = _SPACES.sub("", issuer or "")
    if not issuer or _NOT_GOV.search(issuer):
        return False
    return any(_GOV_BODY.search(part) for part in re.split(r"[、/,，;；或和及]", issuer) if part)


_APPLICANT_WRITTEN = re.compile(
    r"(申请书|申请表|申报表|登记表|信息表|情况表|备案表|审批表|申请报告|章程|方案|平面图|布局图|示意图|图纸|"
    r"设计图|合同|协议|承诺书|说明|声明|报告|决议|决定书|委托书|授权书|清单|简历|照片|名册|计划|"
    r"制度|书面意见|意见书)")


def is_applicant_written(name: str) -> bool:
    """Does the applicant (or someone they commission) write this document? Never shared."""
    cleaned = _strip_paper_words(name)
    if _APPLICANT_WRITTEN.search(cleaned) is None:
        return False
    # "…备案表" and "…意见书" issued by a government body are in the licence list with full names.
    return cleaned not in _issued_exceptions()


_EXCEPTIONS: set[str] | None = None


def _issued_exceptions() -> set[str]:
    """Licence-list names that contain a writing word (竣工验收备案表, 消防验收意见书…)."""
    global _EXCEPTIONS
    if _EXCEPTIONS is None:
        bundled = LicenceCatalogue.bundled()
        _EXCEPTIONS = {alias for alias in bundled.names if _APPLICANT_WRITTEN.search(alias)}
    return _EXCEPTIONS


_CATCH_ALL = re.compile(
    r"((其他|其它)(相关|有关|必要|必需|需要|所需|应当提交|应提交|需提交)?的?(材料|文件|资料|证明)|"
    r"(认为|要求)(需要|应当|必须)?(提交|提供)的|规定的其他|另行要求|其他.*(认为|要求))")


def is_catch_all(name: str) -> bool:
    """A 兜底 item such as "其他相关材料" or "审批机关认为需要提交的其他材料"."""
    return bool(_CATCH_ALL.search(_SPACES.sub("", name)))


_FACT_CERTIFICATE = re.compile(r"证明(材料|文件|书|信)?$")


def is_fact_certificate(name: str) -> bool:
    """A certificate of a fact (…证明: 居住证明, 收入证明, 无违法证明), fit for 告知承诺制."""
    return bool(_FACT_CERTIFICATE.search(_strip_paper_words(name)))
