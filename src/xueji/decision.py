"""Rule outcomes as values: :class:`Violation` and :class:`Decision`.

A rule never returns a bare string or raises to say "no": it returns a
:class:`Decision`. A decision is *allowed* when it carries no violations;
warnings never block, but they are kept and shown (for example a mid-term
transfer that needs a stated reason, Art 25).

>>> from xueji.articles import anhui
>>> late = Violation("enrolment.late", anhui(15), "新生信息录入审核超过9月30日",
...                  "new-student entry and review after 30 September")
>>> d = Decision.allow(warnings=[late])
>>> d.allowed, len(d.warnings)
(True, 1)
>>> refused = Decision.refuse(late)
>>> refused.allowed
False
>>> print(refused.violations[0])
[enrolment.late] 新生信息录入审核超过9月30日 (new-student entry and review after 30 September) — 皖教基〔2013〕20号 第十五条
>>> Decision.combine(d, refused).allowed
False
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from xueji.articles import Article

__all__ = ["Decision", "Violation"]


def _facts(
    value: Mapping[str, object] | Iterable[tuple[str, object]],
) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(x)) for k, x in dict(value).items())


@attrs.frozen
class Violation:
    """One broken (or, as a warning, strained) rule, citing its article.

    ``code`` is stable (``area.rule``) so programs and scenario files can name it;
    ``facts`` holds the values the rule looked at, already masked where they are
    identity numbers.
    """

    code: str
    article: Article
    message_zh: str
    message_en: str
    facts: tuple[tuple[str, str], ...] = attrs.field(default=(), converter=_facts)

    def __str__(self) -> str:
        return f"[{self.code}] {self.message_zh} ({self.message_en}) — {self.article}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for programs."""
        return {
            "code": self.code,
            "article": str(self.article),
            "article_en": self.article.english,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "facts": dict(self.facts),
        }


def _tuple_of_violations(items: Iterable[Violation]) -> tuple[Violation, ...]:
    return tuple(items)


@attrs.frozen
class Decision:
    """The outcome of one or more rules: allowed unless a violation was found."""

    violations: tuple[Violation, ...] = attrs.field(default=(), converter=_tuple_of_violations)
    warnings: tuple[Violation, ...] = attrs.field(default=(), converter=_tuple_of_violations)

    @property
    def allowed(self) -> bool:
        """True when no rule was violated (warnings do not count)."""
        return not self.violations

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the violations, then of the warnings."""
        return tuple(v.code for v in self.violations + self.warnings)

    @classmethod
    def allow(cls, *, warnings: Iterable[Violation] = ()) -> Decision:
        """An allowing decision, optionally with warnings."""
        return cls((), warnings)

    @classmethod
    def refuse(cls, *violations: Violation, warnings: Iterable[Violation] = ()) -> Decision:
        """A refusing decision; at least one violation is required."""
        if not violations:
            raise ValueError("a refusal needs at least one violation")
        return cls(violations, warnings)

    @classmethod
    def combine(cls, *decisions: Decision) -> Decision:
        """All violations and warnings of several decisions, in order."""
        return cls(
            [v for d in decisions for v in d.violations],
            [w for d in decisions for w in d.warnings],
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for programs."""
        return {
            "allowed": self.allowed,
            "violations": [v.to_dict() for v in self.violations],
            "warnings": [w.to_dict() for w in self.warnings],
        }
