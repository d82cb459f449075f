"""`bpr audit` on 100,000 matters / 600,000 materials against pandas.read_excel merely reading the file.

    python benchmarks/audit_benchmark.py                      # 100k matters, 600k materials
    python benchmarks/audit_benchmark.py --matters 20000 --materials 120000 --regenerate

1. Generates (once; --regenerate to redo) a seeded catalogue .xlsx in the template layout: a
   `事项` sheet (one row a matter, headers from bpr.i18n) and a `材料` sheet keyed by 实施编码.
2. Runs, each in its own child process started in this run, on the same file:
   - reference: `pandas.read_excel(path, sheet_name=None, engine="openpyxl")` (both sheets);
   - bpr: what `bpr audit FILE -o DIR` does, in-process in the child: load_rules, read_catalogue,
     audit (indicators, rules, proposals), write_audit; each phase timed.
   Wall time of each child is measured by this parent (interpreter start and imports included);
   peak memory is the child's ru_maxrss from os.wait4.
3. Prints both times, the ratio (goal ≤ 2×), the phase split and peak memory. Without a
   catalogue reader (bpr.io.matter_sheet) it says so and times the analysis alone on the same
   matters built in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

DEPARTMENTS = [f"{city}{dept}" for city in ("市本级", "东区", "西区", "南县", "北县")
               for dept in ("市场监督管理局", "卫生健康委员会", "住房和城乡建设局", "公安局", "人力资源和社会保障局",
                            "自然资源局", "交通运输局", "生态环境局", "民政局", "教育局")]
TYPES = ["行政许可", "行政给付", "行政确认", "公共服务", "行政检查", "其他行政权力"]
NAMES = ["食品经营许可", "建筑工程施工许可证核发", "医疗机构执业登记", "户口迁移", "社会保障卡申领", "不动产登记",
         "道路运输经营许可", "排污许可", "社会团体登记", "教师资格认定", "种子生产经营许可", "营业性演出许可"]
LIMITS = ["20个工作日", "20", 20, 15, "即办", "3个月", "1年", "无", "30天", "10个工作日", 5, "60日"]
MATERIALS = ["营业执照", "法定代表人身份证", "申请书", "经营场所使用证明", "食品安全管理制度", "平面布局图", "承诺书",
             "授权委托书", "其他相关材料", "不动产权证书", "户口簿", "结婚证", "营业执照复印件", "无犯罪记录证明"]

MATTER_KEYS = ["matter_code", "matter_name", "basic_code", "matter_type", "department", "level", "legal_limit",
               "promised_limit", "handling_type", "channels", "online", "online_depth", "mobile", "visits",
               "visit_reason", "mail", "fee", "online_payment", "result_name", "e_licence"]
MATERIAL_KEYS = ["matter_code", "material_name", "material_source", "material_form", "material_kind",
                 "material_copies", "material_necessity", "material_issuer", "material_basis"]


def generate(path: Path, matters: int, materials: int, seed: int = 20240301) -> None:
    """Write the seeded catalogue with openpyxl in write-only (streaming) mode."""
    from openpyxl import Workbook

    from bpr.i18n import t
    from bpr.io.safety import atomic_path

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(t("matter"))
    ws.append([t(k) for k in MATTER_KEYS])
    for i in range(matters):
        legal = rng.choice(LIMITS)
        visits = rng.choice([0, 0, 1, 1, 2, None])
        ws.append([
            f"11440100MB{i:08d}", f"{rng.choice(NAMES)}（{i}）", f"0001{i % 9999:04d}000", rng.choice(TYPES),
            rng.choice(DEPARTMENTS), rng.choice(["省级", "市级", "县级"]), legal,
            rng.choice([legal, "即办", 5, "10个工作日", "待定" if i % 997 == 0 else 3]),
            rng.choice(["即办件", "承诺件"]), rng.choice(["窗口办理、网上办理", "窗口办理", "窗口办理、网上办理、移动端"]),
            rng.choice(["是", "否"]), rng.choice(["Ⅳ级", "三级", "二级", "一级", ""]), rng.choice(["是", "否", ""]),
            visits, rng.choice(["", "需现场核验原件"]) if visits else "", rng.choice(["是", "否"]),
            rng.choice(["是", "否"]), rng.choice(["是", "否", ""]), rng.choice(["许可证", "营业执照", "批复", ""]),
            rng.choice(["是", "否"]),
        ])
    ms = wb.create_sheet(t("materials"))
    ms.append([t(k) for k in MATERIAL_KEYS])
    for _ in range(materials):
        ms.append([
            f"11440100MB{rng.randrange(matters):08d}", rng.choice(MATERIALS), rng.choice(["申请人自备", "政府部门核发", "其他"]),
            rng.choice(["纸质", "电子", "纸质和电子"]), rng.choice(["原件", "复印件", "原件和复印件"]),
            rng.choice([1, 1, 2, 3]), rng.choice(["必要", "非必要", "容缺后补"]),
            rng.choice(["", "市场监督管理局", "公安机关"]), rng.choice(["《行政许可法》第二十九条", ""]),
        ])
    with atomic_path(path) as tmp:
        wb.save(tmp)


PANDAS_CHILD = r"""
import sys, pandas as pd
sheets = pd.read_excel(sys.argv[1], sheet_name=None, engine="openpyxl")
print({k: len(v) for k, v in sheets.items()}, file=sys.stderr)
"""

AUDIT_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import bpr.io
from bpr.plan.audit import audit, write_audit
from bpr.analyse.rules import load_rules
t1 = time.perf_counter()
rules = load_rules(None)
catalogue = bpr.io.read_catalogue(sys.argv[1])
t2 = time.perf_counter()
result = audit(catalogue, rules=rules)
t3 = time.perf_counter()
write_audit(result, sys.argv[2])
t4 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "read": t2 - t1, "audit": t3 - t2, "write": t4 - t3,
                  "matters": len(catalogue), "materials": sum(len(m.materials) for m in catalogue),
                  "findings": len(result.findings), "proposals": len(result.proposals),
                  "warnings": len(result.warnings)}))
"""

