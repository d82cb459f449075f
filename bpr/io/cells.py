"""Cell-value parsers for matter sheets: the spellings real catalogues use, one function each.

Every parser takes the raw cell value (str, int, float, bool, datetime; never None) and returns
the parsed value, or `INVALID` when the text cannot be read; the reader then records a
`DataWarning` and leaves the field unknown. Parsers are cached: a catalogue of 100,000 matters
repeats the same few hundred spellings, so each distinct value is parsed once.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache

from bpr.model.material import Material, MaterialForm, MaterialKind, Necessity, SourceChannel
from bpr.model.matter import Channel, HandlingType
from bpr.model.step import Step
from bpr.model.timelimit import TimeLimit, Unit, chinese_number


class _Invalid:
    """Marker for an unreadable value (falsy, unique)."""

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()
_CACHE = 8192


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


#: =HYPERLINK("link") or =HYPERLINK("link", "shown text"), literal arguments only ("" escapes a quote)
_HYPERLINK = re.compile(r'^\s*=?\s*HYPERLINK\s*\(\s*(?:"((?:[^"]|"")*)"|[^,;"()]+)\s*(?:[,;]\s*"((?:[^"]|"")*)"\s*)?\)\s*$',
                        re.IGNORECASE)


def formula_display(formula: str) -> str | None:
    """The text a formula shows, when it can be known without Excel computing it: a HYPERLINK with
    literal arguments shows its second argument (the friendly name), else its link. None otherwise."""
    found = _HYPERLINK.match(formula or "")
    if not found:
        return None
    shown = found.group(2) if found.group(2) is not None else found.group(1)
    return text(shown.replace('""', '"')) or None if shown is not None else None


def text(value: object) -> str:
    """A cell as clean text: 20.0 -> '20', dates as ISO, spreadsheet-escape quote removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    out = str(value)
    if _XML_ILLEGAL.search(out):  # NUL, 0x0B … break every XML writer (xlsx, docx, BPMN, GraphML)
        out = _XML_ILLEGAL.sub("", out)
    out = out.strip()
    if out[:1] == "'" and out[1:2] in ("=", "+", "-", "@"):  # written by bpr.io.safety.escape_cell
        out = out[1:]
    return out


def _norm(value: object) -> str:
    """NFKC (full-width -> half-width, 'Ⅳ' -> 'IV'), no spaces, lower case: '（ Ⅳ级 ）' -> '(iv级)'."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text(value))).lower()


# --- yes / no ------------------------------------------------------------------------------------
_YES = {"是", "√", "✓", "✔", "☑", "支持", "y", "yes", "true", "1", "有", "可以", "可", "能", "需要", "需",
        "要", "已实现", "实现", "可办", "提供", "允许", "必须", "t"}
_NO = {"否", "×", "✗", "✘", "☒", "x", "不支持", "n", "no", "false", "0", "无", "没有", "不可以", "不可", "不能",
       "不需要", "不需", "不要", "未实现", "不提供", "不允许", "不是", "f", "/", "-", "—"}


@lru_cache(maxsize=_CACHE)
def parse_bool(value: object) -> bool | object:
    """是/否, √/×, 支持/不支持, Y/N, 1/0, 有/无; '是（需预约）' counts as 是."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value) if value in (0, 1) else INVALID
    norm = re.sub(r"[(（][^)）]*[)）]", "", _norm(value)).rstrip("。.,，;；")
    if norm in _YES:
        return True
    if norm in _NO:
        return False
    if norm.startswith(("不", "否", "无", "未")):
        return False
    if norm.startswith(("是", "支持", "可以", "有")):
        return True
    return INVALID


# --- online depth ------------------------------------------------------------------------------
# after NFKC and lower(): Ⅳ -> "iv"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4,
          "0": 0, "零": 0}
