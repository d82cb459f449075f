"""Build a large matter catalogue (.xlsx, bpr template layout): matters sheet + materials sheet.

    python benchmarks/make_big_catalogue.py --matters 100000 --materials 600000 -o benchmarks/out/big_catalogue.xlsx

Seeded, written by openpyxl in write-only mode (streaming). Values are varied the way real
catalogues are: text and numeric time limits, 即办, months, yes/no written as 是/否, depth levels,
a few unparseable cells (so the reader's warning path is exercised as well).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEPARTMENTS = ["市场监督管理局", "卫生健康委员会", "住房和城乡建设局", "公安局", "人力资源和社会保障局",
               "自然资源局", "交通运输局", "生态环境局", "民政局", "教育局", "农业农村局", "文化广电旅游局"]
TYPES = ["行政许可", "行政给付", "行政确认", "公共服务", "行政检查", "其他行政权力"]
NAMES = ["食品经营许可", "建筑工程施工许可证核发", "医疗机构执业登记", "户口迁移", "社会保障卡申领",
         "不动产登记", "道路运输经营许可", "排污许可", "社会团体登记", "教师资格认定", "种子生产经营许可",
         "营业性演出许可"]
LIMITS = ["20个工作日", "20", 20, 15, "即办", "3个月", "1年", "无", "30天", "10个工作日", 5, "60日"]
MATERIALS = ["营业执照", "法定代表人身份证", "申请书", "经营场所使用证明", "食品安全管理制度", "平面布局图",
             "承诺书", "授权委托书", "其他相关材料", "不动产权证书", "户口簿", "结婚证"]


def make_big_catalogue(out: Path, matters: int, materials: int, seed: int = 7) -> None:
    """Write `matters` matters and `materials` materials spread over them to `out`."""
    from openpyxl import Workbook

    from bpr.io.safety import atomic_path

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("事项")
    ws.append(["实施编码", "事项名称", "基本编码", "事项类型", "实施主体", "行使层级", "法定办结时限",
               "承诺办结时限", "办件类型", "办理形式", "是否网办", "网上办理深度", "是否掌上可办",
               "到办事现场次数", "必须现场办理原因说明", "是否支持物流快递", "是否收费", "是否支持网上支付",
               "结果名称", "是否电子证照"])
    for i in range(matters):
        legal = rng.choice(LIMITS)
        ws.append([
            f"11440100MB{i:08d}", f"{rng.choice(NAMES)}（{i}）", f"0001{i % 9999:04d}000",
            rng.choice(TYPES), rng.choice(DEPARTMENTS), rng.choice(["省级", "市级", "县级"]),
            legal, rng.choice([legal, "即办", 5, "10个工作日", "待定" if i % 997 == 0 else 3]),
            rng.choice(["即办件", "承诺件", 1, 2]), rng.choice(["窗口办理、网上办理", "窗口办理", "1,2,3"]),
            rng.choice(["是", "否", "√"]), rng.choice(["Ⅳ级", "三级", 4, "全程网办（Ⅳ级）", 2]),
            rng.choice(["是", "否"]), rng.choice(["0次", 1, "最多跑一次", 0, 2]), rng.choice(["", "需现场核验原件"]),
            rng.choice(["是", "否", "支持", "不支持"]), rng.choice(["是", "否"]), rng.choice(["是", "否", None]),
            rng.choice(["许可证", "营业执照", "批复", "登记证"]), rng.choice(["是", "否"]),
        ])
    ms = wb.create_sheet("材料")
    ms.append(["实施编码", "事项名称", "材料名称", "来源渠道", "材料形式", "材料类型", "份数", "材料必要性",
               "出具机构"])
    for _ in range(materials):
        i = rng.randrange(matters)
        ms.append([
            f"11440100MB{i:08d}", None, rng.choice(MATERIALS), rng.choice(["10", "20", "申请人自备", "政府部门核发", 99]),
            rng.choice(["纸质", "电子", "纸质和电子"]), rng.choice(["原件", "复印件", "原件和复印件"]),
            rng.choice([1, 2, "1份"]), rng.choice(["必要", "非必要", "容缺后补"]),
            rng.choice(["", "市场监督管理局", "公安机关"]),
        ])
    with atomic_path(out) as tmp:
        wb.save(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=100_000)
    parser.add_argument("--materials", type=int, default=600_000)
    parser.add_argument("-o", "--out", type=Path, default=ROOT / "benchmarks" / "out" / "big_catalogue.xlsx")
    args = parser.parse_args()
    began = time.perf_counter()
    make_big_catalogue(args.out, args.matters, args.materials)
    print(f"wrote {args.out} ({args.out.stat().st_size >> 20} MiB) in {time.perf_counter() - began:.1f}s")


if __name__ == "__main__":
    main()
