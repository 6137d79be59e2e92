"""docs/reference.md is generated from the code (xueji.docgen) and cannot go stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xueji.docgen import (
    main,
    mermaid_state_diagram,
    policy_differences,
    policy_markdown,
    reference_markdown,
    rules_markdown,
    tables_markdown,
    toml_value,
)
from xueji.lifecycle.render import all_tables
from xueji.lifecycle.tables import STUDENT, TransitionTable
from xueji.policy import (
    ANHUI_2013,
    NATIONAL_2013,
    PROFILES,
    Policy,
    parse_policy,
    policy_to_dict,
)
from xueji.rules import RULE_CODES

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "reference.md"

_EDGE = re.compile(r"^    (\S+) --> (\S+?)(?:: (\S+))?$")
_STATE = re.compile(r'^    state "([^"]+)" as (\S+)$')


def test_docs_reference_is_generated_from_the_code() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    assert text == reference_markdown(), "run: python -m xueji.docgen reference > docs/reference.md"


def _diagrams(markdown: str) -> list[str]:
    return re.findall(r"```mermaid\n(.*?)\n```", markdown, flags=re.DOTALL)


@pytest.mark.parametrize("table", all_tables(), ids=lambda t: t.name)
def test_each_diagram_names_every_state_and_transition(table: TransitionTable) -> None:  # type: ignore[type-arg]
    diagram = mermaid_state_diagram(table)
    lines = diagram.splitlines()
    assert lines[0] == "stateDiagram-v2"
    declared = {m[2]: m[1] for m in map(_STATE.match, lines) if m}
    assert declared == {s.value: f"{s.zh} {s.value}" for s in table.states}
    edges = [m.groups() for m in map(_EDGE.match, lines) if m]
    assert len(edges) + len(declared) + 1 == len(lines), "every line is a state or an edge"
    labelled = sorted(e for e in edges if e[2] is not None)
    assert labelled == sorted((r.source.value, r.target.value, r.event) for r in table.rows)
    assert ("[*]", table.initial.value, None) in edges
    ends = {s for s, t, _ in edges if t == "[*]"}
    assert ends == {s.value for s in table.states if not table.events_from(s)}


def test_the_committed_reference_draws_every_table() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    diagrams = _diagrams(text)
    tables = all_tables()
    assert diagrams == [mermaid_state_diagram(t) for t in tables]
    for table in tables:
        for row in table.rows:
            assert f"{row.source.value} --> {row.target.value}: {row.event}" in text


def test_the_student_diagram_ends_in_graduation_and_voiding() -> None:
    diagram = mermaid_state_diagram(STUDENT)
    assert "    graduated --> [*]" in diagram
    assert "    voided --> [*]" in diagram
    assert "    registered --> [*]" not in diagram
    assert '    state "在籍 registered" as registered' in diagram


@pytest.mark.parametrize("policy", PROFILES.values(), ids=lambda p: p.code)
def test_every_parameter_is_listed_with_its_article(policy: Policy) -> None:
    md = policy_markdown(policy)
    for name, param in policy.parameters().items():
        row = next(line for line in md.splitlines() if line.startswith(f"| `{name}` |"))
        assert str(param.article) in row


def test_every_rule_code_is_listed_with_its_article_and_messages() -> None:
    md = rules_markdown()
    for code, (article, zh, en) in RULE_CODES.items():
        row = next(line for line in md.splitlines() if line.startswith(f"| `{code}` |"))
        assert str(article) in row
        assert zh in row
        assert en.replace("|", "\\|") in row


def test_differences_list_what_the_national_file_writes() -> None:
    md = policy_differences(ANHUI_2013, NATIONAL_2013)
    listed = set(re.findall(r"^\| `(\w+)` \|", md, flags=re.MULTILINE))
    written = set(re.findall(r"^\[(\w+)\]$", _national_toml(), flags=re.MULTILINE))
    assert listed == written - {"citations"}  # (listed apart: citations_markdown)
    assert "| `transfer` | 教基一〔2013〕7号 第十四条 |" in reference_markdown()
    assert "| `transfer_stage_limit` | `20` | `10` |" in md


def _national_toml() -> str:
    return (ROOT / "src" / "xueji" / "policy" / "national_2013.toml").read_text(encoding="utf-8")


def test_a_value_copied_from_the_reference_parses_in_a_policy_file() -> None:
    """The reference writes values in TOML notation: a province can paste them."""
    for name in ("class_size_caps", "transfer_window", "terms", "compulsory_grades"):
        value = toml_value(policy_to_dict(NATIONAL_2013)[name]["value"])
        text = (
            'base = "anhui-2013"\ncode = "pasted"\n'
            f'[{name}]\nvalue = {value}\narticle = {{ instrument = "X", number = 1 }}\n'
        )
        assert getattr(parse_policy(text), name).value == getattr(NATIONAL_2013, name).value


def test_toml_value_refuses_what_toml_cannot_write() -> None:
    with pytest.raises(TypeError):
        toml_value(object())


def test_tables_markdown_can_take_a_subset() -> None:
    md = tables_markdown([STUDENT])
    assert len(_diagrams(md)) == 1
    assert md.startswith("### 学籍状态 (student registry)")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["reference"], reference_markdown()),
        (["rules"], rules_markdown() + "\n"),
        (["tables"], tables_markdown() + "\n"),
        (["policy", "national-2013"], policy_markdown(NATIONAL_2013) + "\n"),
    ],
)
def test_main_prints_markdown(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 0
    assert capsys.readouterr().out == expected


@pytest.mark.parametrize("argv", [[], ["nope"], ["policy", "nowhere-2099"], ["rules", "x"]])
def test_main_refuses_an_unknown_command(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage" in err
    assert "anhui-2013" in err
