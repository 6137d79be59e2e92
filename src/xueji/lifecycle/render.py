"""Render every transition table as one Markdown document with Mermaid diagrams.

``docs/lifecycle.md`` is this function's output (a test keeps it current);
``xueji tables`` prints it.
"""

from __future__ import annotations

from xueji.lifecycle.tables import REQUEST_TABLES, STUDENT, TransitionTable

__all__ = ["READINGS", "all_tables", "render_markdown"]


def all_tables() -> list[TransitionTable]:  # type: ignore[type-arg]
    """The student table, then each request table."""
    return [STUDENT, *REQUEST_TABLES.values()]


READINGS = (
    "**A student away at a rollover in the final grade (Art 18).** The rollover moves "
    "the students in school (所有在校生); a suspended student is held (the profile's "
    "`rollover_promotes_suspended`), and so is, in any case, one in the final grade, "
    "dropped out, or away in another province or abroad. Such a student did not finish "
    "the year it had begun in the final grade: back in school (its resumption, its "
    "return), it starts the final year again from its return, and its graduation is "
    "due by the `graduation_deadline` of the school year it came back in (the same "
    "school year as the last rollover that passed while it was away; "
    "`graduation.late` and `detect`'s `late_graduation` read it so). A student held in "
    "the final grade while in school (unfinished, `graduation.overdue`) stays late, "
    "whatever follows.",
)
"""The readings of the lifecycle the tables do not show, printed under them."""


def render_markdown() -> str:
    """Every table as Markdown with its Mermaid diagram, then :data:`READINGS`."""
    parts = [
        "# Lifecycle: the transition tables",
        "",
        "Generated from `xueji.lifecycle.tables` by `xueji tables` (do not edit by hand;",
        "`tests/test_lifecycle.py` checks that this file matches the code).",
        "",
        "Each row is (state, event) -> next state, with the rules checked before it fires",
        "(guards) and the article behind it. An event not in a table is refused with",
        "`TransitionRefused`, which names the state and the event.",
        "",
    ]
    for table in all_tables():
        parts += [table.to_markdown(), "", "```mermaid", table.to_mermaid(), "```", ""]
    parts += ["## Readings", ""]
    for reading in READINGS:
        parts += [reading, ""]
    return "\n".join(parts)
