"""Render every transition table as one Markdown document with Mermaid diagrams.

``docs/lifecycle.md`` is this function's output (a test keeps it current);
``xueji tables`` prints it.
"""

from __future__ import annotations

from xueji.lifecycle.tables import REQUEST_TABLES, STUDENT, TransitionTable

__all__ = ["all_tables", "render_markdown"]


def all_tables() -> list[TransitionTable]:  # type: ignore[type-arg]
    """The student table, then each request table."""
    return [STUDENT, *REQUEST_TABLES.values()]


def render_markdown() -> str:
    """Every table as Markdown with its Mermaid diagram."""
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
    return "\n".join(parts)
