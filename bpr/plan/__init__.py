"""Four-reduction proposals, the editable YAML plan, and plan → after-state."""

from bpr.plan.apply import apply, apply_proposals
from bpr.plan.documents import LicenceCatalogue, document_key
from bpr.plan.plan import Plan, PlanItem, read_plan, write_plan
from bpr.plan.proposals import Proposal, ProposalOptions, propose
from bpr.plan.stepgraph import CriticalPath, critical_path, matter_critical_path, step_graph

__all__ = [
    "CriticalPath", "LicenceCatalogue", "Plan", "PlanItem", "Proposal", "ProposalOptions", "apply",
    "apply_proposals", "critical_path", "document_key", "matter_critical_path", "propose", "read_plan",
    "step_graph", "write_plan",
]
