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


def simulate_scenarios(model, scenarios=(), **options):
    """Run the as-is model and scenarios (bpr.simulate.simulate): a SimulationResult."""
    from bpr.simulate import simulate

    return simulate(model, list(scenarios), **options)

__all__ = [
    "Bundle", "Catalogue", "EventLog", "Material", "Matter", "Step", "TimeLimit", "WorkCalendar",
    "read_bundle", "read_catalogue", "read_log", "read_process_model", "write_template",
    "discover_simulation_model", "simulate_scenarios", "discover",
    "audit",
]


def audit(catalogue: Catalogue, **options):
    """Indicators, data-quality findings and proposals for a catalogue: `bpr.analyse.audit.audit`.

    result = bpr.audit(catalogue, whitelist=["不宜跑零次的事项"]); result.indicators.zero_visit_rate
    """
    from bpr.analyse.audit import audit as _audit

    return _audit(catalogue, **options)
