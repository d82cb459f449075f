"""The shape of result.json per kind, checked before `bpr report` renders a folder, so that a
truncated or hand-edited result gives one line naming the key instead of a KeyError or an empty
report with exit 0.

A schema maps a key to the type its value must have, or to (type, schema) for a mapping whose
own keys are checked too, or (list, schema) for a list whose items are. Only what the reports
read is required; results may carry more.
"""

from __future__ import annotations

from bpr.errors import InputError

NUMBER = (int, float)
OPTIONAL = type(None)

_COMPARISON = {"before": dict, "after": dict}
SCHEMAS: dict[str, dict] = {
    "audit": {"indicators": (dict, {"matters": int}), "by_department": list, "findings": list, "matters": list},
    "discover": {"cases": int, "events": int, "activities": int, "variants": list, "dfg": list},
    "propose": {"proposals": (list, {"id": str, "dimension": str}), "summary": dict},
    "apply": {"applied": list, "rejected": list, "proposals": list,
              "before_after": (dict, {"catalogue": (dict, _COMPARISON), "bundles": list})},
    "bundle": {"bundle": (dict, {"name": str, **_COMPARISON}), "targets": list},
    "simulate": {"scenarios": (list, {"name": str, "cycle_working_days": (dict, {"median": dict, "p90": dict}),
                                      "visits_per_case": dict}),
                 "model": dict},
}
_TYPE_NAMES = {dict: "mapping", list: "list", str: "text", int: "integer", float: "number"}


def check_result(data: dict, kind: str, file: object = None) -> None:
    """An InputError naming the first key of `data` that is missing or of the wrong type."""
    schema = SCHEMAS.get(kind)
    if schema is not None:
        _check(data, schema, kind, file)
        if kind == "simulate" and not data["scenarios"]:
            raise InputError.of("result_schema_empty", {"key": "scenarios"}, file=file)


def _check(data: dict, schema: dict, where: str, file: object) -> None:
    for key, spec in schema.items():
        inner = None
        if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], dict):
            spec, inner = spec
        path = f"{where}.{key}"
        if key not in data:
            raise InputError.of("result_schema_missing", {"key": path}, file=file)
        value = data[key]
        if not isinstance(value, spec) or (spec is int and isinstance(value, bool)):
            raise InputError.of("result_schema_type", {"key": path, "type": _TYPE_NAMES.get(spec, str(spec))},
                                file=file)
        if inner is not None:
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                if not isinstance(item, dict):
                    raise InputError.of("result_schema_type", {"key": f"{path}[{i + 1}]", "type": "mapping"},
                                        file=file)
                _check(item, inner, f"{path}[{i + 1}]" if isinstance(value, list) else path, file)
