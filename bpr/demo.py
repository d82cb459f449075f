"""`bpr demo`: the whole pipeline on the bundled samples, reports and an index page.

Each step runs the same command a user would type (so the demo shows exactly what the commands
do), then its result folder is rendered in HTML, Excel and Word under `out/<step>/`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from bpr.errors import InputError
from bpr.i18n import t, tf
from bpr.io.safety import atomic_output
from bpr.progress import note
from bpr.report.fonts import MONO_STACK, font_face_css

FOOD_LOG = "logs/food_licence.csv"
FOOD_MATTER = "食品经营许可"
CATALOGUE = "catalogue_template.xlsx"
REFORM_LOG = "logs/public_health_reform.csv"  # issue 14: a log with a planted reform
REFORM_DATE = "2024-07-01"


@dataclass
class DemoStep:
    name: str
    title: str
    args: list[str]
    reports: list[Path] | None = None


def find_samples(samples: str | Path | None = None) -> Path:
    """The samples folder: as given, ./samples, or the one beside the installed source tree."""
    candidates = [Path(samples)] if samples else [Path("samples"), Path(__file__).resolve().parents[1] / "samples"]
    for path in candidates:
        if (path / CATALOGUE).is_file():
            return path
    raise InputError.of("cli_demo_samples_not_found", file=candidates[0])


def demo_steps(samples: Path, work: Path, lang: str) -> list[DemoStep]:
    catalogue = str(samples / CATALOGUE)
    log = str(samples / FOOD_LOG)
    plan = str(work / "propose" / "plan.yaml")
    process_model = samples.parent / "process_models" / f"{FOOD_MATTER}.yaml"
    discover = ["discover", log, "-o", str(work / "discover"), "--catalogue", catalogue, "--bpmn"]
    if process_model.is_file():
        discover += ["--spec", str(process_model)]
    steps = [
        DemoStep("audit", t("demo_step_audit", lang), ["audit", catalogue, "-o", str(work / "audit")]),
        DemoStep("discover", t("demo_step_discover", lang), discover),
        DemoStep("propose", t("demo_step_propose", lang), ["propose", catalogue, "-o", str(work / "propose")]),
        DemoStep("apply", t("demo_step_apply", lang), ["apply", catalogue, plan, "-o", str(work / "apply")]),
    ]
    for bundle in sorted((samples / "bundles").glob("*.yaml")):
        steps.append(DemoStep(f"bundle-{bundle.stem}", tf("demo_step_bundle", lang, name=bundle.stem),
                              ["bundle", catalogue, str(bundle), "-o", str(work / f"bundle-{bundle.stem}")]))
    steps.append(DemoStep("simulate", t("demo_step_simulate", lang),
                          ["simulate", log, "--plan", plan, "--matter", FOOD_MATTER, "--cases", "600",
                           "--replications", "5", "--seed", "7", "--validate", "-o", str(work / "simulate")]))
    if (samples / REFORM_LOG).is_file():
        steps.append(DemoStep("compare", t("demo_step_compare", lang),
                              ["compare", str(samples / REFORM_LOG), "--at", REFORM_DATE, "--catalogue", catalogue,
                               "-o", str(work / "compare")]))
    if lang != "zh":  # every command prints and writes in the demo's language
        for step in steps:
            step.args += ["--lang", lang]
    return steps


def run_demo(out: str | Path = "reports/demo", samples: str | Path | None = None, lang: str = "zh",
             formats: tuple[str, ...] = ("html", "xlsx", "docx")) -> Path:
    """Run every step, render its reports into `out/<step>/`, write `out/index.html`; returns it."""
    from bpr.cli import cli
    from bpr.report.render import render

    samples = find_samples(samples).resolve()
    out = Path(out).resolve()
    work = out / "results"
    steps = demo_steps(samples, work, lang)
    for step in steps:
        note(f"bpr {step.args[0]} …")
        cli.main(args=step.args, prog_name="bpr", standalone_mode=False)
        step.reports = render(work / step.name, out / step.name, lang, formats)
    index = out / "index.html"
    with atomic_output(index, "w", encoding="utf-8") as fh:
        fh.write(index_html(steps, out, samples, lang))
    return index.relative_to(Path.cwd()) if index.is_relative_to(Path.cwd()) else index


def index_html(steps: list[DemoStep], out: Path, samples: Path, lang: str) -> str:
    esc = html.escape
    title, intro = t("demo_title", lang), t("demo_intro", lang)
    items = []
    for step in steps:
        links = " · ".join(
            f'<a href="{esc(p.relative_to(out).as_posix())}">{esc(p.suffix[1:].upper())}</a>' for p in step.reports or [])
        html_report = next((p for p in step.reports or [] if p.suffix == ".html"), None)
        head = (f'<a href="{esc(html_report.relative_to(out).as_posix())}">{esc(step.title)}</a>'
                if html_report else esc(step.title))
        items.append(f"<li><h2>{head}</h2><p class='cmd'>bpr {esc(' '.join(_short(a, out, samples) for a in step.args))}</p>"
                     f"<p>{esc(t('demo_files', lang))}：{links}</p></li>")
    text = title + intro + "".join(items) + t("demo_files", lang)
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{esc(title)}</title>
<style>{font_face_css(text)}
body {{ font-family: 'bpr-cjk', 'Noto Sans CJK SC', sans-serif; color: #1f2933; background: #f5f7fa; margin: 0; }}
main {{ max-width: 900px; margin: 0 auto; background: #fff; padding: 32px 40px 48px; min-height: 100vh; }}
h1 {{ color: #1d4e89; border-bottom: 3px solid #1d4e89; padding-bottom: 10px; }}
ol {{ padding-left: 20px; }} li {{ margin: 18px 0; }} h2 {{ font-size: 18px; margin: 0 0 4px; }}
a {{ color: #1d4e89; }} .cmd {{ font-family: {MONO_STACK}; color: #52606d; font-size: 12px; margin: 2px 0; }}
</style></head><body><main><h1>{esc(title)}</h1><p>{esc(intro)}</p><ol>{''.join(items)}</ol></main></body></html>
"""


def _short(arg: str, out: Path, samples: Path) -> str:
    """Paths in the shown commands relative to where a user stands."""
    for base, label in ((out, "reports/demo"), (samples, "samples"), (samples.parent / "process_models", "process_models")):
        try:
            return f"{label}/{Path(arg).relative_to(base).as_posix()}"
        except ValueError:
            continue
    return arg
