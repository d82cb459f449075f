"""好差评 and channels before and after a reform (`bpr compare` on a log with a rating or channel column).

    ratings = compare_ratings(engine, ("events_before", "events_after"), options, "Asia/Shanghai")
    ratings.to_dict()                     # result.json["ratings"]

Each side gets the full `bpr.analyse.ratings` breakdown (差评率 by matter, department, step and
handler, 差评 crossed with overdue / 补正 / extra visits, channel mix, 整改清单). Across the sides:
the 差评率 change with a 95% interval (normal approximation for a difference of two proportions,
the sides being independent samples of cases) and the channel mix side by side with each
channel's median working days.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from bpr.analyse.engine import Engine, quote
from bpr.analyse.performance import PerformanceOptions
from bpr.analyse.ratings import Z95, RatingResult, analyse_ratings
from bpr.i18n import t
from bpr.measure.change import Change


@dataclass
class ChannelShift:
    channel: str
    cases_before: int
    cases_after: int
    share_before: float
    share_after: float
    median_days_before: float | None
    median_days_after: float | None


@dataclass
class CompareRatings:
    before: RatingResult
    after: RatingResult
    bad_rate: Change
    channels: list[ChannelShift] = field(default_factory=list)
    name = "ratings"

    def to_dict(self) -> dict:
        return {"before": self.before.to_dict(), "after": self.after.to_dict(), "bad_rate": asdict(self.bad_rate),
                "channels": [asdict(c) for c in self.channels]}

    def tables(self, lang: str = "zh") -> dict[str, tuple[list[str], list[list]]]:
        """The after side's breakdown (the process as it is now) and the channel shift."""
        out = self.after.tables(lang)
        out.pop("channels", None)
        if self.channels:
            header = [t(k, lang) for k in ("rt_channel", "rt_share_before", "rt_share_after", "rt_median_before",
                                           "rt_median_after")]
            out["channels"] = (header, [[c.channel, c.share_before, c.share_after, c.median_days_before,
                                         c.median_days_after] for c in self.channels])
        return out


def rate_change(before: RatingResult, after: RatingResult) -> Change:
    """after - before of the 差评率, with a 95% Wald interval for a difference of proportions."""
    b, a = before.summary, after.summary
    if not b.rated or not a.rated:
        return Change(b.bad_rate, a.bad_rate, None, None, None, False)
    pb, pa = b.bad / b.rated, a.bad / a.rated
    se = math.sqrt(pb * (1 - pb) / b.rated + pa * (1 - pa) / a.rated)
    diff = pa - pb
    low, high = diff - Z95 * se, diff + Z95 * se
    return Change(pb, pa, diff, low, high, bool(low > 0 or high < 0))


def channel_shift(before: RatingResult, after: RatingResult) -> list[ChannelShift]:
    b = {c.channel: c for c in before.channels}
    a = {c.channel: c for c in after.channels}
    names = sorted(set(b) | set(a), key=lambda n: (-((a.get(n) or b[n]).cases), n))
    return [ChannelShift(n, b[n].cases if n in b else 0, a[n].cases if n in a else 0,
                         b[n].share if n in b else 0.0, a[n].share if n in a else 0.0,
                         b[n].median_days if n in b else None, a[n].median_days if n in a else None) for n in names]


def compare_ratings(engine: Engine, tables: tuple[str, str], options: PerformanceOptions, timezone: str,
                    sources: tuple[str, str] = ("", "")) -> CompareRatings | None:
    """The rating and channel comparison of the two views, or None when neither has a rating or
    channel column."""
    present = [engine.sql(f"SELECT count(rating) AS r, count(channel) AS c FROM {quote(name)}").to_pylist()[0]
               for name in tables]
    if not any(p["r"] or p["c"] for p in present):
        return None
    sides = [analyse_ratings(engine, name, options, timezone, source or None)
             for name, source in zip(tables, sources, strict=True)]
    return CompareRatings(sides[0], sides[1], rate_change(*sides), channel_shift(*sides))
