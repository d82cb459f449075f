"""`bpr propose`, `bpr apply`, `bpr bundle`: four-reduction proposals, the editable plan, the
after-state with before/after figures and targets, and 一件事 bundles.

result.json schemas (all keys English; text in the chosen language, both kept where stored):

propose: {"kind": "propose", "catalogue", "options", "summary": {dimension: count},
          "proposals": [Proposal.to_dict()]}  (id, dimension, kind, matter, code, target, action,
          action_en, rationale, rationale_en, evidence, saving {materials, steps, days, visits}, change,
          accepted), "withheld": [Withheld.to_dict()] (proposals a domain constraint forbids: dimension,
          kind, matter, code, target, action, action_en, constraint, reason, reason_en, source, source_en,
          evidence), "constraints": [the constraint set used], "sharing_needs": [共享需求清单 rows]
apply:   {"kind": "apply", "catalogue", "plan", "applied": [ids], "rejected": [ids],
          "before_after": {"targets", "catalogue", "bundles", "matters"}}  each comparison: scope, name,
          code, matters, before/after/cut/cut_pct {steps, materials, promised_days, critical_path_days,
          visits}, targets [{id, label, required, actual, met}]; "warnings": the catalogue's data-quality warnings
bundle:  {"kind": "bundle", "catalogue", "bundle": BundleResult.to_dict() (with after_items and sharing_needs),
          "targets": [...], "warnings": [...]}
"""

from __future__ import annotations

from pathlib import Path

import click

from bpr.cli.options import force_option, lang_option
from bpr.i18n import t


def _options(time_ratio: float, max_materials: int, max_days: float, licences: tuple[str, ...],
             rules_file: str | None = None):
    from bpr.runs import proposal_options

    return proposal_options(time_ratio, max_materials, max_days, licences, rules_file)


_proposal_options = [
    click.option("--time-ratio", default=0.5, show_default=True,
                 help="Promised/legal limit above this share gets a compression proposal."),
    click.option("--immediate-max-materials", "max_materials", default=5, show_default=True, type=click.IntRange(0),
                 help="即审即办: at most this many submitted materials."),
    click.option("--immediate-max-days", "max_days", default=5.0, show_default=True, type=click.FloatRange(0),
                 help="即审即办: promised limit at most this many working days."),
    click.option("--licences", multiple=True, type=click.Path(dir_okay=False),
                 help="The local 电子证照 library: the licence types it holds (CSV 证照名称[,发证部门][,别名], or "
                      "one per line 名称|别名[,发证部门]); shares of other types become 待共享. Repeatable."),
    click.option("--rules", "rules_file", type=click.Path(dir_okay=False),
                 help="Rules YAML; its `constraints:` switch domain constraints off or extend their vocabulary."),
]
_log_option = click.option("--log", "log_file", type=click.Path(dir_okay=False),
                           help="Event log (办件记录) whose matter column gives annual cases for the 共享需求清单.")


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
@_log_option
@force_option
@lang_option
def propose_command(catalogue: str, out: str, time_ratio: float, max_materials: int, max_days: float,
                    licences: tuple[str, ...], rules_file: str | None, log_file: str | None, lang: str,
                    force: bool = False) -> None:
    """Four-reduction proposals (减材料、减环节、减时限、减跑动) for every matter, as an editable plan.

    Edit DIR/plan.yaml (accepted: true/false), then run `bpr apply`. Proposals a domain constraint
    forbids (a card must still be made, in person by law, no 告知承诺 for safety reports) are not
    made; they are listed as "未提出的建议及原因" with the reason.

    Example: bpr propose samples/catalogue_template.xlsx -o out/plan
    """
    from bpr.runs import proposal_summary, run_propose

    options = _options(time_ratio, max_materials, max_days, licences, rules_file)
    proposals, withheld = run_propose(catalogue, out, options, licences, lang, force, rules_file, log_file)
    summary = proposal_summary(proposals)
    out_dir = Path(out)
    click.echo(f"{len(proposals)} {t('plan_proposals', lang)}  "
               + "  ".join(f"{t(f'dim_{d}', lang)} {n}" for d, n in summary.items()))
    if withheld:
        by_constraint: dict[str, int] = {}
        for w in withheld:
            by_constraint[w.constraint] = by_constraint.get(w.constraint, 0) + 1
        click.echo(f"{t('withheld_title', lang)}: {len(withheld)}  "
                   + "  ".join(f"{t(f'constraint_{c}', lang)} {n}" for c, n in by_constraint.items()))
        for w in withheld[:MAX_WITHHELD_SHOWN]:
            action, reason = w.text(lang)
            click.echo(f"  - {w.matter}: {action} — {reason}")
        if len(withheld) > MAX_WITHHELD_SHOWN:
            click.echo(f"  … {t('withheld_more', lang)} result.json")
    click.echo(f"{t('plan_written', lang)} {out_dir / 'plan.yaml'}")


