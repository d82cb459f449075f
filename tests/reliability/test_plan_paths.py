"""Issue 17, root cause 3: file paths inside a plan (`options.licences`) are resolved relative to
the plan, must name a regular file of bounded size, and an error names the plan key."""

from __future__ import annotations

import json
import os

import pytest

from ._cli import CATALOGUE, assert_one_line_error, run


@pytest.fixture(scope="module")
def plan_text(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("propose") / "p"
    proc = run("propose", CATALOGUE, "-o", out)
    assert proc.returncode == 0, proc.stderr
    return (out / "plan.yaml").read_text(encoding="utf-8")


def _plan(folder, plan_text: str, licences: str):
    path = folder / "plan.yaml"
    path.write_text(plan_text.replace("licences: []", f"licences: {licences}"), encoding="utf-8")
    return path


def test_a_licence_list_is_found_beside_the_plan(tmp_path, plan_text):
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "extra.txt").write_text("某某专用证明|专用证明\n", encoding="utf-8")
    plan = _plan(tmp_path / "plans", plan_text, "[extra.txt]")
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    proc = run("apply", CATALOGUE, plan, "-o", tmp_path / "a", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "a" / "result.json").read_text())["kind"] == "apply"


@pytest.mark.parametrize("value, needle", [
    ("[.]", "folder"),                       # IsADirectoryError before
    ("[/dev/zero]", "regular file"),         # read without end before (3.4 GB)
    ("[missing.txt]", "licence list not found"),
    ("[big.txt]", "limit"),
    ("[7]", "options.licences[0]"),
])
def test_a_bad_path_in_a_plan_names_the_key(tmp_path, plan_text, value, needle):
    if value == "[/dev/zero]" and not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    (tmp_path / "big.txt").write_bytes(b"# " + b"x" * (5 << 20) + b"\n")
    plan = _plan(tmp_path, plan_text, value)
    proc = run("apply", CATALOGUE, plan, "-o", tmp_path / "a", "--lang", "en")
    line = assert_one_line_error(proc, "plan.yaml", needle, "key options.licences[0]")
    assert not (tmp_path / "a").exists()
    assert len(line) < 600
