"""Each bpr command's work as one library call: input files in, a result folder out.

The CLI (`bpr.cli`) and the web app (`bpr.web`) both call these, so a command and its web page
give the same result.json; a notebook user can call them too:

    >>> from bpr.runs import run_propose
    >>> proposals = run_propose("samples/catalogue_template.xlsx", "out/plan")   # doctest: +SKIP
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bpr.i18n import t
from bpr.io.result_folder import result_folder
from bpr.io.results import write_csv, write_json
from bpr.progress import note

if TYPE_CHECKING:
    from bpr.analyse.discover import DiscoverResult
    from bpr.measure.before_after import BeforeAfter
    from bpr.measure.bundle import BundleResult
    from bpr.plan import ProposalOptions
    from bpr.plan.audit import AuditResult
    from bpr.plan.proposals import Proposal, Withheld
    from bpr.simulate.run import SimulationResult
    from bpr.simulate.scenario import Scenario


def inspect_file(file: str | Path, mapping: dict[str, str] | None = None, timezone: str = "Asia/Shanghai") -> dict:
    """What a matter sheet or event log holds (the summary `bpr inspect --json` prints)."""
    import bpr.io
    from bpr.analyse.summary import summarise_catalogue, summarise_log

    if bpr.io.file_kind(file) == "catalogue":
        return summarise_catalogue(bpr.io.read_catalogue(file))
    return summarise_log(bpr.io.read_log(file, mapping=mapping or {}, timezone=timezone))


def run_audit(catalogue: str | Path, out: str | Path, rules_file: str | None = None, whitelist: str | None = None,
              month_days: float = 22.0, year_days: float = 250.0, proposals: bool = True,
              lang: str = "zh", force: bool = False, licences: tuple[str, ...] | list[str] = (),
              log_file: str | None = None) -> AuditResult:
    """Audit a matter sheet and write DIR/result.json with its CSV tables (`bpr audit`); `licences`
    (the local 电子证照 library) and `log_file` (annual cases) feed the 共享需求清单."""
    import bpr.io
    from bpr.analyse.rules import load_rules
    from bpr.model.timelimit import Conversion
    from bpr.plan.audit import audit, read_whitelist, write_audit
    from bpr.plan.documents import LicenceCatalogue

    with result_folder(out, "audit", force) as folder:
        rules = load_rules(rules_file)  # bad rules or library files fail before the (slow) catalogue read
        entries = read_whitelist(whitelist) if whitelist else None
        library = LicenceCatalogue.load(*licences)
        cases = _annual_cases(log_file)
        note(f"reading {catalogue}")
        cat = bpr.io.read_catalogue(catalogue)
        note("auditing")
        result = audit(cat, rules=rules, whitelist=entries, conversion=Conversion(month=month_days, year=year_days),
                       proposals=proposals, licences=library, annual_cases=cases)
        note(f"writing {out}")
        write_audit(result, folder, lang=lang)
    return result


def _annual_cases(log_file: str | Path | None) -> dict | None:
    """Cases a year per matter from an event log's matter column (for the 共享需求清单)."""
    if not log_file:
        return None
    import bpr.io
    from bpr.analyse.volumes import annual_cases

    return annual_cases(bpr.io.read_log(log_file))


def _write_sharing_needs(folder: Path, needs: list, lang: str) -> None:
    from bpr.plan.sharing import csv_rows

    header, rows = csv_rows(needs, lang)
    write_csv(folder / "sharing_needs.csv", header, rows)  # headers already in `lang`


def proposal_options(time_ratio: float = 0.5, max_materials: int = 5, max_days: float = 5.0,
                     licences: tuple[str, ...] | list[str] = (), rules_file: str | None = None) -> ProposalOptions:
    """The proposal options of `bpr propose` (domain constraints from `rules_file`, the rules
    YAML); UsageError for a ratio outside (0, 1]."""
    from bpr.analyse.rules import load_rules
    from bpr.errors import UsageError
    from bpr.plan import LicenceCatalogue, ProposalOptions

    if not 0 < time_ratio <= 1:
        raise UsageError.of("cli_time_ratio_out_of_range", {"ratio": time_ratio})
    return ProposalOptions(time_ratio=time_ratio, immediate_max_materials=max_materials,
                           immediate_max_days=max_days, licences=LicenceCatalogue.load(*licences),
                           constraints=load_rules(rules_file).constraints)


