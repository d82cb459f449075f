"""Conformance of an event log with the specified process (process_models/*.yaml or a matter's steps).

    spec = Spec.of(process_model)                  # ProcessModel, Matter, or a list of Steps
    with DuckDBEngine() as engine:
        engine.register(log)
        result = check_conformance(engine, spec)
    result.fitness.log_fitness, result.hidden, result.skipped, result.out_of_order

Fitness is token-based replay fitness (van der Aalst) on the Petri net of the specification:
every step is a transition; for each dependency `a -> b` (b's `after`) a place between them; steps
without predecessors get a source place holding one token in the initial marking, steps without
successors a sink place that the final marking expects. Parallel branches (并联审批) are AND-splits
and joins. Replaying a trace counts produced (p), consumed (c), missing (m) and remaining (r)
tokens; trace fitness = 1/2 (1 - m/c) + 1/2 (1 - r/p); log fitness is the same formula on the sums
over all cases (pm4py's `log_fitness`). Events of activities the specification lacks are left out
of the replay (as pm4py does) and reported as hidden steps instead. `petri_net(spec)` builds the
same net as pm4py objects: tests check the figures against `pm4py.fitness_token_based_replay`.

Deviations, each with the cases affected and the time they carry, as SQL run by the engine:
- hidden steps: log activities the specification lacks; time carried = their lead time (previous
  completion to their completion), and the mean duration of affected minus unaffected cases;
- skipped steps: specified steps a case never reaches;
- out-of-order: a step whose first occurrence comes before the first occurrence of a step the
  specification puts before it (the transitive closure of `after`, so a skipped middle step does
  not hide the order).
Log activities map to steps by exact name, or through `aliases` (activity -> step name).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from bpr.analyse.engine import Engine, quote
from bpr.analyse.performance_queries import literal
from bpr.analyse.queries import _seconds, _valid
from bpr.errors import UsageError
from bpr.i18n import Note
from bpr.io.results import dataclass_table
from bpr.model.step import Step

#: separator of activities inside a variant key (ASCII unit separator)
VARIANT_SEP = "\x1f"
#: deviations listed per kind (largest first); counts in the summary are complete
MAX_LISTED = 200


@dataclass(frozen=True)
class Spec:
    """A specified process reduced to what conformance needs: step names and their predecessors."""

    name: str
    steps: tuple[str, ...]
    predecessors: Mapping[str, tuple[str, ...]]
    aliases: Mapping[str, str] = field(default_factory=dict)  # log activity -> step name
    key: str = ""  # matter code or name the spec belongs to (filters a multi-matter log)

    @classmethod
    def of(cls, source: Any, aliases: Mapping[str, str] | None = None) -> Spec:
        """From a ProcessModel, a Matter (its steps) or a sequence of Steps."""
        if hasattr(source, "steps"):
            steps, name = list(source.steps), getattr(source, "name", "")
            key = getattr(source, "code", "") or name
        else:
            steps, name, key = list(source), "", ""
        if not steps:
            raise UsageError.of("engine_spec_no_steps", {"name": name})
        names = [s.name for s in steps]
        if len(set(names)) != len(names):
            dup = [n for n, k in Counter(names).items() if k > 1]
            raise UsageError.of("engine_spec_repeated_steps", {"name": name}, details=dup)
        preds: dict[str, tuple[str, ...]] = {}
        for i, step in enumerate(steps):
            after = step.after if step.after is not None else ([names[i - 1]] if i else [])
            unknown = [a for a in after if a not in names]
            if unknown:
                raise UsageError.of("engine_spec_unknown_predecessor",
                                    {"step": step.name, "unknown": ", ".join(unknown)}, expected=", ".join(names))
            preds[step.name] = tuple(after)
        return cls(name, tuple(names), preds, dict(aliases or {}), key)

    @classmethod
    def sequence(cls, names: Sequence[str], name: str = "", aliases: Mapping[str, str] | None = None) -> Spec:
        """A purely sequential specification."""
        return replace(cls.of([Step(n) for n in names], aliases), name=name)

    @property
    def successors(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {s: [] for s in self.steps}
        for step, preds in self.predecessors.items():
            for p in preds:
                out[p].append(step)
        return out

    def ordering(self) -> list[tuple[str, str]]:
        """(earlier, later) for every pair the specification orders (transitive closure)."""
        pairs: set[tuple[str, str]] = set()
        for step in self.steps:
            stack, seen = list(self.predecessors[step]), set()
            while stack:
                p = stack.pop()
                if p in seen:
                    continue
                seen.add(p)
                pairs.add((p, step))
                stack.extend(self.predecessors[p])
        return sorted(pairs, key=lambda pr: (self.steps.index(pr[0]), self.steps.index(pr[1])))

    def step_of(self, activity: str) -> str:
        return self.aliases.get(activity, activity)

    # the net: place names are tuples so that they cannot collide with step names
    def input_places(self, step: str) -> list[tuple]:
        return [("p", a, step) for a in self.predecessors[step]] or [("source", step)]

    def output_places(self, step: str) -> list[tuple]:
        return [("p", step, b) for b in self.successors[step]] or [("sink", step)]

    def initial_marking(self) -> dict[tuple, int]:
        return {("source", s): 1 for s in self.steps if not self.predecessors[s]}

    def final_marking(self) -> dict[tuple, int]:
        return {("sink", s): 1 for s in self.steps if not self.successors[s]}

    def to_dict(self) -> dict:
        return {"name": self.name, "key": self.key, "steps": list(self.steps),
                "after": {s: list(p) for s, p in self.predecessors.items()}, "aliases": dict(self.aliases)}


@dataclass(frozen=True)
class Replay:
    """Token counts of replaying one trace: produced, consumed, missing, remaining."""

    produced: int
    consumed: int
    missing: int
    remaining: int

    @property
    def fitness(self) -> float:
        return _fitness(self.produced, self.consumed, self.missing, self.remaining)

    @property
    def fits(self) -> bool:
        return self.missing == 0 and self.remaining == 0


def _fitness(p: int, c: int, m: int, r: int) -> float:
    return 0.5 * (1 - (m / c if c else 0.0)) + 0.5 * (1 - (r / p if p else 0.0))


def replay(spec: Spec, trace: Iterable[str]) -> Replay:
    """Token-based replay of `trace` (log activities) on the specification's net."""
    marking: Counter = Counter(spec.initial_marking())
    produced, consumed, missing = sum(marking.values()), 0, 0
    steps = set(spec.steps)
    for activity in trace:
        step = spec.step_of(activity)
        if step not in steps:
            continue  # hidden step: not in the model, reported separately
        for place in spec.input_places(step):
            if marking[place] < 1:
                missing += 1
                marking[place] += 1
            marking[place] -= 1
            consumed += 1
        for place in spec.output_places(step):
            marking[place] += 1
            produced += 1
    for place, tokens in spec.final_marking().items():
        if marking[place] < tokens:
            missing += tokens - marking[place]
            marking[place] = tokens
        marking[place] -= tokens
        consumed += tokens
    remaining = sum(v for v in marking.values() if v > 0)
    return Replay(produced, consumed, missing, remaining)


