"""`bpr simulate`: what-if simulation of reforms on a model discovered from an event log."""

from __future__ import annotations

from pathlib import Path

import click

from bpr.cli.options import (
    force_option,
    lang_option,
    map_option,
    max_bad_rows_option,
    since_option,
)
from bpr.i18n import join_list, t, tf
from bpr.io.columns import parse_mapping
from bpr.io.timestamps import parse_since


@click.command(name="simulate")
@click.argument("log", type=click.Path())
@click.option("-o", "--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for result.json, model.bpmn and prosimos.json.")
@click.option("--plan", "plan", type=click.Path(dir_okay=False), help="A bpr plan: its accepted proposals become a scenario.")
@click.option("--matter", default=None, help="Which matter of the plan the log is about (name or 实施编码); by default the one the log's matter column names.")
@click.option("--scenario", "scenario", type=click.Path(dir_okay=False), help="Scenario YAML, one or several (an example: samples/scenarios/食品经营许可改革.yaml).")
@click.option("--cases", default=1000, show_default=True, type=click.IntRange(1, 10_000_000), help="Cases per replication.")
@click.option("--replications", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--promised-limit", default=None, help="As-is promised limit, e.g. 20个工作日 (for the on-time rate).")
@click.option("--validate", is_flag=True, help="Also check the as-is model against the last 30% of the log, and on a rolling origin (splits at 50/60/70/80% of cases).")
@click.option("--no-mechanisms", "no_mechanisms", is_flag=True,
              help="Do not detect or model batching, fixed terms, attribute-driven routing and long-tailed waits (to compare).")
@since_option
@map_option
@max_bad_rows_option
@click.option("--timezone", default="Asia/Shanghai", show_default=True, help="Time zone of timestamps written without one.")
@force_option
@lang_option
def simulate_command(log: str, out: str, plan: str | None, matter: str | None, scenario: str | None, cases: int,
                     replications: int, seed: int, promised_limit: str | None, validate: bool, since: str | None,
                     mapping: str | None, timezone: str, lang: str, force: bool = False,
                     no_mechanisms: bool = False) -> None:
    """Discover a simulation model from LOG and run the as-is process against reform scenarios.

    Example: bpr simulate samples/logs/food_licence.csv --scenario samples/scenarios/食品经营许可改革.yaml --validate -o out/sim

    When --validate says the process has changed, build the model from recent cases only:
    bpr simulate LOG --since 2024-07-01 --validate -o out/sim
    """
    from bpr.runs import run_simulate

    result = run_simulate(log, out, scenario_file=scenario, plan=plan, matter=matter, cases=cases,
                          replications=replications, seed=seed, promised_limit=promised_limit, validate=validate,
                          since=parse_since(since, timezone), mapping=parse_mapping(mapping), timezone=timezone,
                          force=force, mechanisms=not no_mechanisms)
    model, validation, folder = result.model, result.validation, Path(out)
    for m in model.mechanisms:  # issue 19: what the model found in the log, with the evidence
        click.echo(str(m.get(lang) or m.get("en", "")))
    for s in result.scenarios:
        name = s.label.text(lang) if s.label else t("sim_as_is", lang) if s.name == "as-is" else s.name
        med, p90 = s.cycle_working_days["median"]["mean"], s.cycle_working_days["p90"]["mean"]
        line = "sim_scenario_line" if model.visits_known else "sim_scenario_line_no_visits"
        click.echo(tf(line, lang, name=name, median=med, p90=p90, visits=s.visits_per_case["mean"])
                   if med is not None else tf("sim_no_case", lang, name=name))
        for n in s.notes:
            click.echo(f"  {n.text(lang)}")
    if validation:
        click.echo(tf("sim_validation_line", lang, median=validation.median_rel_error, p90=validation.p90_rel_error,
                      emd=validation.emd_hours))
        if validation.given_arrivals:  # issue 19: the process model alone, beside the forecast figure
            g = validation.given_arrivals
            click.echo("  " + tf("sim_given_arrivals_line", lang, median=g["median_rel_error"], p90=g["p90_rel_error"],
                                 emd=g["emd_hours"], cases=g["simulated_cases"]))
        if validation.past_period:
            from bpr.report.builders.simulate import past_period_text

            click.echo("  " + past_period_text(validation.past_period, lang))
        if validation.arrival_check.get("missed"):
            a = validation.arrival_check
            click.echo("  " + tf("sim_arrival_miss", lang, simulated=a["simulated_cases"], real=a["real_cases"],
                                 diff=a["rel_difference"]))
        if any(i["outside"] for i in validation.intervals.values()):
            from bpr.report.builders.simulate import interval_text

            click.echo("  " + interval_text(validation.intervals, validation.miss_steps, lang))
        worst = (validation.rolling or {}).get("worst")
        if worst:  # issue 19: the rolling origin's worst split per figure

            def shown(key: str, spec: str) -> str:
                value = worst[key]["value"]
                return "—" if value is None else format(value, spec)

            click.echo("  " + tf("sim_rolling_line", lang, median=shown("median_rel_error", ".1%"),
                                 p90=shown("p90_rel_error", ".1%"), emd=shown("emd_hours", ".1f"),
                                 wait=shown("step_wait_error", ".1%"), flow=shown("control_flow_distance", ".1%")))
        if validation.drift:
            click.echo(tf("rs_valid_drift", lang, train_median=validation.train_median_h,
                          train_p90=validation.train_p90_h))
            if validation.drift_since:
                click.echo(tf("rs_valid_drift_since", lang, since=validation.drift_since))
        if validation.step_changes:
            click.echo("  " + tf("sim_step_changes_line", lang, steps=join_list((
                tf("sim_step_change", lang, step=c["step"], before=c["train_p90_h"], after=c["test_p90_h"])
                for c in validation.step_changes), lang)))
    click.echo(f"{t('sim_written', lang)} {folder / 'result.json'}")


commands = [simulate_command]