def run_propose(catalogue: str | Path, out: str | Path, options: ProposalOptions | None = None,
                licences: tuple[str, ...] | list[str] = (), lang: str = "zh", force: bool = False,
                rules_file: str | None = None, log_file: str | None = None) -> tuple[list[Proposal], list[Withheld]]:
    """Four-reduction proposals as DIR/plan.yaml, result.json, proposals.csv and sharing_needs.csv
    (`bpr propose`), and the proposals a domain constraint withheld, with the reason. `log_file`
    gives annual cases to the 共享需求清单."""
    from bpr.io import read_catalogue
    from bpr.plan import propose
    from bpr.plan.plan import plan_options, write_plan
    from bpr.plan.sharing import sharing_needs

    options = options or proposal_options(licences=licences, rules_file=rules_file)
    with result_folder(out, "propose", force) as folder:
        cat = read_catalogue(catalogue)
        cases = _annual_cases(log_file)
        note("proposing")
        warnings: list = []
        withheld: list[Withheld] = []
        proposals = propose(cat, options, warnings=warnings, withheld=withheld)
        needs = sharing_needs(cat, options.licences, cases)
        licence_paths = [str(Path(p).resolve()) for p in licences]
        rules_path = str(Path(rules_file).resolve()) if rules_file else None
        stored_options = plan_options(options, licence_paths, rules_path)
        # the plan names its catalogue relative to itself, so the plan folder can be moved with it
        relative = os.path.relpath(Path(catalogue).resolve(), Path(out).resolve())
        write_plan(folder / "plan.yaml", proposals, catalogue=relative, options=stored_options, lang=lang,
                   withheld=withheld)
        write_json(folder / "result.json", {
            "kind": "propose", "catalogue": str(catalogue), "options": stored_options,
            "summary": proposal_summary(proposals),
            "warnings": [w.to_dict() for w in [*getattr(cat, "warnings", []), *warnings]],
            "proposals": [p.to_dict() for p in proposals], "withheld": [w.to_dict() for w in withheld],
            "constraints": options.constraints.describe(), "sharing_needs": [n.to_dict(lang) for n in needs]})
        _write_sharing_needs(folder, needs, lang)
        write_csv(folder / "proposals.csv",
                  ["id", "dimension", "matter", "code", "target", "action", "rationale", "materials", "steps",
                   "days", "visits", "accepted"],
                  ([p.id, t(f"dim_{p.dimension}", lang), p.matter, p.code, p.target, *p.text(lang),
                    p.saving.get("materials"), p.saving.get("steps"), p.saving.get("days"), p.saving.get("visits"),
                    p.accepted] for p in proposals), lang=lang)
    return proposals, withheld


def proposal_summary(proposals: list[Proposal]) -> dict[str, int]:
    """Proposals per four-reduction dimension."""
    return {d: sum(1 for p in proposals if p.dimension == d) for d in ("materials", "steps", "time", "visits")}


def run_apply(catalogue: str | Path, plan: str | Path, out: str | Path, targets_file: str | None = None,
              bundle_files: tuple[str, ...] | list[str] = (), lang: str = "zh",
              force: bool = False) -> tuple[list[Proposal], BeforeAfter]:
    """Apply a plan's accepted proposals: DIR/result.json, before_after.csv, after.xlsx (`bpr apply`)."""
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
            "applied": [p.id for p in proposals if p.accepted],
            "rejected": [p.id for p in proposals if not p.accepted],
            "proposals": [p.to_dict() for p in proposals], "before_after": result.to_dict(lang),
            # the catalogue's data-quality warnings travel with it: the apply report lists them as audit does
            "warnings": [w.to_dict() for w in getattr(before, "warnings", [])]})
        write_csv(folder / "before_after.csv",
                  ["scope", "name", "code", "measure", "before", "after", "cut", "cut_pct"], result.rows(lang), lang=lang)
        try:
            from bpr.io import write_template

            write_template(folder / "after.xlsx", after)
        except ImportError:  # the template writer is optional
            pass
    return proposals, result


