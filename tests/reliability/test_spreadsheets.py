"""Issue 17, root causes 7-8: workbooks as people and scripts save them — password-protected,
and formulas without cached values."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._cli import assert_one_line_error, run

DATA = Path(__file__).parent / "data"
#: made with msoffcrypto-tool 6.1 (OOXMLFile.encrypt, password "secret") from a two-row workbook:
#: an OLE2 compound file holding EncryptionInfo and EncryptedPackage streams, as Excel writes it
ENCRYPTED = DATA / "encrypted.xlsx"


@pytest.mark.parametrize("command", ["audit", "discover"])
def test_an_encrypted_workbook_is_named_as_such(tmp_path, command):
    args = [command, ENCRYPTED, "-o", tmp_path / "o"]
    line = assert_one_line_error(run(*args, "--lang", "en"), "encrypted.xlsx", "password-protected",
                                 "without a password")
    assert ".xls file" not in line
    zh = assert_one_line_error(run(*args), "密码")
    assert "旧版" not in zh


def test_an_old_xls_is_still_called_an_old_xls(tmp_path):
    old = tmp_path / "old.xlsx"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096 + "Workbook".encode("utf-16-le"))
    assert_one_line_error(run("audit", old, "-o", tmp_path / "o", "--lang", "en"), "old binary .xls")
