"""Transition tables (xueji.lifecycle) and their generated documentation."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from xueji.errors import TransitionRefused
from xueji.lifecycle import (
    REQUEST_TABLES,
    STUDENT,
    TRANSFER,
    RequestKind,
    RequestState,
    StudentStatus,
    Transition,
    TransitionTable,
)
from xueji.lifecycle.render import all_tables, render_markdown
from xueji.rules import RULE_CODES

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("table", all_tables(), ids=lambda t: t.name)
def test_every_row_cites_an_article_and_names_real_guards(table: TransitionTable) -> None:  # type: ignore[type-arg]
    for row in table:
        assert row.article.number > 0 or row.article.note, row
        for guard in row.guards:
            module, func = guard.split(".")
            assert callable(getattr(importlib.import_module(f"xueji.rules.{module}"), func)), guard


def test_the_tables_name_the_guards_the_registry_runs() -> None:
    """Found by the merge review: rows the registry guards listed none (``void``:
    ``changes.check_void``), or a predicate instead of the checks run (a dropout's
    ``return``), and the decisions of a school's change its authority reviews did not
    list ``approvals.check_own_filing`` (Art 31). The tables list them where the
    registry runs them: every request's decisions (since the access review, a
    transfer's too: the unit that filed it decides none of its stages), and the new
    record's submission and approval."""
    own = "approvals.check_own_filing"
    for kind, table in REQUEST_TABLES.items():
        for row in table:
            if row.event in ("approve", "reject"):
                assert own in row.guards, (kind, row)
    student = {(r.source, r.event): r.guards for r in STUDENT}
    assert own in student[(StudentStatus.DRAFT, "submit")]
    assert own in student[(StudentStatus.PENDING_REVIEW, "approve")]
    for source in (StudentStatus.DRAFT, StudentStatus.PENDING_REVIEW):
        assert "changes.check_void" in student[(source, "void")]
    assert "changes.check_registry_kept" in student[(StudentStatus.DROPPED_OUT, "return")]


def test_every_request_kind_has_a_table() -> None:
    assert set(REQUEST_TABLES) == set(RequestKind)


@pytest.mark.parametrize("table", all_tables(), ids=lambda t: t.name)
def test_every_state_is_reachable_from_the_initial_state(table: TransitionTable) -> None:  # type: ignore[type-arg]
    seen = {table.initial}
    frontier = [table.initial]
    while frontier:
        state = frontier.pop()
        for row in table:
            if row.source == state and row.target not in seen:
                seen.add(row.target)
                frontier.append(row.target)
    assert seen == set(table.states)


def test_every_student_status_appears_in_the_table() -> None:
    assert set(STUDENT.states) == set(StudentStatus)


def test_an_event_outside_the_table_names_state_and_event() -> None:
    with pytest.raises(TransitionRefused) as err:
        STUDENT.fire(StudentStatus.GRADUATED, "transfer")
    assert err.value.state == "graduated"
    assert err.value.event == "transfer"
    assert "毕业" in str(err.value)
    assert "transfer" in str(err.value)
    with pytest.raises(TransitionRefused):
        TRANSFER.fire(RequestState.APPROVED, "approve")


def test_overlapping_rows_are_an_error() -> None:
    from xueji.articles import anhui

    row = Transition(StudentStatus.DRAFT, "submit", StudentStatus.PENDING_REVIEW, anhui(15))
    with pytest.raises(ValueError, match="two rows"):
        TransitionTable("t", "t", (row, row), StudentStatus.DRAFT)


def test_the_transfer_chain_follows_art_21() -> None:
    order = [TRANSFER.initial]
    while order[-1].is_open:
        order.append(TRANSFER.fire(order[-1], "approve").target)
    assert order == [
        RequestState.AT_RECEIVING_SCHOOL,
        RequestState.AT_RECEIVING_AUTHORITY,
        RequestState.AT_SENDING_SCHOOL,
        RequestState.AT_SENDING_AUTHORITY,
        RequestState.APPROVED,
    ]
    assert TRANSFER.events_from(RequestState.AT_SENDING_SCHOOL) == (
        "approve",
        "approve_by_default",
        "reject",
        "withdraw",
    )


