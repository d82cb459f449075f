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
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import ClassVar

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
    """Names of government-issued licences and certificates; each alias maps to its canonical name.

    `held` is what the local 电子证照 library holds (canonical names), or None when no library
    file was given (every licence type is taken as available); `issuers` maps a canonical name to
    its issuing department (bundled table bpr/data/licence_issuers.txt, then the library file).
    """

    names: dict[str, str] = field(default_factory=dict)  # alias or canonical -> canonical
    held: set[str] | None = None
    issuers: dict[str, str] = field(default_factory=dict)  # canonical -> issuing department
    _pattern: re.Pattern | None = field(default=None, repr=False, compare=False)
    _pattern_size: int = field(default=0, repr=False, compare=False)

    @classmethod
    def bundled(cls) -> LicenceCatalogue:
        """The bundled list (a fresh object each time, so callers may extend it)."""
        text = resources.files("bpr").joinpath("data/licences.txt").read_text(encoding="utf-8")
        catalogue = cls()
        catalogue._add_text(text, "bpr/data/licences.txt")
        catalogue.issuers.update(_bundled_issuers())
        return catalogue

    @classmethod
    def load(cls, *library: str | Path) -> LicenceCatalogue:
        """The bundled list plus the local 电子证照 library: the licence types it holds, from one
        or more files (see `read_library`). With a file, share proposals are restricted to the
        types it holds; the names are also added to the list of known licences."""
        catalogue = cls.bundled()
        for path in library:
            catalogue.hold(read_library(path))
        return catalogue

    def hold(self, entries: list[LibraryEntry]) -> None:
        """Add library entries: their names become known licences and held types."""
        held = self.held if self.held is not None else set()
        for entry in entries:
            canonical = self.names.get(entry.name) or next(
                (self.names[a] for a in entry.aliases if a in self.names), entry.name)
            for alias in (entry.name, *entry.aliases):
                self.names.setdefault(alias, canonical)
            held.add(canonical)
            if entry.department:
                self.issuers[canonical] = entry.department
        self.held = held

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

    def holds(self, document: str) -> bool:
        """Can the local 电子证照 library supply this document type (always, with no library)?"""
        return self.held is None or document in self.held or self.names.get(document) in self.held

    def issuer(self, document: str) -> str:
        """The issuing department of a document type, or "" when unknown."""
        return self.issuers.get(document) or self.issuers.get(self.names.get(document, ""), "")


@functools.lru_cache(maxsize=1)
def _bundled_issuers() -> dict[str, str]:
    text = resources.files("bpr").joinpath("data/licence_issuers.txt").read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if "|" in line:
            name, department = (x.strip() for x in line.split("|", 1))
            out[name] = department
    return out


# --- the local 电子证照 library file -----------------------------------------------------------------

@dataclass(frozen=True)
class LibraryEntry:
    """One licence type the local e-licence library holds."""

    name: str
    aliases: tuple[str, ...] = ()
    department: str = ""  # issuing department (发证部门), when the file says


_NAME_HEADERS = ("证照名称", "证照类型", "证照", "名称", "licence", "license", "name", "type")
_DEPARTMENT_HEADERS = ("发证部门", "颁发部门", "发证机关", "发证单位", "出具机构", "部门", "department", "issuer")
_ALIAS_HEADERS = ("别名", "aliases", "alias")


def read_list_file(path: str | Path, missing: str, undecodable: str) -> str:
    """The text of a user's list file (licence library, synonyms, issued documents): a regular
    file of at most MAX_LIST_BYTES in UTF-8 or GBK; InputError `missing` / `undecodable` otherwise."""
    path = Path(path)
    if not path.exists():
        raise InputError.of(missing, file=path)
    try:
        text = read_text_file(path, MAX_LIST_BYTES)
    except InputError as exc:
        if exc.key != "err_text_encoding":
            raise
        raise InputError.of(undecodable, file=path) from None
    if "\x00" in text:
        raise InputError.of(undecodable, file=path)
    return text