ANALYSIS_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[3])
from audit_benchmark import in_memory_catalogue
catalogue = in_memory_catalogue(int(sys.argv[1]), int(sys.argv[2]))
from bpr.plan.audit import audit, write_audit
import tempfile
t0 = time.perf_counter()
result = audit(catalogue)
t1 = time.perf_counter()
with tempfile.TemporaryDirectory() as out:
    write_audit(result, out)
t2 = time.perf_counter()
print(json.dumps({"audit": t1 - t0, "write": t2 - t1, "matters": len(catalogue),
                  "findings": len(result.findings), "proposals": len(result.proposals)}))
"""


def in_memory_catalogue(matters: int, materials: int, seed: int = 20240301):
    """The same kind of catalogue as `generate`, built directly as model objects (no reader)."""
    from bpr.model import (
        Catalogue,
        HandlingType,
        Material,
        MaterialForm,
        Matter,
        SourceChannel,
        TimeLimit,
    )

    rng = random.Random(seed)
    items = []
    for i in range(matters):
        legal = rng.choice(LIMITS)
        visits = rng.choice([0, 0, 1, 1, 2, None])
        items.append(Matter(
            name=f"{rng.choice(NAMES)}（{i}）", code=f"11440100MB{i:08d}", matter_type=rng.choice(TYPES),
            department=rng.choice(DEPARTMENTS), legal_limit=TimeLimit.parse(legal),
            promised_limit=TimeLimit.parse(rng.choice([legal, "即办", 5, "10个工作日", 3])),
            handling_type=rng.choice(list(HandlingType)), online=rng.choice([True, False]),
            online_depth=rng.choice([4, 3, 2, 1, None]), mobile=rng.choice([True, False, None]), visits=visits,
            visit_reason=rng.choice(["", "需现场核验原件"]) if visits else "", mail=rng.choice([True, False]),
            fee=rng.choice([True, False]), online_payment=rng.choice([True, False, None]),
            result_name=rng.choice(["许可证", "营业执照", "批复", ""])))
    for _ in range(materials):
        items[rng.randrange(matters)].materials.append(Material(
            rng.choice(MATERIALS), source=rng.choice(list(SourceChannel)), form=rng.choice(list(MaterialForm)),
            copies=rng.choice([1, 1, 2, 3]), issuer=rng.choice(["", "市场监督管理局", "公安机关"]),
            basis=rng.choice(["《行政许可法》第二十九条", ""])))
    return Catalogue(items, source="in-memory")


def run_child(args: list[str], label: str) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MiB, stdout) of one child process, peak RSS from os.wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.exit(f"{label} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss / 1024, stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matters", type=int, default=100_000)
    parser.add_argument("--materials", type=int, default=600_000)
    parser.add_argument("--file", type=Path, help="catalogue .xlsx (default benchmarks/out/audit_<N>.xlsx)")
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    path = args.file or OUT / f"audit_{args.matters}_{args.materials}.xlsx"
    if args.regenerate or not path.exists():
        began = time.perf_counter()
        generate(path, args.matters, args.materials)
        print(f"generated {path} ({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - began:.1f}s")
    print(f"catalogue: {args.matters:,} matters, {args.materials:,} materials, {path.stat().st_size / 2**20:.1f} MiB")

    pandas_wall, pandas_peak, _ = run_child(["-c", PANDAS_CHILD, str(path)], "pandas.read_excel")
    print(f"pandas.read_excel (openpyxl, both sheets): {pandas_wall:8.1f} s   peak RSS {pandas_peak:7.0f} MiB")

    import importlib.util

    if importlib.util.find_spec("bpr.io.matter_sheet") is None:
        print("bpr.io.matter_sheet (the catalogue reader) is not installed: timing the analysis alone on the "
              "same matters built in memory")
        wall, peak, out = run_child(["-c", ANALYSIS_CHILD, str(args.matters), str(args.materials),
                                     str(ROOT / "benchmarks")], "analysis")
        phases = json.loads(out.strip().splitlines()[-1])
        print(f"audit() + write (no reading):            {phases['audit'] + phases['write']:8.1f} s   "
              f"peak RSS {peak:7.0f} MiB (includes building the catalogue)")
        print(f"phases: {json.dumps(phases)}")
        print(f"analysis / pandas read = {(phases['audit'] + phases['write']) / pandas_wall:.2f}")
        return
    with tempfile.TemporaryDirectory() as out_dir:
        wall, peak, out = run_child(["-c", AUDIT_CHILD, str(path), out_dir], "bpr audit")
    phases = json.loads(out.strip().splitlines()[-1])
    print(f"bpr audit (read + audit + write):          {wall:8.1f} s   peak RSS {peak:7.0f} MiB")
    print("phases (s): " + ", ".join(f"{k} {v:.1f}" for k, v in phases.items() if isinstance(v, float)))
    print("counts: " + ", ".join(f"{k} {v:,}" for k, v in phases.items() if isinstance(v, int)))
    ratio = wall / pandas_wall
    print(f"ratio bpr audit / pandas.read_excel = {ratio:.2f}  (goal ≤ 2.00: {'met' if ratio <= 2 else 'NOT met'})")
    print(f"audit analysis alone (no read/write) / pandas read = {phases['audit'] / pandas_wall:.2f}")


if __name__ == "__main__":
    main()
