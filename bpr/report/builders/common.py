"""Pieces several report builders share."""

from __future__ import annotations

from collections.abc import Iterable

from bpr.i18n import t
from bpr.report.document import Column, Table


def in_process_order(steps: Iterable[str], starts: dict[str, float],
                     successors: dict[str, dict[str, float]]) -> list[str]:
    """`steps` in the order a case meets them: depth first from the start steps, the likelier
    (more frequent) next step first, so 受理, 初审, … come before the 补正 loop; steps the graph
    does not reach last, by name."""
    order: list[str] = []

    def visit(step: str) -> None:
        if step in order:
            return
        order.append(step)
        nexts = successors.get(step) or {}
        for nxt in sorted(nexts, key=lambda n: (-nexts[n], n)):
            visit(nxt)

    for step in sorted(starts, key=lambda n: (-starts[n], n)):
        visit(step)
    rank = {step: i for i, step in enumerate(order)}
    return sorted(steps, key=lambda step: (rank.get(step, len(rank)), step))


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def saving_text(saving: dict, lang: str) -> str:
    """{'materials': -1, 'days': -5} -> '材料 −1，工作日 −5'."""
    parts = [f"{t('saving_' + k, lang)} {v:+g}".replace("-", "−") for k, v in saving.items()
             if v and f"saving_{k}" in _SAVING_KEYS]
    return ("，" if lang == "zh" else ", ").join(parts)


_SAVING_KEYS = {"saving_materials", "saving_steps", "saving_days", "saving_visits"}


def proposals_table(proposals: list[dict], lang: str, with_accepted: bool = False) -> Table:
    """The 建议清单 sheet: one row per proposal with its action, rationale and saving."""
    en = lang == "en"
    rows = [{"id": p["id"], "dimension": t(f"dim_{p['dimension']}", lang), "matter": p["matter"],
             "action": p.get("action_en") if en and p.get("action_en") else p["action"],
             "rationale": p.get("rationale_en") if en and p.get("rationale_en") else p.get("rationale", ""),
             "saving": saving_text(p.get("saving") or {}, lang), "accepted": p.get("accepted")}
            for p in proposals]
    columns = [Column("id", t("ra_id", lang)), Column("dimension", t("ra_dimension", lang)),
               Column("matter", t("audit_matter", lang)), Column("action", t("ra_action", lang)),
               Column("rationale", t("ra_rationale", lang)), Column("saving", t("ra_saving", lang))]
    if with_accepted:
        columns.append(Column("accepted", t("ra_accepted", lang)))
    return Table(t("ra_proposals", lang), columns, rows, sheet=t("sheet_proposals", lang))
