"""Options shared by several commands."""

from __future__ import annotations

import click

from bpr.errors import UsageError
from bpr.model.eventlog import ROLES

lang_option = click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
                           help="Language of labels and text.")

map_option = click.option(
    "--map", "mapping", metavar="ROLE=COLUMN,...",
    help="Say which column holds what, e.g. --map case=办件编号,activity=环节名称,timestamp=办结时间. "
         f"Roles: {', '.join(ROLES)}.")


def parse_mapping(text: str | None) -> dict[str, str]:
    """'case=A,activity=B' -> {'case': 'A', 'activity': 'B'}; unknown roles are a UsageError."""
    if not text:
        return {}
    mapping = {}
    for part in text.split(","):
        role, sep, column = part.partition("=")
        role = role.strip()
        if not sep or not column.strip():
            raise UsageError.of("cli_map_entry_malformed", {"part": part})
        if role not in ROLES:
            raise UsageError.of("cli_map_unknown_role", {"role": role}, expected=", ".join(ROLES))
        mapping[role] = column.strip()
    return mapping
