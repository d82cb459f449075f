"""The `bpr` command: a thin shell over the library. One module per concept registers its commands.

A known user error (`bpr.errors.BprError`) becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import importlib
import sys

import click

from bpr.errors import BprError
from bpr.i18n import DEFAULT_LANG, t

# Each module defines `commands`: a list of click commands to register.
COMMAND_MODULES = [
    "bpr.cli.files",  # template, inspect
    "bpr.cli.report",  # report
    "bpr.cli.demo",  # demo
    "bpr.cli.logs_discover",  # discover
    "bpr.cli.simulate",  # simulate
    "bpr.cli.matters_audit",  # audit
    "bpr.cli.matters_plan",  # propose, apply, bundle
    "bpr.cli.serve",  # serve (the web app, bpr/web)
    "bpr.cli.compare",  # compare
]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="bpr")
def cli() -> None:
    """bpr: process reengineering (流程再造) and four-reduction (四减) analysis for government services.

    \b
    Typical session:
      bpr inspect samples/catalogue_template.xlsx     # what is in a file
      bpr template 我的事项清单.xlsx                    # a blank sheet to fill in
    """


for _name in COMMAND_MODULES:
    for _command in importlib.import_module(_name).commands:
        cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into exit code 2 without a traceback."""
    try:
        cli.main(args=argv, prog_name="bpr", standalone_mode=False)
    except BprError as exc:
        lang = _lang(sys.argv[1:] if argv is None else argv)
        click.echo(t("err_prefix", lang) + exc.text(lang), err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        click.echo(_click_line(exc, _lang(sys.argv[1:] if argv is None else argv)), err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:  # a write (or read) the system refused: one line, never a traceback
        from bpr.io.result_folder import output_error

        lang = _lang(sys.argv[1:] if argv is None else argv)
        click.echo(t("err_prefix", lang) + output_error(exc).text(lang), err=True)
        sys.exit(2)
    except MemoryError:
        from bpr.errors import BprError as _Error

        lang = _lang(sys.argv[1:] if argv is None else argv)
        click.echo(t("err_prefix", lang) + _Error.of("out_of_memory").text(lang), err=True)
        sys.exit(2)
    sys.exit(0)


def _click_line(exc: click.ClickException, lang: str) -> str:
    """A bad option as one line (click prints usage and a blank line first): the message and
    where to read the command's help."""
    from bpr.errors import clean_text

    text = t("err_prefix", lang) + clean_text(exc.format_message())
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += f" ({ctx.command_path} --help)"
    return text


def _lang(argv: list[str]) -> str:
    """The language the command was asked to speak (`--lang en`), so its error speaks it too."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return DEFAULT_LANG