_DEPTH_LEVEL = re.compile(r"(iv|iii|ii|i|[0-4一二三四零])(?:级|星)")
_DEPTH_WORDS = [
    (("全程网办", "全流程网办", "全程网上办理", "全程在线"), 4),
    (("网上受理", "网上预审", "网上申报", "在线预审", "网上办理"), 3),
    (("网上预约", "表格下载", "下载表格", "在线预约"), 2),
    (("网上咨询", "信息发布", "信息公开", "办事指南", "在线咨询", "网上查询"), 1),
    (("不可网办", "不支持网办", "不能网办", "不支持", "无", "否", "不可", "不涉及"), 0),
]


@lru_cache(maxsize=_CACHE)
def parse_depth(value: object) -> int | object:
    """网上办理深度 0..4 from Ⅳ级, 四级, 4, IV, '全程网办（Ⅳ级）', '三级（网上预审）'; 0 = not online."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if value in (0, 1, 2, 3, 4) else INVALID
    norm = _norm(value)  # explicit levels first, then words
    if norm in _ROMAN:
        return _ROMAN[norm]
    match = _DEPTH_LEVEL.search(norm)
    if match:
        return _ROMAN[match.group(1)]
    for words, level in _DEPTH_WORDS:
        if any(w in norm for w in words):
            return level
    return INVALID


# --- visits -------------------------------------------------------------------------------------
_ZERO_VISITS = ("零跑动", "跑零次", "零跑腿", "不见面", "零次", "无需到现场", "不需要到现场", "无需跑动", "0跑动")
_VISITS = re.compile(r"^(?:最多|不超过|至多|最少|至少)?(?:跑)?(\d+|[零一二两三四五六七八九十]+)(?:次|趟)?(?:以内|以下)?$")


@lru_cache(maxsize=_CACHE)
def parse_visits(value: object) -> int | object:
    """到办事现场次数: '0次', '1', '最多跑一次', '零跑动', '2次'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and 0 <= value <= 50 else INVALID
    norm = re.sub(r"[(（][^)）]*[)）]", "", _norm(value)).rstrip("。.")
    if any(w in norm for w in _ZERO_VISITS):
        return 0
    return _whole(_VISITS.match(norm.replace("跑动", "").replace("跑腿", "")))


def _whole(match: re.Match | None) -> int | object:
    """The whole number in a match's first group ('2' or '二'), else INVALID."""
    number = chinese_number(match.group(1)) if match else None
    return int(number) if number is not None and number.is_integer() else INVALID


# --- time limits --------------------------------------------------------------------------------
@lru_cache(maxsize=_CACHE)
def parse_limit(value: object, default_unit: Unit = Unit.WORKING_DAY) -> TimeLimit:
    """A TimeLimit (see `TimeLimit.parse`); unreadable text keeps its raw text with unit None."""
    if isinstance(value, str):
        value = text(value)
    return TimeLimit.parse(value, default_unit)


@lru_cache(maxsize=256)
def parse_unit(value: object) -> Unit | object:
    """A separate unit column: 工作日, 自然日/天, 月, 年, 小时."""
    norm = _norm(value).removeprefix("个")
    for unit, words in ((Unit.WORKING_DAY, ("工作日", "工作天")), (Unit.NATURAL_DAY, ("自然日", "日历日", "天", "日")),
                        (Unit.MONTH, ("月", "自然月")), (Unit.YEAR, ("年",)), (Unit.HOUR, ("小时",))):
        if norm in words:
            return unit
    return INVALID


def limit_text(limit: TimeLimit) -> str:
    """Text that `parse_limit` reads back as the same value and unit (used by the template)."""
    if not limit.raw and limit.unit is None:
        return ""
    if limit.unit is None or TimeLimit.parse(text(limit.raw)) == limit:
        return limit.raw
    value = "" if limit.value is None else (str(int(limit.value)) if limit.value.is_integer() else str(limit.value))
    return {
        Unit.IMMEDIATE: "即办", Unit.UNLIMITED: "无期限", Unit.WORKING_DAY: f"{value}个工作日",
        Unit.NATURAL_DAY: f"{value}个自然日", Unit.MONTH: f"{value}个月", Unit.YEAR: f"{value}年",
        Unit.HOUR: f"{value}小时",
    }[limit.unit]


