"""Application materials (申请材料) of a matter."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SourceChannel(StrEnum):
    """来源渠道 codes of GB/T 39046."""

    APPLICANT = "10"  # 申请人自备
    GOVERNMENT = "20"  # 政府部门核发
    OTHER = "99"  # 其他


class MaterialForm(StrEnum):
    PAPER = "paper"  # 纸质
    ELECTRONIC = "electronic"  # 电子
    BOTH = "both"  # 纸质和电子


class MaterialKind(StrEnum):
    ORIGINAL = "original"  # 原件
    COPY = "copy"  # 复印件
    BOTH = "both"  # 原件和复印件


class Necessity(StrEnum):
    REQUIRED = "required"  # 必要
    OPTIONAL = "optional"  # 非必要
    DEFERRABLE = "deferrable"  # 容缺后补


@dataclass
class Material:
    """One item the applicant submits. None means the sheet did not say."""

    name: str
    source: SourceChannel | None = None
    form: MaterialForm | None = None
    kind: MaterialKind | None = None
    copies: int | None = None
    necessity: Necessity | None = None
    issuer: str = ""  # 出具机构
    basis: str = ""  # 依据
    exempt: bool = False  # 免提交: obtained through data sharing or e-licence
    commitment: bool = False  # 告知承诺 replaces it
    note: str = ""

    @property
    def submitted(self) -> bool:
        """Does the applicant still have to hand it in?"""
        return not (self.exempt or self.commitment)

    @property
    def needs_paper_original(self) -> bool:
        return self.form in (MaterialForm.PAPER, MaterialForm.BOTH) and self.kind in (
            MaterialKind.ORIGINAL, MaterialKind.BOTH)
