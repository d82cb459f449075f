"""YAML documents (process models, bundles, plans, scenarios, rules, targets, calendars): the one
safe loader for every YAML input, and errors that name the line.

`YamlDoc.load` refuses missing, empty, oversized and malformed files with an `InputError`, and
so, before anything is built, documents nested deeper than `MAX_DEPTH`, with more than
`MAX_ALIASES` aliases or that would expand (aliases followed) to more than `MAX_NODES` values:
alias bombs ("billion laughs") and deep nesting cost neither memory nor a RecursionError.
`doc.fail(path, message)` raises one naming the file, the key path ("steps[2].limit") and the
line it sits on, so a user can go straight to the typo.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import yaml

from bpr.errors import InputError
from bpr.io.safety import existing_file

MAX_YAML_BYTES = 1 << 20  # a process model or bundle is a few KB; refuse anything huge
MAX_DEPTH = 64  # a plan is nested 4-6 levels; PyYAML's composer recurses once per level
MAX_ALIASES = 10_000
MAX_NODES = 1_000_000  # values once every alias is expanded (a 1 MiB file holds ~200,000)

KeyPath = tuple[str | int, ...]


def key_text(path: KeyPath) -> str:
    """('steps', 2, 'limit') -> 'steps[2].limit' (1-based item numbers, as a user counts)."""
    text = ""
    for part in path:
        text += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@dataclass
class YamlDoc:
    file: Path
    data: object
    lines: dict[KeyPath, int] = field(default_factory=dict)  # key path -> 1-based line

    @classmethod
    def load(cls, path: str | Path, max_bytes: int = MAX_YAML_BYTES) -> YamlDoc:
        path = existing_file(path, allow_empty=True)
        size = path.stat().st_size
        if size == 0:
            raise InputError.of("yaml_empty", file=path)
        if size > max_bytes:
            raise InputError.of("yaml_too_big", {"kib": size >> 10, "limit": max_bytes >> 10}, file=path)
        raw = path.read_bytes()
        if raw[:4] == b"PK\x03\x04" or raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # zip / OLE2
            # a workbook (or .docx) where YAML was expected: `bpr apply PLAN CATALOGUE` swapped
            raise InputError.of("yaml_is_a_workbook", file=path)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError.of("yaml_not_utf8", {"byte": exc.start}, file=path) from None
        _check_shape(text, path)
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise InputError.of("yaml_invalid", {"reason": exc.problem or exc.context}, file=path,
                                row=mark.line + 1 if mark else None) from None
        except yaml.YAMLError as exc:
            raise InputError.of("yaml_invalid", {"reason": exc}, file=path) from None
        lines: dict[KeyPath, int] = {}
        if node is not None:
            _index(node, (), lines, set())
        return cls(path, data, lines)

    def line(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def fail(self, path: KeyPath, code: str, values: dict | None = None, expected: str | None = None) -> NoReturn:
        """Raise the error "err_<code>" (bpr.errors.BprError.of) at `path`'s line and key."""
        raise InputError.of(code, values, file=self.file, row=self.line(path), column=key_text(path) or None,
                            expected=expected)


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: linear on deep nesting


def _check_shape(text: str, path: Path) -> None:
    """Refuse a document nested too deep, with too many aliases or too large once expanded, from
    its event stream (the parser does not recurse; the composer and every consumer would)."""
    stack: list[list] = []  # per open collection: [expanded size, anchor]
    anchors: dict[str, int] = {}
    aliases = total = 0

    def add(size: int, anchor: str | None) -> None:
        nonlocal total
        if anchor:
            anchors[anchor] = size
        if stack:
            stack[-1][0] += size
        else:
            total += size
        if total > MAX_NODES or (stack and stack[-1][0] > MAX_NODES):
            raise InputError.of("yaml_too_many_nodes", {"limit": f"{MAX_NODES:,}"}, file=path,
                                row=mark.line + 1)

    try:
        for event in yaml.parse(text, Loader=_FAST_LOADER):
            mark = event.start_mark
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append([1, event.anchor])
                if len(stack) > MAX_DEPTH:
                    raise InputError.of("yaml_too_deep", {"limit": MAX_DEPTH}, file=path, row=mark.line + 1)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                size, anchor = stack.pop()
                add(size, anchor)
            elif isinstance(event, yaml.ScalarEvent):
                add(1, event.anchor)
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise InputError.of("yaml_too_many_aliases", {"limit": f"{MAX_ALIASES:,}"}, file=path,
                                        row=mark.line + 1)
                add(anchors.get(event.anchor, 1), None)
    except yaml.YAMLError as exc:
        # newer libyaml (the PyYAML 6.0.4 wheels) stops flow nesting at 1,000 levels while scanning
        # ahead, before our count sees the levels: that is a document too deep, not a malformed one
        # to hand to the loader below, whose composer recurses once per level
        if "maximum nesting depth" in str(getattr(exc, "problem", "") or exc):
            mark = getattr(exc, "problem_mark", None)
            raise InputError.of("yaml_too_deep", {"limit": MAX_DEPTH}, file=path,
                                row=mark.line + 1 if mark else None) from None
        return  # malformed: the loader below says where, in its own words


_SHOW = reprlib.Repr()
_SHOW.maxlevel, _SHOW.maxdict, _SHOW.maxlist, _SHOW.maxstring, _SHOW.maxother = 2, 4, 4, 40, 40


def show(value: object) -> str:
    """A value for an error message, at most 80 characters: containers only two levels deep and
    four items long (a YAML alias bomb's full repr would be enormous)."""
    text = _SHOW.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _index(node: yaml.Node, path: KeyPath, lines: dict[KeyPath, int], seen: set[int]) -> None:
    """Line of every key path; each node is visited once, so aliases (&a/*a bombs) stay linear."""
    lines.setdefault(path, node.start_mark.line + 1)
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                lines.setdefault((*path, key.value), key.start_mark.line + 1)
                _index(value, (*path, key.value), lines, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), lines, seen)