def edit_plan(catalogue: str | Path, plan: str | Path, accepted: set[str] | list[str], out: str | Path,
              lang: str = "zh") -> list[Proposal]:
    """Write `plan` again as `out` with exactly the proposals `accepted` (ids) accepted: what a
    planner does by hand in plan.yaml, for the web's accept/reject toggles."""
    from bpr.io import read_catalogue
    from bpr.plan.apply import resolve_plan
    from bpr.plan.plan import read_plan, write_plan

    the_plan = read_plan(plan)
    proposals = resolve_plan(read_catalogue(catalogue), the_plan)
    wanted = set(accepted)
    for proposal in proposals:
        proposal.accepted = proposal.id in wanted
    write_plan(out, proposals, catalogue=the_plan.catalogue, options=the_plan.options, lang=lang)
    return proposals


def run_bundle(catalogue: str | Path, bundle_file: str | Path, out: str | Path, targets_file: str | None = None,
               licences: tuple[str, ...] | list[str] = (), lang: str = "zh", force: bool = False,
               synonyms: tuple[str, ...] | list[str] = (), log_file: str | None = None) -> BundleResult:
    """一件事 before/after: DIR/result.json, bundle.csv, shared_documents.csv, after_materials.csv
    (each merge with its reason) and sharing_needs.csv (`bpr bundle`). `synonyms` extends the
    document synonym table; `log_file` gives annual cases to the 共享需求清单."""
    from bpr.io import read_bundle, read_catalogue
    from bpr.measure import Targets, check_targets, load_targets
    from bpr.measure.bundle import analyse_bundle
    from bpr.measure.figures import measure_label
    from bpr.plan import LicenceCatalogue
    from bpr.plan.documents import DocumentSynonyms

    with result_folder(out, "bundle", force) as folder:
        targets = load_targets(targets_file) if targets_file else Targets()
        bundle = read_bundle(bundle_file)
        library, table = LicenceCatalogue.load(*licences), DocumentSynonyms.load(*synonyms)
        cat = read_catalogue(catalogue)
        result = analyse_bundle(bundle, cat, library, synonyms=table, annual_cases=_annual_cases(log_file))
        checked = check_targets(targets, result.before, result.after, [result.after.visits])
        write_json(folder / "result.json", {"kind": "bundle", "catalogue": str(catalogue),
                                            "bundle": result.to_dict(lang),
                                            "targets": [r.to_dict(lang) for r in checked],
                                            "warnings": [w.to_dict() for w in getattr(cat, "warnings", [])]})
        cut, pct = result.cut(), result.cut_pct()
        write_csv(folder / "bundle.csv", ["measure", "before", "after", "cut", "cut_pct"],
                  ([measure_label(k, lang), result.before.to_dict()[k], result.after.to_dict()[k], cut[k], pct[k]]
                   for k in result.before.to_dict()), lang=lang)
        write_csv(folder / "shared_documents.csv", ["document", "matter", "material"],
                  ([s.document, m, n] for s in result.shared for m, n in s.materials), lang=lang)
        _write_sharing_needs(folder, result.sharing_needs, lang)
        write_csv(folder / "after_materials.csv", ["document", "reason", "matter", "material"],
                  ([i.document, i.text(lang), m, n] for i in result.after_items for m, n in i.materials), lang=lang)
    return result


def run_discover(log: str | Path, out: str | Path, engine: str = "duckdb", engine_options: dict | None = None,
                 top_k: int = 20, max_nodes: int = 60, core: bool = False, mapping: dict[str, str] | None = None,
                 timezone: str = "Asia/Shanghai", catalogue: str | None = None, specs: tuple[str, ...] = (),
                 calendar: str | None = None, bpmn: bool = False, since: datetime | None = None,
                 lang: str = "zh", force: bool = False, min_share: float = 0.0) -> DiscoverResult:
    """The as-is process of an event log as a result folder (`bpr discover`); the process map leaves
    out paths taken by fewer than `min_share` of cases."""
    from bpr.analyse.discover import discover, write_discover
    from bpr.analyse.engine import make_engine
    from bpr.io.safety import existing_file

    existing_file(log)  # before a Spark JVM (12 s) or anything else starts
    with result_folder(out, "discover", force) as folder:
        analyses = [] if core else _configured_analyses(catalogue, specs, calendar)
        with make_engine(engine, **(engine_options or {})) as runner:
            result = discover(log, engine=runner, top_k=top_k, mapping=mapping or {}, timezone=timezone,
                              analyses=analyses, since=since)
        note(f"writing {out}")
        write_discover(result, folder, lang=lang, max_nodes=max_nodes, min_share=min_share)
        _write_extras(result, folder, log, mapping or {}, timezone, bpmn, since, lang)
    return result


