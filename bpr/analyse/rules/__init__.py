"""Data-quality rules for a matter catalogue: declarative `Rule`s in a registry, a YAML rules file.

    from bpr.analyse.rules import RuleSet, load_rules
    findings = load_rules("rules.yaml").run(catalogue)
"""

from bpr.analyse.rules.base import Finding, Hit, Rule, Severity
from bpr.analyse.rules.config import REGISTRY, RuleSet, all_rules, load_rules, settings_from_yaml
from bpr.analyse.rules.constraints import (
           CONSTRAINT_REGISTRY,
           CONSTRAINTS,
           Constraint,
           ConstraintSet,
)
from bpr.analyse.rules.definitions import RULES, is_catch_all

__all__ = ["CONSTRAINTS", "CONSTRAINT_REGISTRY", "Constraint", "ConstraintSet", "Finding", "Hit", "REGISTRY",
           "RULES", "Rule", "RuleSet", "Severity", "all_rules", "is_catch_all", "load_rules", "settings_from_yaml"]