# --- coded fields -------------------------------------------------------------------------------
@lru_cache(maxsize=_CACHE)
def parse_source(value: object) -> SourceChannel | object:
    """来源渠道: 10/20/99 or 申请人自备, 政府部门核发, 其他 (also '20 政府部门核发')."""
    norm = _norm(value)
    match = re.match(r"^(10|20|99)(?!\d)", norm)
    if match:
        return SourceChannel(match.group(1))
    if any(w in norm for w in ("政府", "部门核发", "核发", "共享", "部门出具", "行政机关")):
        return SourceChannel.GOVERNMENT
    if any(w in norm for w in ("申请人", "自备", "自行", "本人")):
        return SourceChannel.APPLICANT
    if "其他" in norm or "中介" in norm or "第三方" in norm:
        return SourceChannel.OTHER
    return INVALID


@lru_cache(maxsize=_CACHE)
def parse_form(value: object) -> MaterialForm | object:
    """材料形式: 纸质, 电子, 纸质和电子 (及/、/或/+/,)."""
    norm = _norm(value)
    paper = "纸质" in norm or "纸本" in norm or norm == "纸"
    electronic = "电子" in norm
    if paper and electronic:
        return MaterialForm.BOTH
    if paper:
        return MaterialForm.PAPER
    if electronic:
        return MaterialForm.ELECTRONIC
    return INVALID


_COPY_WORDS = ("复印件", "复制件", "影印件", "扫描件", "复印")


@lru_cache(maxsize=_CACHE)
def parse_kind(value: object) -> MaterialKind | object:
    """材料类型: 原件, 复印件, 原件和复印件 (原件及复印件, 原件、复印件)."""
    norm = _norm(value)
    original = "原件" in norm
    copy = any(w in norm for w in _COPY_WORDS)
    if original and copy:
        return MaterialKind.BOTH
    if original:
        return MaterialKind.ORIGINAL
    if copy:
        return MaterialKind.COPY
    return INVALID


@lru_cache(maxsize=_CACHE)
def parse_necessity(value: object) -> Necessity | object:
    """材料必要性: 必要/必须/是, 非必要/否/可选, 容缺后补/容缺."""
    if isinstance(value, bool) or value in (0, 1):
        return Necessity.REQUIRED if value else Necessity.OPTIONAL
    norm = _norm(value)
    if "容缺" in norm:
        return Necessity.DEFERRABLE
    if norm.startswith(("非", "不", "否", "可选", "选填", "选择", "按需", "视情")) or norm in ("n", "no"):
        return Necessity.OPTIONAL
    if norm.startswith(("必", "是", "需")) or norm in ("y", "yes"):
        return Necessity.REQUIRED
    return INVALID


@lru_cache(maxsize=_CACHE)
def parse_handling(value: object) -> HandlingType | object:
    """办件类型: 1/即办件, 2/承诺件; 上报件 and 联办件 (reported to a higher level, handled with other
    departments: some provinces' further types) have a promised limit, so count as 承诺件."""
    norm = _norm(value)
    if norm in ("1", "1.0") or norm.startswith(("即办", "1即办", "1-即办")):
        return HandlingType.IMMEDIATE
    if norm in ("2", "2.0") or norm.startswith(("承诺", "2承诺", "2-承诺", "上报", "联办")):
        return HandlingType.PROMISED
    return INVALID


_CHANNEL_WORDS = [
    (Channel.MAIL, ("快递", "邮寄", "物流", "寄递")),
    (Channel.MOBILE, ("移动", "掌上", "手机", "app", "小程序", "微信")),
    (Channel.ONLINE, ("网上", "网办", "在线", "一网通办", "互联网", "网络", "线上")),
    (Channel.WINDOW, ("窗口", "现场", "大厅", "线下", "柜台")),
]
_LIST_SPLIT = re.compile(r"[、,，;；/|\n]+|\s+|和|及|或")


