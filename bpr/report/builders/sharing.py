"""Report sections of issue #13: the 共享需求清单 (propose, audit, bundle) and the 一件事 after list
with the reason of each merge."""

from __future__ import annotations

from bpr.i18n import join_list, t, tf
from bpr.report.document import Column, Section, Table


def sharing_section(needs: list[dict], L: str) -> Section | None:
    """共享需求清单: document × issuing department × matters × materials saved (× a year with a log)."""
    if not needs:
        return None
    annual = any(n.get("annual_cases") is not None for n in needs)
    rows = [{"document": n["document"], "department": n.get("department") or t("bundle_department_unknown", L),
             "matters": join_list(n.get("matters") or [], L), "count": n.get("matter_count"),
             "saved": n.get("materials_saved"), "status": t("share_status_ready" if n.get("in_library") else
                                                            "share_status_pending", L),
             "annual_cases": n.get("annual_cases"), "annual_materials": n.get("annual_materials_saved")}
            for n in needs]
    columns = [Column("document", t("share_document", L)), Column("department", t("share_department", L)),
               Column("matters", t("share_matters", L)), Column("count", t("share_matter_count", L), "int"),
               Column("saved", t("share_materials_saved", L), "int"), Column("status", t("share_status", L))]
    if annual:
        columns += [Column("annual_cases", t("share_annual_cases", L), "float"),
                    Column("annual_materials", t("share_annual_materials", L), "float")]
    para = tf("share_para", L, n=len(needs), m=sum(n.get("materials_saved") or 0 for n in needs),
              pending=sum(1 for n in needs if not n.get("in_library")))
    return Section(t("share_title", L), [para], tables=[
        Table(t("share_title", L), columns, rows, sheet=t("share_title", L)[:20],
              word_columns=("document", "department", "count", "saved", "status"))])


def after_list_table(bundle: dict, L: str) -> Table:
    """The 一件事 after list: each material with what was merged into it and why."""
    items = bundle.get("after_items")
    if items is None:  # a result written before the reasons were kept
        rows = [{"name": n, "reason": ""} for n in bundle.get("after_materials") or []]
    else:
        rows = [{"name": i["document"], "reason": i.get("text") or ""} for i in items]
    return Table(t("rn_after_materials", L), [Column("name", t("rn_document", L)), Column("reason", t("rn_merge_reason", L))],
                 rows, sheet=t("rn_after_materials", L)[:20])
