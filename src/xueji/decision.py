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

A decision explains itself (:mod:`xueji.explain`): the rules a rule function
evaluated are its ``steps``; a violation no step accounts for is explained from
its own code, article and facts.

>>> print(refused.explain().text("en"))
Decision: refused (1 rule evaluated, 1 refused, 0 warned)
1. ✗ refuse [enrolment.late] new-student entry and review after 30 September — 皖教基〔2013〕20号 Art 15
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from xueji.articles import Article
from xueji.explain import Explanation, Step, StepSource, Verdict, mask_facts

__all__ = ["Decision", "Violation"]


def _facts(
    value: Mapping[str, object] | Iterable[tuple[str, object]],
) -> tuple[tuple[str, str], ...]:
    # masked as an explanation's steps are: a duplicate's registry number (G + the ID
    # number) used to reach the repr, to_dict() and the other school in full
    return mask_facts(value)


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


def _trace(items: Iterable[Step | StepSource]) -> tuple[Step | StepSource, ...]:
    return tuple(items)


def _step_of(v: Violation, verdict: Verdict) -> Step:
    return Step(v.code, verdict, v.article, v.message_zh, v.message_en, v.facts)


@attrs.frozen
class Decision:
    """The outcome of one or more rules: allowed unless a violation was found.

    ``steps`` records every rule evaluated (allowing ones too) for
    :meth:`explain`; it takes no part in equality, so two decisions with the same
    violations and warnings are equal however they were reached.

    The steps are given as :class:`~xueji.explain.Step` values or as
    :class:`~xueji.explain.StepSource` recorders whose steps are built only when
    ``steps`` is read: bulk imports decide a million enrolments and read none of
    their explanations (docs/performance.md).
    """

    violations: tuple[Violation, ...] = attrs.field(default=(), converter=_tuple_of_violations)
    warnings: tuple[Violation, ...] = attrs.field(default=(), converter=_tuple_of_violations)
    trace: tuple[Step | StepSource, ...] = attrs.field(
        default=(), converter=_trace, eq=False, repr=False, alias="steps"
    )

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every rule evaluated, in order, built from the recorded trace."""
        out: list[Step] = []
        for item in self.trace:
            if isinstance(item, Step):
                out.append(item)
            else:
                out.extend(item.build_steps())
        return tuple(out)

    def build_steps(self) -> tuple[Step, ...]:
        """As a :class:`~xueji.explain.StepSource` inside a combined decision: the
        steps of :meth:`explain`, so a violation no step accounts for is kept."""
        return self.explain().steps

    @property
    def allowed(self) -> bool:
        """True when no rule was violated (warnings do not count)."""
        return not self.violations

    @property
    def codes(self) -> tuple[str, ...]:
        """The codes of the violations, then of the warnings."""
        return tuple(v.code for v in self.violations + self.warnings)

    @classmethod
    def allow(
        cls, *, warnings: Iterable[Violation] = (), steps: Iterable[Step | StepSource] = ()
    ) -> Decision:
        """An allowing decision, optionally with warnings and the steps evaluated."""
        return cls((), warnings, steps)

    @classmethod
    def refuse(
        cls,
        *violations: Violation,
        warnings: Iterable[Violation] = (),
        steps: Iterable[Step | StepSource] = (),
    ) -> Decision:
        """A refusing decision; at least one violation is required."""
        if not violations:
            raise ValueError("a refusal needs at least one violation")
        return cls(violations, warnings, steps)

    @classmethod
    def combine(cls, *decisions: Decision) -> Decision:
        """All violations, warnings and steps of several decisions, in order.

        The steps stay unbuilt: each part is kept as a step source and explained
        (its own violations included) only when the combination is.
        """
        return cls(
            [v for d in decisions for v in d.violations],
            [w for d in decisions for w in d.warnings],
            [d for d in decisions if d.trace or d.violations or d.warnings],
        )

    def explain(self) -> Explanation:
        """The rules evaluated, with facts, parameters and articles (:mod:`xueji.explain`).

        The recorded steps come first; each violation or warning that no step of
        its code and verdict accounts for (a rule that does not record its steps)
        follows as a step of its own.
        """
        steps = list(self.steps)
        seen = {(s.rule, s.verdict) for s in steps}
        for items, verdict in ((self.violations, Verdict.REFUSE), (self.warnings, Verdict.WARN)):
            for v in items:
                if (v.code, verdict) not in seen:
                    steps.append(_step_of(v, verdict))
        return Explanation(self.allowed, steps)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form for programs."""
        return {
            "allowed": self.allowed,
            "violations": [v.to_dict() for v in self.violations],
            "warnings": [w.to_dict() for w in self.warnings],
            "explanation": self.explain().to_dict(),
        }