@lru_cache(maxsize=_CACHE)
def parse_channels(value: object) -> frozenset[Channel] | object:
    """办理形式: '窗口办理、网上办理', '1,2,4', '窗口办理；移动端办理'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = text(value)
    out: set[Channel] = set()
    for token in _LIST_SPLIT.split(_norm(value)):
        if not token:
            continue
        if token in ("1", "2", "3", "4"):
            out.add(Channel(token))
            continue
        if re.fullmatch(r"[1-4]+", token):  # "124"
            out.update(Channel(ch) for ch in token)
            continue
        found = next((c for c, words in _CHANNEL_WORDS if any(w in token for w in words)), None)
        if found is None:
            return INVALID
        out.add(found)
    return frozenset(out) if out else INVALID


def channels_text(channels: set[Channel]) -> str:
    """'窗口办理、网上办理' in code order (the template's spelling)."""
    words = {Channel.WINDOW: "窗口办理", Channel.ONLINE: "网上办理", Channel.MOBILE: "移动端", Channel.MAIL: "快递申请"}
    return "、".join(words[c] for c in sorted(channels))


@lru_cache(maxsize=_CACHE)
def parse_int(value: object) -> int | object:
    """A count: 2, '2', '2份', '二份'."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value) if float(value).is_integer() and value >= 0 else INVALID
    norm = _norm(value)
    return _whole(re.fullmatch(r"(?:各|共)?(\d+|[一二两三四五六七八九十]+)(?:份|个|张|套|页|次)?", norm))


@lru_cache(maxsize=_CACHE)
def parse_text_list(value: object) -> tuple[str, ...]:
    """'A、B；C' -> ('A', 'B', 'C'); '无' -> ()."""
    raw = text(value)
    if raw in ("无", "—", "-", "/", "／", "－"):
        return ()
    return tuple(p.strip() for p in re.split(r"[、,，;；\n]+", raw) if p.strip())


# --- packed lists -------------------------------------------------------------------------------
_ITEM_NUMBER = re.compile(
    r"[(（]\d{1,2}[)）]|[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]|[(（][一二三四五六七八九十]+[)）]|"
    r"(?:^|(?<=[\s；;。，,]))(?:\d{1,2}[、.．:：)）](?!\d)|[一二三四五六七八九十]+、)")
_COPIES = re.compile(r"(各)?(\d+|[一二两三四五六七八九十]+)份")
_KIND_SUFFIX = re.compile(r"(?:的)?(原件(?:和|及|与|、|或|\+|/)?(?:复印件|复制件)|原件|复印件|复制件|影印件)(?:各)?$")


def split_items(raw: str) -> list[str]:
    """A packed list cell into its items: numbered ('1、A；2、B', '1.A 2.B', '(1)A', '①A') or
    one per line / per semicolon."""
    raw = raw.replace("\r", "\n").strip()
    if len(_ITEM_NUMBER.findall(raw)) >= 2 or _ITEM_NUMBER.match(raw):
        parts = _ITEM_NUMBER.split(raw)
    else:
        parts = re.split(r"[\n；;]+", raw)
    return [p.strip(" \t\n；;。，,") for p in parts if p.strip(" \t\n；;。，,")]


@lru_cache(maxsize=_CACHE)
def parse_material_list(value: object) -> tuple[Material, ...]:
    """'1、营业执照复印件1份；2、法定代表人身份证原件及复印件各1份（纸质）' -> Materials with
    原件/复印件, 份数 and 纸质/电子 when the text says so. Returns a tuple (copied per matter)."""
    raw = text(value)
    if raw in ("无", "—", "-", "/", "无需提交", "无需材料"):
        return ()
    return tuple(_material(item) for item in split_items(raw))


def _material(item: str) -> Material:
    copies = kind = form = None
    found = _COPIES.search(item)
    if found:
        copies = int(chinese_number(found.group(2)) or 0) or None
        item = item[:found.start()] + item[found.end():]
    kind_found = parse_kind(item)
    if kind_found is not INVALID:
        kind = kind_found
    brackets = re.findall(r"[(（]([^)）]*)[)）]", item)
    for inner in brackets:
        if (f := parse_form(inner)) is not INVALID and len(inner) <= 8:
            form = f
            item = re.sub(r"[(（]" + re.escape(inner) + r"[)）]", "", item, count=1)
    if form is None and (m := re.search(r"(纸质和电子|纸质及电子|纸质或电子|电子版|电子件|纸质版|纸质)$", item)):
        form = parse_form(m.group(1))
        item = item[:m.start()]
    name = item.strip(" ：:，,。")
    # "营业执照副本复印件（加盖公章）": the kind word before trailing notes goes, the notes stay (they
    # may tell two materials apart: 身份证明（法定代表人）, 身份证明（代理人）); a note that only
    # repeats the kind ("申请表（原件）") goes too
    base, trail = re.fullmatch(r"(.*?)((?:\s*[(（][^)）]*[)）])*)", name).groups()
    notes = [x for x in re.findall(r"[(（]([^)）]*)[)）]", trail) if x.strip() and parse_kind(x) is INVALID]
    base = _KIND_SUFFIX.sub("", base).strip(" ：:，,。") or base
    if base.startswith("《") and base.endswith("》") and base.count("《") == 1:  # 《食品经营许可申请书》
        base = base[1:-1]
    return Material(name=base + "".join(f"（{x}）" for x in notes) or name, kind=kind, copies=copies, form=form)


_ARROWS = re.compile(r"\s*(?:→|->|—>|=>|⇒|➝|➔|➡|>|＞|›)\s*")
_DASHES = re.compile(r"\s*(?:—+|－|–|-{1,2})\s*")


#: "第一步：", "第2环节 ", "步骤三、" before a step's name
_STEP_ORDINAL = re.compile(r"^\s*(?:第[一二三四五六七八九十\d]+(?:步|环节|阶段|道)|步骤[一二三四五六七八九十\d]+)[：:、.．\s]*")


@lru_cache(maxsize=_CACHE)
def parse_step_list(value: object) -> tuple[Step, ...]:
    """'受理→审查→决定', '受理-审查-决定', '1.受理 2.审核', '第一步：受理；第二步：审核', one per line -> Steps in order.
    A bracket holding a time limit ('审查（5个工作日）') sets the step's limit."""
    raw = text(value)
    if _ARROWS.search(raw):
        parts = _ARROWS.split(raw)
    elif len(_ITEM_NUMBER.findall(raw)) >= 2 or "\n" in raw or re.search(r"[；;]", raw):
        parts = split_items(raw)
    elif _DASHES.search(raw):
        parts = _DASHES.split(raw)
    else:
        parts = re.split(r"[、,，]+", raw)
    steps = []
    for part in parts:
        part = _ITEM_NUMBER.sub("", part, count=1).strip(" \t\n；;。，,") if _ITEM_NUMBER.match(part) else part
        part = _STEP_ORDINAL.sub("", part).strip(" \t\n；;。，,")
        if not part:
            continue
        limit = TimeLimit()
        for inner in re.findall(r"[(（]([^)）]*)[)）]", part):
            for piece in re.split(r"[,，;；]", inner):
                candidate = TimeLimit.parse(piece.strip())
                if candidate.is_known and not candidate.is_unlimited:
                    limit = candidate
        name = re.sub(r"[(（][^)）]*[)）]", "", part).strip() or part
        steps.append(Step(name=name, order=len(steps) + 1, limit=limit))
    return tuple(steps)