def test_promotion_is_not_a_withdrawal() -> None:
    row = STUDENT.fire(StudentStatus.REGISTERED, "promote")
    assert row.target is StudentStatus.REGISTERED


def test_tables_render_to_markdown_and_mermaid() -> None:
    md = TRANSFER.to_markdown()
    assert "| 待转入学校审核 `at_receiving_school` | `approve` |" in md
    assert "第二十四条" in md
    mermaid = TRANSFER.to_mermaid()
    assert mermaid.startswith("stateDiagram-v2")
    assert "at_receiving_school --> at_receiving_authority: approve" in mermaid


def test_docs_lifecycle_is_generated_from_the_tables() -> None:
    text = (ROOT / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert text.strip() == render_markdown().strip(), "run: xueji tables > docs/lifecycle.md"


def test_rule_codes_cite_articles() -> None:
    assert all(art.instrument for art, _, _ in RULE_CODES.values())
    assert all(zh and en for _, zh, en in RULE_CODES.values())


RESERVED_CODES: dict[str, str] = {}
"""Rule codes catalogued in ``xueji.rules._base`` that no code emits, each with why it
is kept (none now: the three the test review found were dropped, see
test_every_rule_code_is_emitted_or_reserved)."""


def _code_literals() -> set[str]:
    """Every text constant of ``src/xueji`` but docstrings and the catalogue's own
    entries (``_code("...", ...)`` and the keys of ``_STATEMENTS`` in
    ``rules/_base.py``): the codes a rule, a check or a command can emit."""
    import ast

    found: set[str] = set()
    for path in sorted((ROOT / "src" / "xueji").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip: set[int] = set()
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                skip.add(id(body[0].value))  # a docstring
            if path.name != "_base.py":
                continue
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_code":
                skip.add(id(node.args[0]))
            if (
                isinstance(node, ast.AnnAssign)
                and getattr(node.target, "id", "") == "_STATEMENTS"
                and isinstance(node.value, ast.Dict)
            ):
                skip.update(id(k) for k in node.value.keys if k is not None)
        found.update(
            n.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip
        )
    return found


def test_every_rule_code_is_emitted_or_reserved() -> None:
    """A catalogued rule code is one a rule can give: named in the code outside the
    catalogue (a static reading: a rule, a check, a command, a table naming it), or
    listed in RESERVED_CODES with the reason it is kept. Found by the test review:
    graduation.needs_approval, graduation.no_approval_needed (Art 18) and
    enrolment.continuation (Art 12) were catalogued, and listed in
    docs/traceability.md as Arts 12 and 18's rule codes, but no rule gave them: who
    completes a graduation is the routing of ``graduation_needs_approval`` (a
    parameter, Art 18), not a decision, and a continuing record is decided by
    enrolment.duplicate (its ``continuing`` fact). They were dropped."""
    named = _code_literals()
    unused = sorted(set(RULE_CODES) - named - set(RESERVED_CODES))
    assert unused == [], f"catalogued, emitted nowhere, not reserved: {unused}"
    assert set(RESERVED_CODES) <= set(RULE_CODES)
    assert not set(RESERVED_CODES) & named, "a reserved code is emitted: drop its reservation"
    assert all(why.strip() for why in RESERVED_CODES.values())
    assert {"enrolment.duplicate", "graduation.late", "class.full"} <= named  # (it reads)


def test_the_lifecycle_page_names_the_enums_its_states_are() -> None:
    """Found by the documentation review: ``RequestKind`` and ``RequestState`` are
    exported by ``xueji`` but no page named them: the lifecycle page says which values
    its states and tables are, with the table of each kind of request."""
    text = render_markdown()
    intro = text.split("### ", 1)[0]
    for name in ("xueji.StudentStatus", "xueji.RequestState", "xueji.RequestKind"):
        assert f"`{name}`" in intro
    for kind in RequestKind:
        assert f"`{kind.value}`" in intro
