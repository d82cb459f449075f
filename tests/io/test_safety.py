import zipfile

import pytest

from bpr.errors import InputError
from bpr.io.safety import atomic_output, check_xlsx, escape_cell, safe_filename


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=x"])
def test_formula_like_text_is_escaped(text):
    assert escape_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["营业执照", "20个工作日", 3, None, 1.5])
def test_ordinary_values_untouched(value):
    assert escape_cell(value) == value


@pytest.mark.parametrize(("name", "expected"), [
    ("../../etc/passwd", "etc_passwd"),
    ("食品经营许可（新办）", "食品经营许可（新办）"),
    ("a/b\\c:d*e?f", "a_b_c_d_e_f"),
    ("  .hidden  ", "hidden"),
    ("..", "matter"),
    ("", "matter"),
    ("CON", "_CON"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_atomic_output_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_output(target, "w") as fh:
        fh.write("half")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(target, "w") as fh:
        fh.write("whole")
    assert target.read_text() == "whole"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_check_xlsx_refuses_text_and_bombs(tmp_path):
    text = tmp_path / "fake.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InputError, match="not a zip"):
        check_xlsx(text)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"0" * (1 << 20)
            for _ in range(600):  # 600 MiB of zeros, a few hundred KiB compressed
                member.write(chunk)
    assert bomb.stat().st_size < 5 << 20
    with pytest.raises(InputError, match="zip bomb"):
        check_xlsx(bomb)


def test_outputs_get_the_permissions_of_a_plain_open(tmp_path):
    # mkstemp makes temporary files owner-only; a report folder is meant to be shared
    import os

    from bpr.io.safety import atomic_path

    with atomic_output(tmp_path / "a.json", "w") as fh:
        fh.write("{}")
    with atomic_path(tmp_path / "b.xlsx") as tmp:
        tmp.write_bytes(b"x")
    with open(tmp_path / "c.txt", "w") as fh:
        fh.write("plain")
    plain = os.stat(tmp_path / "c.txt").st_mode & 0o777
    assert [os.stat(tmp_path / n).st_mode & 0o777 for n in ("a.json", "b.xlsx")] == [plain, plain]
