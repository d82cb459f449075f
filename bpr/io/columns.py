"""Which column holds which role: XES keys, GB/T 39046 names, common synonyms, or `--map`.

Headers are compared after `normalise_header` (NFKC, lower case, no spaces/underscores/hyphens,
bracketed notes such as "（yyyy-mm-dd）" dropped). Each role takes the first synonym, in the
order listed, that a column matches; a column serves one role only. A role still without a column
then matches an English header without its "ID"/"Name"/"Key" suffix ("ActivityID", "Resource Name",
"case_key" as exported by common tools); Chinese headers are not stripped (环节编号 is not 环节).
"""

from __future__ import annotations

import re
import unicodedata

from bpr.errors import InputError, UsageError
from bpr.model.eventlog import REQUIRED_ROLES, ROLES

#: role -> header names, most specific first (GB/T 39046 name, XES key, synonyms, English).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "case": ("办件编号", "case:concept:name", "办件流水号", "业务流水号", "申请编号", "受理编号", "案件编号",
             "办件号", "流水号", "申办流水号", "申请流水号", "caseid", "case", "caseconceptname", "traceid",
             "applicationid"),
    "activity": ("环节名称", "concept:name", "环节", "节点名称", "办理环节", "步骤名称", "活动名称", "活动",
                 "步骤", "activity", "activityname", "task", "eventname", "conceptname"),
    "timestamp": ("环节结束时间", "time:timestamp", "环节完成时间", "完成时间", "结束时间", "办理时间", "处理时间",
                  "操作时间", "办结时间", "时间", "timestamp", "endtime", "endtimestamp", "completetimestamp",
                  "completiontime", "time", "timetimestamp", "datetime"),
    "start": ("环节开始时间", "start_timestamp", "开始时间", "环节开始", "starttime", "starttimestamp",
              "start", "time:start", "timestart"),
    "resource": ("环节处理人", "org:resource", "处理人", "经办人", "承办人", "办理人", "审批人", "操作人",
                 "resource", "user", "performer", "orgresource"),
    "department": ("办理部门", "org:group", "承办部门", "部门", "处室", "科室", "实施主体", "department", "group",
                   "orggroup", "orgunit"),
    "channel": ("办理渠道", "申报来源", "申报渠道", "申报方式", "渠道", "办理方式", "channel"),
    "action": ("业务动作", "动作", "处理结果", "审批结果", "办理结果", "action", "outcome"),
    "matter": ("实施编码", "事项编码", "基本编码", "事项实施编码", "matter", "mattercode", "servicecode"),
    # issue 14: 好差评 (the scale is read by bpr.analyse.ratings)
    "rating": ("评价等级", "满意度", "好差评", "好差评结果", "评价结果", "满意度评价", "评价", "rating",
               "satisfaction"),
}

_BRACKETS = re.compile(r"[(\[{（【〔《<][^)\]}）】〕》>]*[)\]}）】〕》>]")
_SEPARATORS = re.compile(r"[\s_\-·.、/]+")


def normalise_header(name: object) -> str:
    """'环节开始时间（yyyy-mm-dd）' -> '环节开始时间'; 'Case ID' -> 'caseid'."""
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    text = _BRACKETS.sub("", text)
    return _SEPARATORS.sub("", text)


_NORMALISED = {role: tuple(dict.fromkeys(normalise_header(s) for s in names))
               for role, names in SYNONYMS.items()}
_SUFFIX = re.compile(r"^([a-z][a-z:]*?)(?:id|name|key)$")
#: roles whose English synonyms may carry an ID/Name suffix (a time column never does)
_SUFFIXED_ROLES = ("case", "activity", "resource", "department", "channel", "action", "matter")


def _stem(normalised: str) -> str | None:
    """'activityid' -> 'activity', 'resourcename' -> 'resource'; None for other headers."""
    found = _SUFFIX.match(normalised)
    return found.group(1) if found else None


_STEMS = {role: {n for n in _NORMALISED[role] if n.isascii() and n.isalpha()} for role in _SUFFIXED_ROLES}


def map_columns(columns: list[str], mapping: dict[str, str] | None = None,
                file: object = None) -> dict[str, str]:
    """role -> column for `columns`; `mapping` (from --map) wins. Raise InputError when a required
    role (case, activity, timestamp) has no column, listing the columns found and the --map to use."""
    mapping = dict(mapping or {})
    result: dict[str, str] = {}
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(normalise_header(col), col)
    for role, col in mapping.items():
        if role not in ROLES:
            raise InputError.of("map_unknown_role", {"role": repr(role)}, file=file, expected=", ".join(ROLES))
        if col in columns:
            result[role] = col
        elif normalise_header(col) in by_norm:
            result[role] = by_norm[normalise_header(col)]
        else:
            raise InputError.of("map_no_such_column", {"role": role, "column": col,
                                                        "found": ", ".join(map(str, columns))}, file=file)
    used = set(result.values())
    for role, names in _NORMALISED.items():
        if role in result:
            continue
        for name in names:
            col = by_norm.get(name)
            if col is not None and col not in used:
                result[role] = col
                used.add(col)
                break
    for role in _SUFFIXED_ROLES:  # second pass: English headers with an ID/Name/Key suffix
        if role in result:
            continue
        for col in columns:
            stem = _stem(normalise_header(col))
            if stem and col not in used and stem in _STEMS[role]:
                result[role] = col
                used.add(col)
                break
    missing = [r for r in REQUIRED_ROLES if r not in result]
    if missing:
        example = ",".join(f"{r}={result[r] if r in result else _guess(r, columns, used)}" for r in REQUIRED_ROLES)
        raise InputError.of("no_log_columns", {"roles": " / ".join(missing), "found": ", ".join(map(str, columns)),
                                                "examples": ", ".join(SYNONYMS[missing[0]][:3]), "map": example,
                                                "columns": [str(c) for c in columns]},  # the web's drop-downs
                               file=file)
    return {role: result[role] for role in ROLES if role in result}


def names_log_columns(headers: list[str]) -> bool:
    """Whether `headers` name the case, activity and timestamp columns of application records."""
    try:
        map_columns(headers)
    except InputError:
        return False
    return True


def _guess(role: str, columns: list[str], used: set[str]) -> str:
    """A placeholder column for the --map hint: the only unused column (then taken), else the
    role's standard name."""
    free = [c for c in columns if c not in used]
    if len(free) == 1:
        used.add(free[0])
        return free[0]
    return SYNONYMS[role][0]


def parse_mapping(text: str | None) -> dict[str, str]:
    """'case=A,activity=B' -> {'case': 'A', 'activity': 'B'}; unknown roles are a UsageError."""
    if not text:
        return {}
    mapping = {}
    for part in text.split(","):
        role, sep, column = part.partition("=")
        role = role.strip()
        if not sep or not column.strip():
            raise UsageError.of("cli_map_entry_malformed", {"part": part})
        if role not in ROLES:
            raise UsageError.of("cli_map_unknown_role", {"role": role}, expected=", ".join(ROLES))
        mapping[role] = column.strip()
    return mapping
