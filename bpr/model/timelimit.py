"""Time limits (办结时限) as written in matter sheets, and their value in working days.

Convention (documented in README, configurable through `Conversion`):
- 工作日 counts as is; 即办 is 0; 无期限 (无, 不限) has no value.
- 月 = 22 working days, 年 = 250 working days (the figures reform offices use).
- 自然日 n = n × 250/365 working days when no start date is known; with a start date the
  working-day calendar counts the real days (see `WorkCalendar.working_days_in`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    WORKING_DAY = "working_day"  # 工作日
    NATURAL_DAY = "natural_day"  # 自然日 / 天 / 日
    MONTH = "month"  # 月
    YEAR = "year"  # 年
    IMMEDIATE = "immediate"  # 即办
    UNLIMITED = "unlimited"  # 无期限
    HOUR = "hour"  # 小时 (rare: "2小时内办结")


@dataclass(frozen=True)
class Conversion:
    """How months, years and natural days become working days."""

    month: float = 22.0
    year: float = 250.0
    natural_day: float = 250.0 / 365.0
    hours_per_day: float = 8.0


DEFAULT_CONVERSION = Conversion()

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_IMMEDIATE = re.compile(r"^(承诺)?(即办件?|即时办结|即时办理|即时|立即办理|立即|当场办结|当场办理|当场|当即|当日办结|当天办结|"
                        r"即来即办|立等可取|0)$")
_UNLIMITED = re.compile(r"^(无|无期限|不限|不限期|无时限|无法定时限|没有|/|／|—|-|－)$")
_NUMBER = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百]+)"
_UNIT_WORDS = [
    (re.compile(r"^个?工作日$|^个?工作天$"), Unit.WORKING_DAY),
    (re.compile(r"^个?(自然日|日历日|天|日)$"), Unit.NATURAL_DAY),
    (re.compile(r"^个?(月|自然月)$"), Unit.MONTH),
    (re.compile(r"^个?年$"), Unit.YEAR),
    (re.compile(r"^个?小时$"), Unit.HOUR),
]


def unit_word(text: str) -> Unit | None:
    """The unit a word names: '工作日', '个工作日', '自然日', '天', '月', '年', '小时' (else None)."""
    return next((u for pattern, u in _UNIT_WORDS if pattern.match(text)), None)


def chinese_number(text: str) -> float | None:
    """'20' -> 20, '二十' -> 20, '十五' -> 15, '三' -> 3, '一百二十' -> 120."""
    try:
        return float(text)
    except ValueError:
        pass
    if not text or any(ch not in _CN_DIGITS and ch not in "十百" for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_DIGITS[ch]
    return float(total + current)


def _clean(text: str) -> str:
    text = text.strip().replace(" ", "").replace("\u3000", "")
    text = re.sub(r"[（(][^）)]*[）)]", "", text)  # "20个工作日（不含公示）" -> "20个工作日"
    return re.sub(r"(以内|之内|内办结|内|办结|完成)$", "", text)


@dataclass(frozen=True)
class TimeLimit:
    """A time limit: the raw text as found and its parsed value and unit (None if unknown)."""

    raw: str = ""
    value: float | None = None
    unit: Unit | None = None

    @classmethod
    def parse(cls, raw: object, default_unit: Unit = Unit.WORKING_DAY) -> TimeLimit:
        """Parse '20个工作日', '20', '即办', '承诺即办', '3个月', '1年', '无', '30天', '半个工作日', '30分钟'.

        A bare number takes `default_unit` (a header such as '时限（自然日）' sets it).
        Unparseable text gives a TimeLimit with unit None; `is_known` is then False.
        """
        if raw is None:
            return cls("")
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = float(raw)
            return cls(_fmt(value), 0.0, Unit.IMMEDIATE) if value == 0 else cls(_fmt(value), value, default_unit)
        text = str(raw)
        cleaned = _clean(text)
        if not cleaned:
            return cls(text)
        if _IMMEDIATE.match(cleaned):
            return cls(text, 0.0, Unit.IMMEDIATE)
        if _UNLIMITED.match(cleaned):
            return cls(text, None, Unit.UNLIMITED)
        match = re.match(r"(半)个?(.+)$", cleaned) or re.match(_NUMBER + r"(.*)$", cleaned)
        if not match:
            return cls(text)
        value = 0.5 if match.group(1) == "半" else chinese_number(match.group(1))
        if value is None:
            return cls(text)
        rest = match.group(2)
        if not rest:
            unit = default_unit
        elif re.fullmatch(r"个?分钟", rest):  # "30分钟": a counter service's minutes, as hours
            value, unit = value / 60, Unit.HOUR
        else:
            unit = unit_word(rest)
            if unit is None:
                return cls(text)
        if value == 0:
            return cls(text, 0.0, Unit.IMMEDIATE)
        return cls(text, value, unit)

    @classmethod
    def working_days(cls, days: float) -> TimeLimit:
        return cls(f"{_fmt(days)}个工作日", float(days), Unit.WORKING_DAY) if days else cls("即办", 0.0, Unit.IMMEDIATE)

    @property
    def is_known(self) -> bool:
        return self.unit is not None

    @property
    def is_immediate(self) -> bool:
        return self.unit is Unit.IMMEDIATE

    @property
    def is_unlimited(self) -> bool:
        return self.unit is Unit.UNLIMITED

    def to_working_days(self, conversion: Conversion = DEFAULT_CONVERSION) -> float | None:
        """Working days under `conversion`; None for 无期限 and unknown limits."""
        if self.unit is None or self.unit is Unit.UNLIMITED or self.value is None:
            return None
        factor = {
            Unit.IMMEDIATE: 0.0,
            Unit.WORKING_DAY: 1.0,
            Unit.NATURAL_DAY: conversion.natural_day,
            Unit.MONTH: conversion.month,
            Unit.YEAR: conversion.year,
            Unit.HOUR: 1.0 / conversion.hours_per_day,
        }[self.unit]
        return self.value * factor

    def __str__(self) -> str:
        return self.raw


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