def petri_net(spec: Spec):
    """The specification's net as pm4py objects: (PetriNet, initial marking, final marking)."""
    from pm4py.objects.petri_net.obj import Marking, PetriNet
    from pm4py.objects.petri_net.utils import petri_utils

    net = PetriNet(spec.name or "spec")
    places: dict[tuple, Any] = {}

    def place(key: tuple):
        if key not in places:
            places[key] = PetriNet.Place("_".join(map(str, key)))
            net.places.add(places[key])
        return places[key]

    for step in spec.steps:
        transition = PetriNet.Transition(step, step)
        net.transitions.add(transition)
        for key in spec.input_places(step):
            petri_utils.add_arc_from_to(place(key), transition, net)
        for key in spec.output_places(step):
            petri_utils.add_arc_from_to(transition, place(key), net)
    im, fm = Marking(), Marking()
    for key, tokens in spec.initial_marking().items():
        im[place(key)] = tokens
    for key, tokens in spec.final_marking().items():
        fm[place(key)] = tokens
    return net, im, fm


# ---------------------------------------------------------------------------------------------
# results


@dataclass
class Fitness:
    """Token-replay fitness over all cases."""

    cases: int
    log_fitness: float  # formula on summed tokens (pm4py log_fitness)
    average_trace_fitness: float  # mean of per-case fitness
    fitting_cases: int  # no missing and no remaining tokens
    fitting_share: float
    produced: int
    consumed: int
    missing: int
    remaining: int


