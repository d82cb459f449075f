"""Before/after measurement of a reform and the targets it is held to."""

from bpr.measure.before_after import BeforeAfter, Comparison, Figures, compare, figures
from bpr.measure.targets import TargetResult, Targets, check_targets, load_targets

__all__ = ["BeforeAfter", "Comparison", "Figures", "TargetResult", "Targets", "check_targets", "compare",
           "figures", "load_targets"]
