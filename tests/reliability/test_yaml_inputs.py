"""Issue 17, root causes 1-2: every YAML input (plan, --rules, --targets, --scenario, bundle, spec,
calendar) goes through one loader that refuses alias bombs and deep nesting in one line."""

from __future__ import annotations

import tracemalloc

import pytest

from bpr.errors import InputError
from bpr.io.yaml_doc import MAX_DEPTH, YamlDoc

from ._cli import CATALOGUE, FOOD_LOG, assert_one_line_error, run


def alias_bomb() -> str:
    """Nine levels of nine aliases: 9**9 (387 million) strings once expanded, 400 bytes of text."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    return "\n".join(lines) + "\n"


def deep(levels: int) -> str:
    return "a: " + "[" * levels + "]" * levels + "\n"


def test_alias_bomb_is_refused_before_it_is_built(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb())
    tracemalloc.start()
    with pytest.raises(InputError, match="alias"):
        YamlDoc.load(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 << 20


def test_deep_nesting_is_refused_without_recursion_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text(deep(5000))
    with pytest.raises(InputError, match=f"deeper than {MAX_DEPTH}"):
        YamlDoc.load(path)
    block = tmp_path / "block.yaml"
    block.write_text("a:\n" + "".join(" " * i + "- \n" for i in range(500)))
    with pytest.raises(InputError, match="deeper"):
        YamlDoc.load(block)


def test_ordinary_aliases_and_nesting_still_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {x: 1, y: [1, 2]}\nother: *b\nnest: " + "[" * 30 + "]" * 30 + "\n")
    data = YamlDoc.load(path).data
    assert data["other"] == {"x": 1, "y": [1, 2]}


@pytest.mark.parametrize("text", [alias_bomb(), deep(4000)], ids=["alias-bomb", "deep"])
@pytest.mark.parametrize("where", ["plan", "rules", "targets", "scenario", "bundle", "calendar"])
def test_every_yaml_input_refuses_in_one_line(tmp_path, where, text):
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    out = tmp_path / "out"
    args = {
        "plan": ["apply", CATALOGUE, bad, "-o", out],
        "rules": ["audit", CATALOGUE, "--rules", bad, "-o", out],
        "targets": ["apply", CATALOGUE, bad, "--targets", bad, "-o", out],
        "scenario": ["simulate", FOOD_LOG, "--scenario", bad, "-o", out, "--cases", 10, "--replications", 1],
        "bundle": ["bundle", CATALOGUE, bad, "-o", out],
        "calendar": ["discover", FOOD_LOG, "--calendar", bad, "-o", out],
    }[where]
    proc = run(*args, timeout=120)
    assert_one_line_error(proc, "bad.yaml")
    assert not out.exists()
