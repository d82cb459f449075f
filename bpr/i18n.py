"""The vocabulary table: every Chinese/English label shown to a user comes from here.

`t(key, lang)` looks a label up; unknown keys fall back to the key itself so a missing entry is
visible rather than fatal. Sections are grouped by the part of bpr that uses them.
"""

from __future__ import annotations

DEFAULT_LANG = "zh"
LANGS = ("zh", "en")

VOCAB: dict[str, tuple[str, str]] = {
    # --- domain fields (GB/T 39046) -------------------------------------------------------------
    "matter": ("事项", "matter"),
    "matter_name": ("事项名称", "matter name"),
    "matter_code": ("实施编码", "implementation code"),
    "basic_code": ("基本编码", "basic code"),
    "matter_type": ("事项类型", "matter type"),
    "department": ("实施主体", "department"),
    "level": ("行使层级", "administrative level"),
    "legal_limit": ("法定办结时限", "legal time limit"),
    "promised_limit": ("承诺办结时限", "promised time limit"),
    "handling_type": ("办件类型", "handling type"),
    "channels": ("办理形式", "channels"),
    "online": ("是否网办", "online"),
    "online_depth": ("网上办理深度", "online depth"),
    "mobile": ("是否掌上可办", "mobile"),
    "visits": ("到办事现场次数", "on-site visits"),
    "visit_reason": ("必须现场办理原因说明", "reason for on-site visits"),
    "mail": ("是否支持物流快递", "mail delivery"),
    "fee": ("是否收费", "fee"),
    "online_payment": ("是否支持网上支付", "online payment"),
    "co_departments": ("共同实施部门", "co-implementing departments"),
    "special_procedures": ("特别程序", "special procedures"),
    "result_name": ("结果名称", "result"),
    "e_licence": ("是否电子证照", "e-licence result"),
    "step": ("环节", "step"),
    "steps": ("办理环节", "steps"),
    "step_name": ("环节名称", "step name"),
    "step_order": ("环节顺序", "order"),
    "step_role": ("办理人/岗位", "role"),
    "step_limit": ("环节时限", "step time limit"),
    "step_department": ("办理部门", "department"),
    "step_on_site": ("申请人是否到场", "applicant on site"),
    "step_after": ("前置环节", "depends on"),
    "material": ("材料", "material"),
    "materials": ("申请材料", "materials"),
    "material_name": ("材料名称", "material name"),
    "material_source": ("来源渠道", "source channel"),
    "material_form": ("材料形式", "form"),
    "material_kind": ("材料类型", "kind"),
    "material_copies": ("份数", "copies"),
    "material_necessity": ("材料必要性", "necessity"),
    "material_issuer": ("出具机构", "issuer"),
    "material_basis": ("依据", "legal basis"),
    "sheet_instructions": ("填写说明", "instructions"),
    # --- coded values ---------------------------------------------------------------------------
    "source_10": ("申请人自备", "applicant"),
    "source_20": ("政府部门核发", "issued by government"),
    "source_99": ("其他", "other"),
    "form_paper": ("纸质", "paper"),
    "form_electronic": ("电子", "electronic"),
    "form_both": ("纸质和电子", "paper and electronic"),
    "kind_original": ("原件", "original"),
    "kind_copy": ("复印件", "copy"),
    "kind_both": ("原件和复印件", "original and copy"),
    "necessity_required": ("必要", "required"),
    "necessity_optional": ("非必要", "optional"),
    "necessity_deferrable": ("容缺后补", "may be supplied later"),
    "handling_1": ("即办件", "immediate"),
    "handling_2": ("承诺件", "promised"),
    "channel_1": ("窗口办理", "at the window"),
    "channel_2": ("网上办理", "online"),
    "channel_3": ("移动端", "mobile"),
    "channel_4": ("快递申请", "by mail"),
    "unit_working_day": ("工作日", "working days"),
    "unit_natural_day": ("自然日", "calendar days"),
    "unit_month": ("个月", "months"),
    "unit_year": ("年", "years"),
    "unit_immediate": ("即办", "immediate"),
    "unit_unlimited": ("无期限", "no limit"),
    "unit_hour": ("小时", "hours"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "unknown": ("未知", "unknown"),
    # --- inspect summaries ----------------------------------------------------------------------
    "kind_log": ("事件日志", "event log"),
    "kind_catalogue": ("事项清单", "matter catalogue"),
    "cases": ("办件数", "cases"),
    "events": ("事件数", "events"),
    "activities": ("环节种类", "activities"),
    "period": ("时间范围", "period"),
    "columns_mapped": ("字段映射", "column mapping"),
    "matters_count": ("事项数", "matters"),
    "materials_count": ("材料数", "materials"),
    "steps_count": ("环节数", "steps"),
    "departments": ("部门", "departments"),
    "warnings": ("数据质量提示", "data-quality warnings"),
    "none": ("无", "none"),
    "more": ("等", "and more"),
    "role_case": ("办件编号", "case"),
    "role_activity": ("环节名称", "activity"),
    "role_timestamp": ("完成时间", "timestamp"),
    "role_start": ("开始时间", "start"),
    "role_resource": ("处理人", "resource"),
    "role_department": ("办理部门", "department"),
    "role_channel": ("办理渠道", "channel"),
    "role_action": ("业务动作", "action"),
    "role_matter": ("实施编码", "matter"),
}


def t(key: str, lang: str = DEFAULT_LANG) -> str:
    """The label for `key` in `lang` ('zh' or 'en')."""
    pair = VOCAB.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "en" else pair[0]
