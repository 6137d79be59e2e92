"""Shared pieces of the benchmark suite: a reported figure and the summary table."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One reported figure. ``passed`` is None for figures without a goal."""

    bench: str
    name: str
    value: float
    unit: str = ""
    digits: int = 0
    goal: str = ""
    passed: bool | None = None

    def shown(self) -> str:
        text = f"{self.value:,.{self.digits}f}"
        return f"{text} {self.unit}".rstrip()

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return ""
        return "PASS" if self.passed else "MISS"


@dataclass
class BenchResult:
    """What one benchmark returns: its figures and the details behind them (for JSON)."""

    name: str
    figures: list[Figure]
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


def table(rows: list[list[str]], header: list[str], right: set[int] | None = None) -> str:
    """A plain-text table; columns whose index is in ``right`` are right-aligned."""
    right = right or set()
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def summary(figures: list[Figure]) -> str:
    """The final table: every figure with its goal and PASS/MISS."""
    rows = [[f.bench, f.name, f.shown(), f.goal, f.verdict] for f in figures]
    return table(rows, ["bench", "figure", "value", "goal", "result"], right={2})


def section(title: str) -> None:
    print()
    print(f"== {title} " + "=" * max(0, 76 - len(title)), flush=True)