def _configured_analyses(catalogue: str | None, specs: tuple[str, ...], calendar: str | None) -> list | None:
    """None (the installed defaults) unless a catalogue, spec or calendar file is given."""
    if not (catalogue or specs or calendar):
        return None
    import bpr.io
    from bpr.analyse.analyses import discover_analyses
    from bpr.io.calendar_file import read_work_calendar

    return discover_analyses(catalogue=bpr.io.read_catalogue(catalogue) if catalogue else None,
                             specs=[bpr.io.read_process_model(s) for s in specs],
                             calendar=read_work_calendar(calendar) if calendar else None)


def _write_extras(result: DiscoverResult, out: Path, log: str | Path, mapping: dict | None, timezone: str,
                  bpmn: bool, since: datetime | None = None, lang: str | None = None) -> None:
    """The extra analyses' CSV tables (headers in `lang`), and process.bpmn when asked."""
    from bpr.analyse.analyses import write_tables

    write_tables(result.extra, out, lang)
    if bpmn:
        import bpr.io
        from bpr.analyse.interop import write_discovered_bpmn

        note("inductive miner (pm4py) -> process.bpmn")
        event_log = bpr.io.read_log(log, mapping=mapping, timezone=timezone)
        write_discovered_bpmn(event_log.cases_since(since) if since else event_log, out / "process.bpmn")


def run_simulate(log: str | Path, out: str | Path, scenarios: list[Scenario] | None = None,
                 scenario_file: str | None = None, plan: str | None = None, matter: str | None = None,
                 cases: int = 1000, replications: int = 10, seed: int = 0, promised_limit: str | None = None,
                 validate: bool = False, since: datetime | None = None, mapping: dict[str, str] | None = None,
                 timezone: str = "Asia/Shanghai", force: bool = False, mechanisms: bool = True) -> SimulationResult:
    """What-if simulation of a log's process: DIR/result.json, model.bpmn, prosimos.json (`bpr simulate`).
    `scenarios` (objects) come before those read from `scenario_file` and the one made from `plan`.
    `mechanisms`: detect and model batching, fixed terms, attribute routing and long tails (#19)."""
    import bpr.io
    from bpr.errors import UsageError
    from bpr.model.timelimit import TimeLimit
    from bpr.simulate import load_scenarios, scenario_from_plan, simulate_log
    from bpr.simulate.export import write_bpmn, write_prosimos

    limit = None
    if promised_limit is not None:
        limit = TimeLimit.parse(promised_limit).to_working_days()
        if limit is None:
            raise UsageError.of("sim_cli_promised_limit_not_understood", {"limit": promised_limit})
    with result_folder(out, "simulate", force) as folder:
        event_log = bpr.io.read_log(log, mapping=mapping or {}, timezone=timezone)
        chosen = list(scenarios or [])
        if scenario_file:
            chosen += load_scenarios(scenario_file)
        if plan:
            in_log = set(event_log.to_pandas()["matter"].dropna().astype(str)) if event_log.has("matter") else set()
            chosen.append(scenario_from_plan(plan, matter, in_log))
        result = simulate_log(event_log, chosen, cases=cases, replications=replications, seed=seed,
                              validate=validate, source=str(log), promised_limit_days=limit, since=since,
                              mechanisms=mechanisms)
        write_json(folder / "result.json", result.to_dict())
        write_bpmn(result.model, folder / "model.bpmn")
        write_prosimos(result.model, folder / "prosimos.json")
    return result


def run_report(result_dir: str | Path, out: str | Path, lang: str = "zh",
               formats: tuple[str, ...] | None = None, force: bool = False) -> list[Path]:
    """Render a result folder as HTML, Excel and Word reports (`bpr report`)."""
    from bpr.report.render import FORMATS, render

    return render(result_dir, out, lang, formats or FORMATS, force)

