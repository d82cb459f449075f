"""Material names: the document behind them, the licence list, who issues and who writes them."""

from __future__ import annotations

import pytest

from bpr.errors import InputError
from bpr.plan.documents import (
    LicenceCatalogue,
    document_key,
    is_applicant_written,
    is_catch_all,
    is_fact_certificate,
    is_government_body,
    licence_name,
)

LICENCES = LicenceCatalogue.bundled()


def test_bundled_list_has_at_least_100_types_including_the_named_ones():
    assert len(LICENCES) >= 100
    for name in ("营业执照", "居民身份证", "户口簿", "不动产权证书", "结婚证", "出生医学证明", "食品经营许可证",
                 "医师执业证书", "建设工程规划许可证", "社会保障卡", "驾驶证", "行驶证", "道路运输经营许可证"):
        assert licence_name(name, LICENCES), name


@pytest.mark.parametrize(("a", "b"), [
    ("营业执照复印件", "营业执照"),
    ("1、营业执照（副本）原件及复印件1份", "营业执照"),
    ("居民身份证原件及复印件", "身份证"),
    ("（2）居民户口簿原件", "户口本"),
])
def test_same_document(a, b):
    assert document_key(a, LICENCES) == document_key(b, LICENCES)


@pytest.mark.parametrize(("a", "b"), [("营业执照", "营业执照申请书"), ("居住证", "居住证明"),
                                      ("法定代表人身份证", "股东身份证")])
def test_different_documents(a, b):
    assert document_key(a, LICENCES) != document_key(b, LICENCES)


def test_alias_is_not_matched_inside_a_longer_word():
    assert licence_name("居住证明", LICENCES) is None
    assert licence_name("申请人身份证复印件", LICENCES) == "居民身份证"


@pytest.mark.parametrize("name", ["食品经营许可申请书", "营业执照申请表", "公司章程", "食品安全管理方案", "经营场所平面图",
                                  "房屋租赁合同", "告知承诺书", "情况说明"])
def test_applicant_written_documents_are_never_licences(name):
    assert is_applicant_written(name)
    assert licence_name(name, LICENCES) is None


def test_generic_licence_endings():
    assert licence_name("放射卫生技术服务机构资质证书", LICENCES)
    assert licence_name("建设工程竣工验收备案表", LICENCES) == "建设工程竣工验收备案表"


@pytest.mark.parametrize(("issuer", "expected"), [
    ("杭州市市场监督管理局", True), ("西湖派出所", True), ("浙江省公安厅", True), ("上城区人民政府", True),
    ("西湖区人民法院", True), ("杭州市不动产登记中心", True), ("国家税务总局杭州市税务局", True),
    ("杭州市第一人民医院", False), ("某某物业管理有限公司", False), ("社区居民委员会", False), ("", False),
    ("某某会计师事务所", False),
])
def test_government_body(issuer, expected):
    assert is_government_body(issuer) is expected


def test_catch_all_and_fact_certificates():
    for name in ("其他相关材料", "审批机关认为需要提交的其他材料", "法律法规规定的其他材料", "其它有关资料"):
        assert is_catch_all(name), name
    for name in ("其他股东身份证复印件", "排水管网图纸及说明等材料", "营业执照"):
        assert not is_catch_all(name), name
    assert is_fact_certificate("居住证明原件")
    assert is_fact_certificate("收入证明材料")
    assert not is_fact_certificate("营业执照")


def test_user_list_extends_the_bundled_one(tmp_path):
    extra = tmp_path / "mine.txt"
    extra.write_text("# 本地证照\n西湖龙井原产地证|龙井原产地证\n", encoding="utf-8")
    licences = LicenceCatalogue.load(extra)
    assert licence_name("龙井原产地证复印件", licences) == "西湖龙井原产地证"
    assert licence_name("龙井原产地证复印件", LICENCES) is None
    assert len(licences) == len(LICENCES) + 1


def test_bad_user_list(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("营业执照\n证\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        LicenceCatalogue.load(bad)
    assert info.value.row == 2
    with pytest.raises(InputError):
        LicenceCatalogue.load(tmp_path / "missing.txt")


def test_alternatives():
    assert licence_name("结婚证或离婚协议书", LICENCES) == "结婚证"
    assert licence_name("租赁合同或购房协议", LICENCES) is None
