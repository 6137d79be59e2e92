"""The policy reference, generated from the code: profiles, rule and error codes, tables.

``docs/reference.md`` is the output of ``python -m xueji.docgen reference`` and a test
(``tests/test_docgen.py``) keeps it equal to the code, so the reference a reader sees is
the reference the library runs. Each renderer returns Markdown; nothing here reads or
writes files, which keeps it pure and testable.

Parameter values are written the way a TOML policy file writes them
(:func:`xueji.policy.policy_to_dict`, then TOML inline notation), so a province can copy
a value from the reference into its own file:

>>> from xueji.policy import ANHUI_2013
>>> toml_value(policy_to_dict(ANHUI_2013)["transfer_blackout"]["value"])
'—'
>>> toml_value({"reading": "start_or_end", "months": 1})
'{ reading = "start_or_end", months = 1 }'
>>> from xueji.lifecycle.tables import NEW_STUDENT
>>> print(mermaid_state_diagram(NEW_STUDENT))
stateDiagram-v2
    state "待主管单位审核 at_authority" as at_authority
    state "已通过 approved" as approved
    state "未通过 rejected" as rejected
    state "已撤回 withdrawn" as withdrawn
    [*] --> at_authority
    at_authority --> approved: approve
    at_authority --> rejected: reject
    at_authority --> withdrawn: withdraw
    approved --> [*]
    rejected --> [*]
    withdrawn --> [*]
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from xueji.articles import Article
from xueji.errors import ERROR_CODES
from xueji.lifecycle.render import all_tables
from xueji.lifecycle.tables import RequestState, StudentStatus, TransitionTable
from xueji.policy import PROFILES, Policy, policy_to_dict
from xueji.rules._base import RULE_CODES

__all__ = [
    "main",
    "mermaid_state_diagram",
    "policy_differences",
    "policy_markdown",
    "reference_markdown",
    "rules_markdown",
    "tables_markdown",
    "toml_value",
]

AnyTable = TransitionTable[StudentStatus] | TransitionTable[RequestState]

_NONE = "—"
"""How a parameter with no value (None: the rule does not apply) is shown."""


def toml_value(value: Any) -> str:
    """``value`` (plain data from :func:`policy_to_dict`) in TOML inline notation.

    None has no TOML form: it is shown as an em dash, and a policy file leaves such a
    parameter to its base profile.
    """
    if value is None:
        return _NONE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items())
        return f"{{ {inner} }}" if inner else "{}"
    if isinstance(value, Iterable):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {value!r}")


def _cell(text: str) -> str:
    """Text made safe for one Markdown table cell (no pipes, no line breaks)."""
    return text.replace("|", "\\|").replace("\n", " ").strip() or _NONE


def _code(text: str) -> str:
    """Inline code for a table cell; a value with a backtick gets a wider fence."""
    fence = "``" if "`" in text else "`"
    return f"{fence}{_cell(text)}{fence}" if text != _NONE else _NONE


def _article(data: Mapping[str, Any]) -> str:
    return str(Article(**data))


def policy_markdown(policy: Policy, *, level: int = 2) -> str:
    """One profile: its header facts and every parameter with value, article and note.

    ``level`` is the Markdown heading level of the profile's title.
    """
    data = policy_to_dict(policy)
    until = data["valid_until"] or "open-ended"
    lines = [
        f"{'#' * level} {policy.name} (`{policy.code}`)",
        "",
        f"- instrument: {policy.instrument}",
        f"- in force: {data['valid_from']} to {until} ({_article(data['validity_article'])})",
        "",
        "| parameter | value | article | note |",
        "|---|---|---|---|",
    ]
    for name in policy.parameter_names():
        entry = data[name]
        lines.append(
            f"| `{name}` | {_code(toml_value(entry['value']))} | "
            f"{_cell(_article(entry['article']))} | {_cell(entry['note'])} |"
        )
    return "\n".join(lines)


def policy_differences(base: Policy, other: Policy) -> str:
    """A Markdown table of the parameters where ``other`` differs from ``base``.

    This is what a province's policy file writes: only what differs, each with its
    own article. A parameter whose value is kept but cited from the new instrument
    (or given a new note) is listed too, marked as such.
    """
    a, b = policy_to_dict(base), policy_to_dict(other)
    lines = [
        f"| parameter | `{base.code}` | `{other.code}` | `{other.code}` cites |",
        "|---|---|---|---|",
    ]
    for name in base.parameter_names():
        if a[name] == b[name]:
            continue
        value = _code(toml_value(b[name]["value"]))
        if a[name]["value"] == b[name]["value"]:
            value += " (same value, its own article and note)"
        lines.append(
            f"| `{name}` | {_code(toml_value(a[name]['value']))} | {value} | "
            f"{_cell(_article(b[name]['article']))} |"
        )
    return "\n".join(lines)


def citations_markdown(base: Policy, other: Policy) -> str:
    """A Markdown table of the lifecycle steps ``other`` cites differently from
    ``base`` (its ``[citations]``), or ``""`` when it cites none of its own."""
    keys = sorted(k for k in other.citations if other.citations[k] != base.citations.get(k))
    if not keys:
        return ""
    rows = [f"| `{k}` | {_cell(str(other.citations[k]))} |" for k in keys]
    return "\n".join(["| table or step | cites |", "|---|---|", *rows])


def rules_markdown(codes: Mapping[str, tuple[Article, str, str]] = RULE_CODES) -> str:
    """Every rule code with its article and its message in Chinese and English,
    grouped by the code's prefix (``enrolment``, ``transfer``, ...) in catalogue order."""
    groups: dict[str, list[str]] = {}
    for code, (article, zh, en) in codes.items():
        groups.setdefault(code.split(".")[0], []).append(
            f"| `{code}` | {_cell(str(article))} | {_cell(zh)} | {_cell(en)} |"
        )
    parts: list[str] = []
    for prefix, rows in groups.items():
        parts += [
            f"### `{prefix}`",
            "",
            "| code | article | 中文 | English |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    return "\n".join(parts).rstrip("\n")


def errors_markdown(codes: Iterable[str] = ERROR_CODES) -> str:
    """Every error code (:data:`xueji.errors.ERROR_CODES`), grouped by its prefix: what
    a scenario's ``error:`` may name (it was listed nowhere, found by the analysts'
    review)."""
    groups: dict[str, list[str]] = {}
    for code in sorted(codes):
        groups.setdefault(code.split(".")[0], []).append(f"`{code}`")
    rows = [f"| `{prefix}` | {', '.join(group)} |" for prefix, group in groups.items()]
    return "\n".join(["| prefix | codes |", "|---|---|", *rows])


def mermaid_state_diagram(table: AnyTable) -> str:
    """A Mermaid ``stateDiagram-v2`` drawn from ``table`` itself.

    Every state is declared with its Chinese and code name, the initial state hangs
    from ``[*]``, every row is an edge labelled with its event, and a state with no
    way out (an end of the lifecycle) leads to ``[*]``.
    """
    states: Sequence[StudentStatus | RequestState] = table.states
    lines = ["stateDiagram-v2"]
    lines += [f'    state "{s.zh} {s.value}" as {s.value}' for s in states]
    lines.append(f"    [*] --> {table.initial.value}")
    lines += [f"    {r.source.value} --> {r.target.value}: {r.event}" for r in table.rows]
    sources = {r.source for r in table.rows}
    lines += [f"    {s.value} --> [*]" for s in states if s not in sources]
    return "\n".join(lines)


def _table_rows(table: AnyTable) -> str:
    lines = [
        "| state | event | next state | guards | article | note |",
        "|---|---|---|---|---|---|",
    ]
    for r in table.rows:
        guards = ", ".join(f"`{g}`" for g in r.guards) or _NONE
        lines.append(
            f"| {r.source.zh} `{r.source.value}` | `{r.event}` | "
            f"{r.target.zh} `{r.target.value}` | {guards} | {_cell(str(r.article))} | "
            f"{_cell(r.note)} |"
        )
    return "\n".join(lines)


def tables_markdown(tables: Iterable[AnyTable] | None = None) -> str:
    """Each transition table as a Mermaid diagram followed by its rows."""
    parts: list[str] = []
    for table in tables if tables is not None else all_tables():
        parts += [
            f"### {table.name_zh} ({table.name})",
            "",
            "```mermaid",
            mermaid_state_diagram(table),
            "```",
            "",
            _table_rows(table),
            "",
        ]
    return "\n".join(parts).rstrip("\n")


def reference_markdown(profiles: Mapping[str, Policy] = PROFILES) -> str:
    """The whole reference page: profiles, their differences, rule codes, tables."""
    policies = list(profiles.values())
    parts = [
        "# Policy reference",
        "",
        "Generated from the code by `python -m xueji.docgen reference > docs/reference.md`",
        "(do not edit by hand; `tests/test_docgen.py` checks that this file matches the code).",
        "",
        "Values are written as a TOML policy file writes them (see",
        "[Encoding your province](encoding-your-province.md)); `—` means no value: the rule",
        "does not apply under that profile.",
        "",
        "## Policy profiles",
        "",
    ]
    for policy in policies:
        parts += [policy_markdown(policy, level=3), ""]
    base = policies[0]
    for other in policies[1:]:
        parts += [
            f"### What `{other.code}` changes from `{base.code}`",
            "",
            policy_differences(base, other),
            "",
        ]
        if cited := citations_markdown(base, other):
            parts += [
                f"The change log's basis of these steps under `{other.code}` (`[citations]`):",
                "",
                cited,
                "",
            ]
    parts += [
        "## Rule codes",
        "",
        "Every `Violation` a rule returns carries one of these codes and cites the article",
        "beside it, unless the policy in force cites its own article for the same rule.",
        "A rule that reads a policy parameter (`transfer_blackout` for `transfer.blackout`,",
        "`transfer_window` for `transfer.mid_term`, ...) cites that parameter's article in",
        "the profile in force, as `xueji policy show` lists it: the article shown here is",
        "the default profile's (`anhui-2013`).",
        "Every code listed is one a rule gives (a test holds the list to the code). Who",
        "completes a graduation, the school or its authority (Art 18), is no rule code but",
        "the policy parameter `graduation_needs_approval`; a record continued into grade 7",
        "or 10 (Art 12) is decided by `enrolment.duplicate`, whose step shows `continuing`.",
        "",
        rules_markdown(),
        "",
        "## Error codes",
        "",
        "An error is raised, not decided: input that cannot be understood (an invalid",
        "identity number), a record that is not there, an actor outside its jurisdiction,",
        "a year whose holidays are not loaded. Its `code` is stable, its message in Chinese",
        "and English; a scenario's `error:` names one of these (see [Scenarios](scenarios.md)).",
        "",
        errors_markdown(),
        "",
        "## Transition tables",
        "",
        "Each diagram is drawn from the table that `xueji.lifecycle.tables` fires, then the",
        "rows follow: (state, event) -> next state, the rules checked before it fires",
        "(guards) and the article. An event not in a table is refused.",
        "",
        tables_markdown(),
        "",
    ]
    return "\n".join(parts)


_COMMANDS = {
    "reference": "the whole reference page (docs/reference.md)",
    "policy": "one profile's parameters (PROFILE: a code, default every profile)",
    "rules": "the rule codes",
    "tables": "the transition tables with Mermaid diagrams",
}


def _render(argv: Sequence[str]) -> str | None:
    if not argv or argv[0] not in _COMMANDS:
        return None
    command, rest = argv[0], list(argv[1:])
    if command == "reference" and not rest:
        return reference_markdown()
    if command == "rules" and not rest:
        return rules_markdown() + "\n"
    if command == "tables" and not rest:
        return tables_markdown() + "\n"
    if command == "policy" and len(rest) <= 1:
        chosen = [PROFILES[rest[0]]] if rest and rest[0] in PROFILES else None
        if rest and chosen is None:
            return None
        return "\n\n".join(policy_markdown(p) for p in chosen or PROFILES.values()) + "\n"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m xueji.docgen COMMAND``: print Markdown on standard output (UTF-8).

    Returns 0, or 2 with a usage message for an unknown command or profile.
    """
    args = sys.argv[1:] if argv is None else argv
    text = _render(args)
    if text is None:
        usage = "\n".join(f"  {name:<10} {what}" for name, what in _COMMANDS.items())
        profiles = ", ".join(PROFILES)
        print(
            "用法 usage: python -m xueji.docgen {reference|policy [PROFILE]|rules|tables}\n"
            f"{usage}\n政策 profiles: {profiles}",
            file=sys.stderr,
        )
        return 2
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