@dataclass
class Deviation:
    """One deviation and what it costs."""

    kind: str  # hidden | skipped | out_of_order
    step: str  # the hidden/skipped step, or the step that came too early
    before: str | None  # out_of_order: the step that should have come first
    cases: int
    share: float  # of all cases checked
    events: int | None  # hidden: events of the step
    carried_hours: float | None  # hidden: lead time of its events, summed, per affected case
    affected_hours: float | None  # mean duration of affected cases
    unaffected_hours: float | None
    added_hours: float | None  # affected minus unaffected


@dataclass
class ConformanceResult:
    spec: Spec
    fitness: Fitness
    hidden: list[Deviation]
    skipped: list[Deviation]
    out_of_order: list[Deviation]
    matter: str | None = None  # the matter the log was filtered to
    notes: list[Note] = field(default_factory=list)
    name = "conformance"

    def to_dict(self) -> dict:
        return {"spec": self.spec.to_dict(), "matter": self.matter, "fitness": asdict(self.fitness),
                "hidden": [asdict(d) for d in self.hidden], "skipped": [asdict(d) for d in self.skipped],
                "out_of_order": [asdict(d) for d in self.out_of_order], "notes": [n.to_dict() for n in self.notes]}

    def tables(self) -> dict[str, tuple[list[str], list[list]]]:
        return {"conformance_deviations": dataclass_table(Deviation, [*self.hidden, *self.skipped, *self.out_of_order])}


# ---------------------------------------------------------------------------------------------
# SQL


def _values(rows: Sequence[tuple], columns: str, name: str) -> str:
    body = ", ".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)
    return f"{name} AS (SELECT * FROM (VALUES {body}) AS {name}_v({columns}))"


def _mapped(table: str, spec: Spec) -> str:
    """Valid events with `step` = the activity mapped through the aliases."""
    if spec.aliases:
        whens = " ".join(f"WHEN {literal(a)} THEN {literal(s)}" for a, s in spec.aliases.items())
        step = f"CASE activity {whens} ELSE activity END"
    else:
        step = "activity"
    return (f'SELECT "case", activity, start, "timestamp", "row", {step} AS step FROM {quote(table)} '
            'WHERE "case" IS NOT NULL AND activity IS NOT NULL AND "timestamp" IS NOT NULL')


def _case_durations() -> str:
    duration = _seconds('min(least(start, "timestamp"))', 'max("timestamp")')
    return f'ct AS (SELECT "case", {duration} AS duration_s FROM ev GROUP BY "case")'


def hidden_query(table: str, spec: Spec) -> str:
    """step, cases, events, lead_s (summed), affected_s (summed durations of affected cases)."""
    return f"""
WITH ev AS ({_mapped(table, spec)}),
{_values([(s,) for s in spec.steps], "step", "spec")},
{_case_durations()},
seq AS (
    SELECT "case", step, "timestamp",
           lag("timestamp") OVER (PARTITION BY "case" ORDER BY "timestamp", "row") AS prev_end
    FROM ev
),
hidden AS (
    SELECT "case", step, CASE WHEN prev_end IS NOT NULL THEN {_seconds('prev_end', '"timestamp"')} END AS lead_s
    FROM seq WHERE step NOT IN (SELECT step FROM spec)
),
per_case AS (SELECT step, "case", count(*) AS events, coalesce(sum(lead_s), 0.0) AS lead_s FROM hidden GROUP BY step, "case")
SELECT per_case.step AS step, count(*) AS cases, CAST(sum(events) AS BIGINT) AS events, sum(per_case.lead_s) AS lead_s,
       sum(ct.duration_s) AS affected_s
FROM per_case JOIN ct ON ct."case" = per_case."case"
GROUP BY per_case.step ORDER BY cases DESC, step"""


