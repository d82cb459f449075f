"""`bpr propose`, `bpr apply`, `bpr bundle`: four-reduction proposals, the editable plan, the
after-state with before/after figures and targets, and 一件事 bundles.

result.json schemas (all keys English; text in the chosen language, both kept where stored):

propose: {"kind": "propose", "catalogue", "options", "summary": {dimension: count},
          "proposals": [Proposal.to_dict()]}  (id, dimension, kind, matter, code, target, action,
          action_en, rationale, rationale_en, evidence, saving {materials, steps, days, visits}, change,
          accepted)
apply:   {"kind": "apply", "catalogue", "plan", "applied": [ids], "rejected": [ids],
          "before_after": {"targets", "catalogue", "bundles", "matters"}}  each comparison: scope, name,
          code, matters, before/after/cut/cut_pct {steps, materials, promised_days, critical_path_days,
          visits}, targets [{id, label, required, actual, met}]
bundle:  {"kind": "bundle", "catalogue", "bundle": BundleResult.to_dict(), "targets": [...]}
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from bpr.cli.options import force_option, lang_option
from bpr.i18n import t
from bpr.io.result_folder import result_folder
from bpr.io.results import write_csv, write_json
from bpr.progress import note


def _options(time_ratio: float, max_materials: int, max_days: float, licences: tuple[str, ...]):
    from bpr.errors import UsageError
    from bpr.plan import LicenceCatalogue, ProposalOptions

    if not 0 < time_ratio <= 1:
        raise UsageError.of("cli_time_ratio_out_of_range", {"ratio": time_ratio})
    return ProposalOptions(time_ratio=time_ratio, immediate_max_materials=max_materials,
                           immediate_max_days=max_days, licences=LicenceCatalogue.load(*licences))


_proposal_options = [
    click.option("--time-ratio", default=0.5, show_default=True,
                 help="Promised/legal limit above this share gets a compression proposal."),
    click.option("--immediate-max-materials", "max_materials", default=5, show_default=True, type=click.IntRange(0),
                 help="即审即办: at most this many submitted materials."),
    click.option("--immediate-max-days", "max_days", default=5.0, show_default=True, type=click.FloatRange(0),
                 help="即审即办: promised limit at most this many working days."),
    click.option("--licences", multiple=True, type=click.Path(dir_okay=False),
                 help="Extra licence list (名称|别名 per line) added to the bundled one; repeatable."),
]


def _with(options):
    def wrap(func):
        for option in reversed(options):
            func = option(func)
        return func
    return wrap


@click.command(name="propose")
@click.argument("catalogue", type=click.Path())
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for plan.yaml, result.json and proposals.csv.")
@_with(_proposal_options)
@force_option
@lang_option
def propose_command(catalogue: str, out: str, time_ratio: float, max_materials: int, max_days: float,
                    licences: tuple[str, ...], lang: str, force: bool = False) -> None:
    """Four-reduction proposals (减材料、减环节、减时限、减跑动) for every matter, as an editable plan.

    Edit DIR/plan.yaml (accepted: true/false), then run `bpr apply`.

    Example: bpr propose samples/catalogue_template.xlsx -o out/plan
    """
    from bpr.io import read_catalogue
    from bpr.plan import propose
    from bpr.plan.plan import plan_options, write_plan

    with result_folder(out, "propose", force) as folder:
        options = _options(time_ratio, max_materials, max_days, licences)
        cat = read_catalogue(catalogue)
        note("proposing")
        warnings: list = []
        proposals = propose(cat, options, warnings=warnings)
        out_dir = Path(out)
        licence_paths = [str(Path(p).resolve()) for p in licences]
        # the plan names its catalogue relative to itself, so the plan folder can be moved with it
        relative = os.path.relpath(Path(catalogue).resolve(), out_dir.resolve())
        write_plan(folder / "plan.yaml", proposals, catalogue=relative,
                   options=plan_options(options, licence_paths), lang=lang)
        summary = {d: sum(1 for p in proposals if p.dimension == d) for d in ("materials", "steps", "time", "visits")}
        write_json(folder / "result.json", {
            "kind": "propose", "catalogue": str(catalogue), "options": plan_options(options, licence_paths),
            "summary": summary,
            "warnings": [w.to_dict() for w in [*getattr(cat, "warnings", []), *warnings]],
            "proposals": [p.to_dict() for p in proposals]})
        write_csv(folder / "proposals.csv",
                   ["id", "dimension", "matter", "code", "target", "action", "rationale", "materials", "steps",
                    "days", "visits", "accepted"],
                   ([p.id, t(f"dim_{p.dimension}", lang), p.matter, p.code, p.target, *p.text(lang),
                     p.saving.get("materials"), p.saving.get("steps"), p.saving.get("days"), p.saving.get("visits"),
                     p.accepted] for p in proposals))
    click.echo(f"{len(proposals)} {t('plan_proposals', lang)}  "
               + "  ".join(f"{t(f'dim_{d}', lang)} {n}" for d, n in summary.items()))
    click.echo(f"{t('plan_written', lang)} {out_dir / 'plan.yaml'}")


@click.command(name="apply")
@click.argument("catalogue", type=click.Path())
@click.argument("plan", type=click.Path())
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for result.json, before_after.csv and the after-state catalogue.")
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False),
              help="YAML with time_cut, materials_cut, steps_cut, max_visits, zero_visits.")
@click.option("--bundle", "bundle_files", multiple=True, type=click.Path(dir_okay=False),
              help="Also measure these 一件事 bundles (YAML); repeatable.")
@force_option
@lang_option
def apply_command(catalogue: str, plan: str, out: str, targets_file: str | None, bundle_files: tuple[str, ...],
                  lang: str, force: bool = False) -> None:
    """Apply the accepted proposals of a plan: the after-state catalogue and before/after figures
    (steps, materials, promised and critical-path working days, visits) with targets met or not.

    Example: bpr apply samples/catalogue_template.xlsx out/plan/plan.yaml -o out/after --bundle samples/bundles/开办餐饮店一件事.yaml
    """
    from bpr.io import read_bundle, read_catalogue
    from bpr.measure import Targets, compare, load_targets
    from bpr.plan.apply import apply_proposals, resolve_plan
    from bpr.plan.plan import read_plan

    with result_folder(out, "apply", force) as folder:
        targets = load_targets(targets_file) if targets_file else Targets()
        the_plan = read_plan(plan)
        bundles = [read_bundle(p) for p in bundle_files]
        before = read_catalogue(catalogue)
        proposals = resolve_plan(before, the_plan)
        for bundle in bundles:
            bundle.resolve(before)  # a missing member stops the run before anything is written
        after = apply_proposals(before, [p for p in proposals if p.accepted])
        result = compare(before, after, targets, bundles)
        write_json(folder / "result.json", {
            "kind": "apply", "catalogue": str(catalogue), "plan": str(plan),
            "applied": [p.id for p in proposals if p.accepted], "rejected": [p.id for p in proposals if not p.accepted],
            "proposals": [p.to_dict() for p in proposals], "before_after": result.to_dict(lang)})
        write_csv(folder / "before_after.csv",
                   ["scope", "name", "code", "measure", "before", "after", "cut", "cut_pct"], result.rows())
        try:
            from bpr.io import write_template

            write_template(folder / "after.xlsx", after)
        except ImportError:  # the template writer is optional
            pass
    applied = sum(1 for p in proposals if p.accepted)
    click.echo(f"{applied} {t('plan_applied', lang)}")
    if result.catalogue:
        for key in ("steps", "materials", "promised_days", "visits"):
            b, a = result.catalogue.before.to_dict()[key], result.catalogue.after.to_dict()[key]
            pct = result.catalogue.cut_pct()[key]
            click.echo(f"{t(f'ba_{key}', lang)}: {_shown(b, lang)} → {_shown(a, lang)}"
                       + (f" (-{pct}%)" if pct is not None else ""))
    click.echo(f"{t('discover_written', lang)} {out}")


@click.command(name="bundle")
@click.argument("catalogue", type=click.Path())
@click.argument("bundle_file", metavar="BUNDLE.yaml", type=click.Path())
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for result.json and bundle.csv, shared_documents.csv.")
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), help="Targets YAML (see apply).")
@click.option("--licences", multiple=True, type=click.Path(dir_okay=False), help="Extra licence list.")
@force_option
@lang_option
def bundle_command(catalogue: str, bundle_file: str, out: str, targets_file: str | None,
                   licences: tuple[str, ...], lang: str, force: bool = False) -> None:
    """一件事: the members handled separately (before) and as one thing (after): one form, one set of
    materials, departments in parallel, one visit or none.

    Example: bpr bundle samples/catalogue_template.xlsx samples/bundles/开办餐饮店一件事.yaml -o out/bundle
    """
    from bpr.analyse.bundle import analyse_bundle
    from bpr.io import read_bundle, read_catalogue
    from bpr.measure import Targets, check_targets, load_targets
    from bpr.plan import LicenceCatalogue

    with result_folder(out, "bundle", force) as folder:
        targets = load_targets(targets_file) if targets_file else Targets()
        bundle = read_bundle(bundle_file)
        cat = read_catalogue(catalogue)
        result = analyse_bundle(bundle, cat, LicenceCatalogue.load(*licences))
        checked = check_targets(targets, result.before, result.after, [result.after.visits])
        write_json(folder / "result.json", {"kind": "bundle", "catalogue": str(catalogue),
                                              "bundle": result.to_dict(lang),
                                              "targets": [r.to_dict(lang) for r in checked]})
        cut, pct = result.cut(), result.cut_pct()
        write_csv(folder / "bundle.csv", ["measure", "before", "after", "cut", "cut_pct"],
                   ([k, result.before.to_dict()[k], result.after.to_dict()[k], cut[k], pct[k]]
                    for k in result.before.to_dict()))
        write_csv(folder / "shared_documents.csv", ["document", "matter", "material"],
                   ([s.document, m, n] for s in result.shared for m, n in s.materials))
    for key in ("materials", "steps", "promised_days", "visits"):
        click.echo(f"{t(f'ba_{key}', lang)}: {_shown(result.before.to_dict()[key], lang)} → "
                   f"{_shown(result.after.to_dict()[key], lang)}")
    click.echo(f"{t('discover_written', lang)} {out}")


def _shown(value: object, lang: str) -> str:
    """A before/after figure as printed: 'not given' where the sheet had none (was 'None')."""
    return t("cli_not_given", lang) if value is None else str(value)


commands = [propose_command, apply_command, bundle_command]