MAX_WITHHELD_SHOWN = 10  # withheld proposals printed by `bpr propose` (all are in result.json)


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
    from bpr.runs import run_apply

    proposals, result = run_apply(catalogue, plan, out, targets_file, bundle_files, lang, force)
    out_dir = Path(out)
    applied = sum(1 for p in proposals if p.accepted)
    click.echo(f"{applied} {t('plan_applied', lang)}")
    if result.catalogue:
        for key in ("steps", "materials", "promised_days", "visits"):
            b, a = result.catalogue.before.to_dict()[key], result.catalogue.after.to_dict()[key]
            pct = result.catalogue.cut_pct()[key]
            click.echo(f"{t(f'ba_{key}', lang)}: {_shown(b, lang)} → {_shown(a, lang)}"
                       + (f" (-{pct}%)" if pct is not None else ""))
    click.echo(f"{t('discover_written', lang)} {out_dir}")


@click.command(name="bundle")
@click.argument("catalogue", type=click.Path())
@click.argument("bundle_file", metavar="BUNDLE.yaml", type=click.Path())
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for result.json and bundle.csv, shared_documents.csv.")
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), help="Targets YAML (see apply).")
@click.option("--licences", multiple=True, type=click.Path(dir_okay=False),
              help="The local 电子证照 library: licence types it holds (CSV 证照名称[,发证部门] or one per line).")
@click.option("--synonyms", multiple=True, type=click.Path(dir_okay=False),
              help="Extra synonym table (名称|同义名称 per line) added to the bundled one; repeatable.")
@_log_option
@force_option
@lang_option
def bundle_command(catalogue: str, bundle_file: str, out: str, targets_file: str | None,
                   licences: tuple[str, ...], synonyms: tuple[str, ...], log_file: str | None, lang: str,
                   force: bool = False) -> None:
    """一件事: the members handled separately (before) and as one thing (after): one form, one set of
    materials, departments in parallel, one visit or none.

    Example: bpr bundle samples/catalogue_template.xlsx samples/bundles/开办餐饮店一件事.yaml -o out/bundle
    """
    from bpr.runs import run_bundle

    result = run_bundle(catalogue, bundle_file, out, targets_file, licences, lang, force, synonyms, log_file)
    out_dir = Path(out)
    for key in ("materials", "steps", "promised_days", "visits"):
        click.echo(f"{t(f'ba_{key}', lang)}: {_shown(result.before.to_dict()[key], lang)} → "
                   f"{_shown(result.after.to_dict()[key], lang)}")
    click.echo(f"{t('discover_written', lang)} {out_dir}")


def _shown(value: object, lang: str) -> str:
    """A before/after figure as printed: 'not given' where the sheet had none (was 'None')."""
    return t("cli_not_given", lang) if value is None else str(value)


commands = [propose_command, apply_command, bundle_command]
