"""Hostile XES files are refused with InputError before any entity is expanded or fetched."""

from __future__ import annotations

import gzip
import resource
import time
from pathlib import Path

import pytest

import bpr
from bpr.errors import InputError
from bpr.io.xes import read_xes_table

GOOD_EVENT = ('<trace><string key="concept:name" value="c1"/><event><string key="concept:name" value="{act}"/>'
              '<date key="time:timestamp" value="2021-03-05T09:30:00.000+08:00"/></event></trace>')

EXTERNAL = f"""<?xml version="1.0"?>
<!DOCTYPE log [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<log xes.version="1.0">{GOOD_EVENT.format(act="&xxe;")}</log>
"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE log [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<log xes.version="1.0">""" + GOOD_EVENT.format(act="&lol9;") + "</log>\n"


def _write(path: Path, text: str, gz: bool) -> Path:
    data = text.encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize("gz", [False, True], ids=["xes", "xes.gz"])
@pytest.mark.parametrize("text,name", [(EXTERNAL, "xxe"), (LAUGHS, "laughs")])
def test_hostile_xes_is_refused_quickly(tmp_path: Path, text: str, name: str, gz: bool) -> None:
    path = _write(tmp_path / (f"{name}.xes.gz" if gz else f"{name}.xes"), text, gz)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        bpr.read_log(path)
    assert time.monotonic() - started < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100_000  # KiB
    assert str(path) in str(err.value) and "DOCTYPE" in str(err.value)


def test_entity_hidden_after_a_long_comment_is_still_refused(tmp_path: Path) -> None:
    text = EXTERNAL.replace('<?xml version="1.0"?>', '<?xml version="1.0"?>\n<!--' + "x" * 200_000 + "-->")
    with pytest.raises(InputError, match="DOCTYPE"):
        read_xes_table(_write(tmp_path / "c.xes", text, False))


def test_parser_itself_does_not_resolve_entities(tmp_path: Path, monkeypatch) -> None:
    # second line of defence: even with the pre-scan switched off, the entity is not read
    import bpr.io.xes as xes

    monkeypatch.setattr(xes, "check_prolog", lambda path: None)
    try:
        table, _ = read_xes_table(_write(tmp_path / "x.xes", EXTERNAL, False))
    except InputError:
        return
    values = [v for col in table.column_names for v in table[col].to_pylist() if v]
    assert not any("root:" in v for v in values)


@pytest.mark.parametrize("content,message", [
    (b"this is not xml at all", "no XML element"),
    (b"<log><trace><event><string key='concept:name' value='a'/></event>", "not well-formed"),
    (b'<?xml version="1.0"?><log xes.version="1.0"></log>', "no <trace>"),
])
def test_malformed_xes(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.xes"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        bpr.read_log(path)


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(('<?xml version="1.0"?><log>' + GOOD_EVENT.format(act="a") * 2000 + "</log>").encode())
    path = tmp_path / "cut.xes.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="cut.xes.gz"):
        bpr.read_log(path)


def test_small_xes_reads(tmp_path: Path) -> None:
    text = '<?xml version="1.0"?><log xmlns="http://www.xes-standard.org/">' + GOOD_EVENT.format(act="受理") + "</log>"
    log = bpr.read_log(_write(tmp_path / "ok.xes", text, False))
    assert (log.events, log.cases, log.activities) == (1, 1, 1)
    assert log.to_pandas()["timestamp"].iloc[0].isoformat() == "2021-03-05T01:30:00+00:00"