def skipped_query(table: str, spec: Spec) -> str:
    """step, cases (that never reach it), affected_s (their summed durations)."""
    return f"""
WITH ev AS ({_mapped(table, spec)}),
{_values([(s,) for s in spec.steps], "step", "spec")},
{_case_durations()},
present AS (SELECT DISTINCT "case", step FROM ev),
missing AS (
    SELECT ct."case" AS "case", spec.step AS step, ct.duration_s AS duration_s
    FROM ct CROSS JOIN spec
    LEFT JOIN present ON present."case" = ct."case" AND present.step = spec.step
    WHERE present."case" IS NULL
)
SELECT step, count(*) AS cases, sum(duration_s) AS affected_s FROM missing GROUP BY step ORDER BY cases DESC, step"""


def order_query(table: str, spec: Spec, pairs: Sequence[tuple[str, str]]) -> str:
    """before, step, cases where `step` first occurs before `before` first occurs, affected_s."""
    return f"""
WITH ev AS ({_mapped(table, spec)}),
{_values(list(pairs), "before_step, later_step", "pairs")},
{_case_durations()},
ranked AS (SELECT "case", step, row_number() OVER (PARTITION BY "case" ORDER BY "timestamp", "row") AS rn FROM ev),
firsts AS (SELECT "case", step, min(rn) AS pos FROM ranked GROUP BY "case", step),
bad AS (
    SELECT a."case" AS "case", pairs.before_step AS before_step, pairs.later_step AS later_step
    FROM pairs
    JOIN firsts AS a ON a.step = pairs.later_step
    JOIN firsts AS b ON b."case" = a."case" AND b.step = pairs.before_step
    WHERE a.pos < b.pos
)
SELECT bad.before_step AS before_step, bad.later_step AS later_step, count(*) AS cases, sum(ct.duration_s) AS affected_s
FROM bad JOIN ct ON ct."case" = bad."case"
GROUP BY bad.before_step, bad.later_step ORDER BY cases DESC, before_step, later_step"""


def variants_query(table: str) -> str:
    """variant (activities joined by VARIANT_SEP in case order), count."""
    return f"""
WITH ev AS ({_valid(table)}),
traces AS (SELECT "case", string_agg(activity, chr(31) ORDER BY "timestamp", "row") AS variant FROM ev GROUP BY "case")
SELECT variant, count(*) AS count FROM traces GROUP BY variant ORDER BY count DESC, variant"""


def _totals(engine: Engine, table: str) -> tuple[int, float]:
    row = engine.sql(f"WITH ev AS ({_valid(table)}), {_case_durations()} "
                     "SELECT count(*) AS n, sum(duration_s) AS s FROM ct").to_pylist()[0]
    return int(row["n"]), float(row["s"] or 0.0)


def _deviation(kind: str, step: str, before: str | None, cases: int, affected_s: float, total: tuple[int, float],
               events: int | None = None, lead_s: float | None = None) -> Deviation:
    n, s = total
    affected = affected_s / cases / 3600 if cases else None
    unaffected = (s - affected_s) / (n - cases) / 3600 if n > cases else None
    added = None if affected is None or unaffected is None else affected - unaffected
    carried = None if lead_s is None or not cases else lead_s / cases / 3600
    return Deviation(kind, step, before, cases, cases / n if n else 0.0, events, carried, affected, unaffected, added)