def read_library(path: str | Path) -> list[LibraryEntry]:
    """Read a licence library file: CSV with a header (证照名称[, 发证部门][, 别名]) or plain text,
    one licence per line (`名称|别名|别名`, optionally `,发证部门` or a tab and the department
    after it; "#" starts a comment). Anything else is an InputError naming file and row."""
    import csv
    import io

    path = Path(path)
    text = read_list_file(path, "plan_licence_list_not_found", "plan_licence_list_not_utf8")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    header = [c.strip().lower() for c in next(csv.reader([first]))] if first else []
    entries: list[LibraryEntry] = []
    if any(h in _NAME_HEADERS for h in header) or path.suffix.lower() == ".csv":
        name_col = next((i for i, h in enumerate(header) if h in _NAME_HEADERS), None)
        if name_col is None:
            raise InputError.of("plan_licence_csv_no_name", file=path, row=1)
        dept_col = next((i for i, h in enumerate(header) if h in _DEPARTMENT_HEADERS), None)
        alias_col = next((i for i, h in enumerate(header) if h in _ALIAS_HEADERS), None)
        rows = csv.reader(io.StringIO(text))
        started = False
        for number, row in enumerate(rows, start=1):
            if not started:
                started = bool(row and any(c.strip() for c in row) and not row[0].lstrip().startswith("#"))
                continue  # the header
            if not any(c.strip() for c in row) or row[0].lstrip().startswith("#"):
                continue
            name = row[name_col].strip() if name_col < len(row) else ""
            aliases = tuple(a.strip() for a in (row[alias_col] if alias_col is not None and alias_col < len(row)
                                                 else "").split("|") if a.strip())
            department = row[dept_col].strip() if dept_col is not None and dept_col < len(row) else ""
            entries.append(_entry(path, number, name, aliases, department, header[name_col]))
    else:
        for number, line in enumerate(lines, start=1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = [f.strip() for f in re.split(r"[\t,，]", line)]
            if len(fields) > 2:
                raise InputError.of("plan_licence_line_format", file=path, row=number)
            parts = [p.strip() for p in fields[0].split("|") if p.strip()]
            entries.append(_entry(path, number, parts[0] if parts else "", tuple(parts[1:]),
                                  fields[1] if len(fields) > 1 else "", None))
    if not entries:
        raise InputError.of("plan_licence_list_empty", file=path)
    return entries


def _entry(path: Path, row: int, name: str, aliases: tuple[str, ...], department: str,
           column: str | None) -> LibraryEntry:
    if any(len(p) < 2 or len(p) > 60 for p in (name, *aliases)) or len(department) > 60:
        raise InputError.of("plan_licence_name_length", file=path, row=row, column=column,
                            expected="名称|别名|别名")
    return LibraryEntry(name, aliases, department)


_FORM = re.compile(r"(申请书|申请表|申报表|登记表|审批表)")


def is_application_form(name: str) -> bool:
    """An application form (申请书, 申请表, 申报表, 登记表, 审批表): one joint form in a 一件事, never 容缺."""
    return bool(_FORM.search(name))


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


# A trailing word that names the kind of paper, not the document: 住所使用证明 = 住所使用证明文件.
_KIND_SUFFIX = re.compile(r"(证明文件|证明材料|证明|文件|材料|资料|文本)$")


def match_key(name: str) -> str:
    """A name reduced for synonym matching: paper words dropped (see `document_key`), then a
    trailing 证明/文件/材料/资料/文本 ("住所使用证明" and "住所使用证明文件" -> "住所使用")."""
    text = _strip_paper_words(name)
    while (shorter := _KIND_SUFFIX.sub("", text)) != text and len(shorter) >= 2:
        text = shorter
    return text


class _ListTable:
    """A table read from a bundled `bpr/data/*.txt` list, extendable with the user's files in the
    same format (one entry a line, `#` starts a comment). Subclasses parse lines in `_add_text`."""

    RESOURCE: ClassVar[str]
    MISSING: ClassVar[str]  # error codes for a user's file that is absent / not text
    UNDECODABLE: ClassVar[str]

    def _add_text(self, text: str, source: str) -> None:
        raise NotImplementedError

    @classmethod
    def bundled(cls):
        """The bundled table (a fresh object each time, so callers may extend it)."""
        table = cls()
        table._add_text(resources.files("bpr").joinpath(cls.RESOURCE).read_text(encoding="utf-8"), f"bpr/{cls.RESOURCE}")
        return table

    @classmethod
    def load(cls, *extra: str | Path):
        """The bundled table plus the user's files (same format)."""
        table = cls.bundled()
        for path in extra:
            table._add_text(read_list_file(path, cls.MISSING, cls.UNDECODABLE), str(path))
        return table


def _list_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of a list file, comments and blank lines left out."""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if line:
            yield number, line


@dataclass
class DocumentSynonyms(_ListTable):
    """One document under several names (房屋租赁合同 / 住所使用证明 / 经营场所使用证明): a table of
    `shown name|other name|…` lines, bundled (bpr/data/document_synonyms.txt) and extendable."""

    RESOURCE = "data/document_synonyms.txt"
    MISSING, UNDECODABLE = "plan_synonyms_not_found", "plan_synonyms_not_utf8"

    names: dict[str, str] = field(default_factory=dict)  # match_key -> shown name

    def _add_text(self, text: str, source: str) -> None:
        for number, line in _list_lines(text):
            parts = [p.strip() for p in line.split("|") if p.strip()]
            if len(parts) < 2 or any(len(p) < 2 or len(p) > 60 for p in parts):
                raise InputError.of("plan_synonyms_line", file=source, row=number)
            for name in parts:
                self.names[match_key(name)] = parts[0]

    def shown(self, name: str) -> str | None:
        """The shown name of the document `name` is one of the names of, or None."""
        return self.names.get(match_key(name))


def document_key(name: str, licences: LicenceCatalogue | None = None,
                 synonyms: DocumentSynonyms | None = None) -> str:
    """The document behind a material name, for matching across matters and within one.

    Numbering, parenthesised remarks, 原件/复印件/份数 and spaces are dropped; a name that is
    exactly a licence alias becomes the canonical licence name ("身份证" -> "居民身份证"); with a
    synonym table, a name in it becomes the table's shown name ("房屋租赁合同" -> "经营场所使用证明").
    """
    cleaned = _strip_paper_words(name)
    if licences is not None:
        canonical = licences.names.get(cleaned)
        if canonical:
            return canonical
    if synonyms is not None:
        shown = synonyms.shown(name)
        if shown:
            return shown
    return cleaned or name.strip()


@dataclass
class IssuedVocabulary(_ListTable):
    """What common matters issue (企业设立登记 → 营业执照, 食品经营许可 → 食品经营许可证 …), for
    matters whose sheet has no 结果名称: bpr/data/issued_documents.txt, extendable."""

    RESOURCE = "data/issued_documents.txt"
    MISSING, UNDECODABLE = "plan_issued_not_found", "plan_issued_not_utf8"

    words: dict[str, str] = field(default_factory=dict)  # word of a matter name -> document
    none_words: set[str] = field(default_factory=set)  # words meaning nothing is issued (注销)

    def _add_text(self, text: str, source: str) -> None:
        for number, line in _list_lines(text):
            negative = line.startswith("-")
            parts = [p.strip() for p in line.lstrip("-").split("|") if p.strip()]
            if (not negative and len(parts) < 2) or any(len(p) < 2 or len(p) > 60 for p in parts):
                raise InputError.of("plan_issued_line", file=source, row=number)
            if negative:
                self.none_words.update(parts)
            else:
                for word in parts[1:]:
                    self.words[_SPACES.sub("", word)] = parts[0]

    def issued_by(self, matter_name: str) -> str | None:
        """The document a matter of this name issues (longest word found), or None."""
        name = _SPACES.sub("", matter_name)
        if any(w in name for w in self.none_words):
            return None
        found = [w for w in self.words if w in name]
        return self.words[max(found, key=lambda w: (len(w), w))] if found else None


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
    r"((其他|其它)(相关|有关|必要|必需|需要|所需|应当|应|需)?(提交|提供)?的?(材料|文件|资料|证明)|"
    r"(认为|要求)(需要|应当|必须)?(提交|提供)的|规定的其他|另行要求|其他.*(认为|要求))")


def is_catch_all(name: str) -> bool:
    """A 兜底 item such as "其他相关材料" or "审批机关认为需要提交的其他材料"."""
    return bool(_CATCH_ALL.search(_SPACES.sub("", name)))


_FACT_CERTIFICATE = re.compile(r"证明(材料|文件|书|信)?$")


def is_fact_certificate(name: str) -> bool:
    """A certificate of a fact (…证明: 居住证明, 收入证明, 无违法证明), fit for 告知承诺制."""
    return bool(_FACT_CERTIFICATE.search(_strip_paper_words(name)))


def government_issued(material, licences: LicenceCatalogue) -> tuple[str, list[tuple[str, str]]] | None:
    """(document type, reasons as (zh, en)) when a government body issues this material, as the
    share proposal of `bpr propose` decides: 来源渠道 政府部门核发, an 出具机构 that is a government
    body, or a name in the licence list; documents the applicant writes never. None otherwise."""
    if all(is_applicant_written(part) for part in alternatives(material.name)):
        return None
    from bpr.model import SourceChannel

    licence = licence_name(material.name, licences)
    gov_issuer = is_government_body(material.issuer)
    by_source = material.source is SourceChannel.GOVERNMENT
    if not (licence or gov_issuer or by_source):
        return None
    reasons = []
    if by_source:
        reasons.append(("来源渠道：政府部门核发", "source channel: issued by government"))
    if gov_issuer:
        reasons.append((f"出具机构：{material.issuer}", f"issuer: {material.issuer}"))
    if licence:
        reasons.append((f"证照目录：{licence}", f"licence list: {licence}"))
    return licence or _strip_paper_words(material.name), reasons


def issuing_department(document: str, material, licences: LicenceCatalogue) -> str:
    """Who issues it: the material's 出具机构 when it is a government body, else the licence
    library's or the bundled table's department, else ""."""
    if material is not None and material.issuer and is_government_body(material.issuer):
        return material.issuer
    return licences.issuer(document)
