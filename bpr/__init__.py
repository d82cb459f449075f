"""bpr: business-process reengineering and four-reduction analysis for government services.

The verbs a notebook user needs are here; algorithms live in the subpackages.

    import bpr
    catalogue = bpr.read_catalogue("samples/catalogue_template.xlsx")
    log = bpr.read_log("samples/logs/food_licence.csv")
"""

from bpr.io import read_bundle, read_catalogue, read_log, read_process_model, write_template
from bpr.model import Bundle, Catalogue, EventLog, Material, Matter, Step, TimeLimit, WorkCalendar

__all__ = [
    "Bundle", "Catalogue", "EventLog", "Material", "Matter", "Step", "TimeLimit", "WorkCalendar",
    "read_bundle", "read_catalogue", "read_log", "read_process_model", "write_template",
    "audit",
]


def audit(catalogue: Catalogue, **options):
    """Indicators, data-quality findings and proposals for a catalogue: `bpr.analyse.audit.audit`.

    result = bpr.audit(catalogue, whitelist=["不宜跑零次的事项"]); result.indicators.zero_visit_rate
    """
    from bpr.analyse.audit import audit as _audit

    return _audit(catalogue, **options)