def check_conformance(engine: Engine, spec: Spec, table: str = "events", matter: str | None = None) -> ConformanceResult:
    """Fitness and deviations of the view `table` against `spec` (filtered to `matter` if given)."""
    notes: list[Note] = []
    if matter is not None:
        engine.view("events_conformance", f"SELECT * FROM {quote(table)} WHERE matter = {literal(matter)}")
        table = "events_conformance"
    total = _totals(engine, table)
    traces = [(tuple(r["variant"].split(VARIANT_SEP)), int(r["count"])) for r in engine.sql(variants_query(table)).to_pylist()]
    p = c = m = r = fitting = 0
    fitness_sum = 0.0
    for trace, count in traces:
        rep = replay(spec, trace)
        p, c, m, r = p + rep.produced * count, c + rep.consumed * count, m + rep.missing * count, r + rep.remaining * count
        fitness_sum += rep.fitness * count
        fitting += count if rep.fits else 0
    cases = sum(n for _, n in traces)
    fitness = Fitness(cases, _fitness(p, c, m, r), fitness_sum / cases if cases else 0.0, fitting,
                      fitting / cases if cases else 0.0, p, c, m, r)
    hidden = [_deviation("hidden", row["step"], None, int(row["cases"]), float(row["affected_s"] or 0.0), total,
                         int(row["events"]), float(row["lead_s"] or 0.0))
              for row in engine.sql(hidden_query(table, spec)).to_pylist()]
    skipped = [_deviation("skipped", row["step"], None, int(row["cases"]), float(row["affected_s"] or 0.0), total)
               for row in engine.sql(skipped_query(table, spec)).to_pylist()]
    pairs = spec.ordering()
    order = [] if not pairs else [
        _deviation("out_of_order", row["later_step"], row["before_step"], int(row["cases"]),
                   float(row["affected_s"] or 0.0), total)
        for row in engine.sql(order_query(table, spec, pairs)).to_pylist()]
    for name, items in (("hidden", hidden), ("skipped", skipped), ("out_of_order", order)):
        if len(items) > MAX_LISTED:
            notes.append(Note.of(f"note_{name}_listed", n=len(items), k=MAX_LISTED))
            del items[MAX_LISTED:]
    if cases == 0:
        notes.append(Note.of("note_no_cases"))
    return ConformanceResult(spec, fitness, hidden, skipped, order, matter, notes)


def _log_matters(engine: Engine, table: str) -> set[str]:
    return {r["matter"] for r in engine.sql(f"SELECT DISTINCT matter FROM {quote(table)} WHERE matter IS NOT NULL").to_pylist()}


def conformance_analyses(specs: Sequence[Spec]) -> list:
    """An analysis for `discover(..., analyses=...)`: checks the log against each spec. A spec whose
    key (matter code or name) occurs in the log's matter column is checked on that matter's cases;
    otherwise on the whole log. The result (key `conformance`) is a dict by spec name."""

    def analysis(engine: Engine, table: str, context: Any):
        matters = _log_matters(engine, table)
        results = {}
        for spec in specs:
            matter = spec.key if spec.key in matters else (spec.name if spec.name in matters else None)
            results[spec.name or spec.key or "spec"] = check_conformance(engine, spec, table, matter)
        return ConformanceSet(results)

    analysis.name = "conformance"  # type: ignore[attr-defined]
    return [analysis]


@dataclass
class ConformanceSet:
    """Conformance against several specifications, by spec name."""

    results: dict[str, ConformanceResult]
    name = "conformance"

    def to_dict(self) -> dict:
        return {k: v.to_dict() for k, v in self.results.items()}

    def tables(self) -> dict[str, tuple[list[str], list[list]]]:
        header = ["spec", *Deviation.__dataclass_fields__]
        rows = [[k, *[getattr(d, f) for f in Deviation.__dataclass_fields__]]
                for k, v in self.results.items() for d in [*v.hidden, *v.skipped, *v.out_of_order]]
        return {"conformance_deviations": (header, rows)}


#: nothing to check without a specification: `bpr discover --spec` adds conformance_analyses(...)
ANALYSES: list = []
