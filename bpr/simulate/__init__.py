"""What-if simulation: discover a simulation model from an event log, run reform scenarios, validate.

    from bpr.simulate import discover_model, simulate, Scenario
    model = discover_model(log)
    result = simulate(model, [Scenario.as_is(), Scenario.from_yaml("s.yaml")], cases=1000, replications=10)
    [m["en"] for m in model.mechanisms]  # batching, fixed terms, attribute routing, long tails found
    validate_log(log, mechanisms=False)  # the same validation without them, to compare
"""

from bpr.simulate.discovery import MIN_CASES, discover_model
from bpr.simulate.engine import ReplicationOutput, run_replication
from bpr.simulate.mechanisms import RULES as MECHANISM_RULES
from bpr.simulate.mechanisms import Mechanism, MechanismRule
from bpr.simulate.model import Distribution, SimulationModel
from bpr.simulate.run import SimulationResult, simulate, simulate_log
from bpr.simulate.scenario import Scenario, apply_scenario, load_scenarios, scenario_from_plan
from bpr.simulate.validate import ValidationResult, validate_log

__all__ = [
    "MECHANISM_RULES", "MIN_CASES", "Distribution", "Mechanism", "MechanismRule", "ReplicationOutput", "Scenario", "SimulationModel", "SimulationResult",
    "ValidationResult", "apply_scenario", "discover_model", "load_scenarios", "run_replication",
    "scenario_from_plan", "simulate", "simulate_log", "validate_log",
]
