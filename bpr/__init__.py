"""bpr: business-process reengineering and four-reduction analysis for government services.

The verbs a notebook user needs are here; algorithms live in the subpackages.

    import bpr
    catalogue = bpr.read_catalogue("samples/catalogue_template.xlsx")
    log = bpr.read_log("samples/logs/food_licence.csv")
"""

from bpr.io import read_bundle, read_catalogue, read_log, read_process_model, write_template
from bpr.model import Bundle, Catalogue, EventLog, Material, Matter, Step, TimeLimit, WorkCalendar


def discover_simulation_model(log, **options):
    """A what-if simulation model learnt from an EventLog (bpr.simulate.discover_model)."""
    from bpr.simulate import discover_model

    return discover_model(log, **options)


def discover(log, engine=None, **options):
    """The as-is process from an event log (EventLog or file): variants, directly-follows graph
    with times, case durations, rework and the further analyses (bpr.analyse.discover.discover).

    result = bpr.discover("receipt.xes.gz"); result.to_dict()["dfg"]; result.graph()
    """
    from bpr.analyse.discover import discover as _discover

    return _discover(log, engine=engine, **options)


# --- event-log performance, conformance, pm4py interop (bpr/analyse/performance.py, conformance.py, interop.py)
def get_performance(log, catalogue=None, engine=None, **options):
    """Working-day durations, step times, handoffs, rework, visits, on-time rate and bottlenecks of an
    EventLog (bpr.analyse.performance.analyse_performance); `catalogue` gives promised limits and
    stated visits. report = bpr.get_performance(log, catalogue); report.on_time.summary.rate
    """
    from bpr.analyse.engine import DuckDBEngine
    from bpr.analyse.performance import PerformanceOptions, analyse_performance

    config = PerformanceOptions.from_catalogue(catalogue, **options) if catalogue is not None \
        else PerformanceOptions(**options)
    own = engine is None
    engine = engine or DuckDBEngine()
    try:
        engine.register(log)
        return analyse_performance(engine, options=config, timezone=log.timezone)
    finally:
        if own:
            engine.close()


def check_conformance(log, spec, engine=None, aliases=None):
    """Fitness, hidden, skipped and out-of-order steps of an EventLog against a ProcessModel, Matter
    or list of Steps (bpr.analyse.conformance.check_conformance)."""
    from bpr.analyse.conformance import Spec
    from bpr.analyse.conformance import check_conformance as _check
    from bpr.analyse.engine import DuckDBEngine

    own = engine is None
    engine = engine or DuckDBEngine()
    try:
        engine.register(log)
        return _check(engine, spec if isinstance(spec, Spec) else Spec.of(spec, aliases))
    finally:
        if own:
            engine.close()


def write_bpmn(log, path, noise_threshold=0.0):
    """The model pm4py's inductive miner finds in an EventLog, as a .bpmn file with diagram layout."""
    from bpr.analyse.interop import write_discovered_bpmn

    return write_discovered_bpmn(log, path, noise_threshold)


def simulate_scenarios(model, scenarios=(), **options):
    """Run the as-is model and scenarios (bpr.simulate.simulate): a SimulationResult."""
    from bpr.simulate import simulate

    return simulate(model, list(scenarios), **options)

__all__ = [
    "Bundle", "Catalogue", "EventLog", "Material", "Matter", "Step", "TimeLimit", "WorkCalendar",
    "read_bundle", "read_catalogue", "read_log", "read_process_model", "write_template",
    "discover_simulation_model", "simulate_scenarios", "discover",
    "audit", "get_performance", "check_conformance", "write_bpmn",
    "propose", "read_plan", "write_plan", "apply_plan", "get_before_after", "analyse_bundle",
]


# --- four-reduction proposals, plans, before/after, 一件事 bundles (bpr/plan, bpr/measure, measure/bundle.py)
def propose(catalogue, **options):
    """Four-reduction proposals for every matter (bpr.plan.propose): a list of Proposal.

    proposals = bpr.propose(catalogue, time_ratio=0.5); bpr.write_plan("plan.yaml", proposals)
    """
    from bpr.plan import propose as _propose

    return _propose(catalogue, **options)


def write_plan(path, proposals, **options):
    """The editable YAML plan (accepted: true|false per proposal)."""
    from bpr.plan import write_plan as _write

    return _write(path, proposals, **options)


def read_plan(path):
    """A plan edited by hand, checked (bpr.plan.read_plan)."""
    from bpr.plan import read_plan as _read

    return _read(path)


def apply_plan(catalogue, plan):
    """The after-state catalogue under the accepted items of a plan (path or Plan); pure."""
    from bpr.plan import apply, read_plan

    return apply(catalogue, read_plan(plan) if not hasattr(plan, "items") else plan)


def get_before_after(before, after, targets=None, bundles=()):
    """Before/after per matter, bundle and catalogue with targets met or not (bpr.measure.compare)."""
    from bpr.measure import compare

    return compare(before, after, targets, bundles)


def analyse_bundle(bundle, catalogue, **options):
    """一件事: separate handling (before) vs one thing (after) (bpr.measure.bundle.analyse_bundle)."""
    from bpr.measure.bundle import analyse_bundle as _analyse

    return _analyse(bundle, catalogue, **options)


def audit(catalogue: Catalogue, **options):
    """Indicators, data-quality findings and proposals for a catalogue: `bpr.plan.audit.audit`.

    result = bpr.audit(catalogue, whitelist=["不宜跑零次的事项"]); result.indicators.zero_visit_rate
    """
    from bpr.plan.audit import audit as _audit

    return _audit(catalogue, **options)
