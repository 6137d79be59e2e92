"""Suspension, resumption and dropout (Arts 26-27).

Readings: a suspension or resumption is submitted by the school and approved by its
supervising unit (Art 26 "提交变动审批"). A dropout is recorded by the school and
reviewed by the authority within ``dropout_review_limit`` working days (Art 27); a
compulsory-education dropout keeps the registry (status ``dropped_out``, never
deleted) and may return.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

import attrs

from xueji.decision import Decision
from xueji.lifecycle.tables import RequestKind, StudentStatus
from xueji.model import Student
from xueji.policy.model import Policy
from xueji.rules._base import Checks

__all__ = [
    "ALLOWED_FROM",
    "ENDING_BLOCKERS",
    "MOVING_KINDS",
    "MigrantDropout",
    "check_change",
    "check_no_other_open",
    "keeps_registry",
    "migrant_dropout_summary",
]

ALLOWED_FROM = {
    RequestKind.SUSPENSION: frozenset({StudentStatus.REGISTERED}),
    RequestKind.RESUMPTION: frozenset({StudentStatus.SUSPENDED}),
    RequestKind.DROPOUT: frozenset({StudentStatus.REGISTERED, StudentStatus.SUSPENDED}),
}
"""The statuses from which each change may be requested."""


MOVING_KINDS = frozenset(
    {
        RequestKind.TRANSFER,
        RequestKind.CROSS_PROVINCE_IN,
        RequestKind.CROSS_PROVINCE_OUT,
        RequestKind.CROSS_BORDER_IN,
        RequestKind.CROSS_BORDER_OUT,
        RequestKind.SUSPENSION,
        RequestKind.RESUMPTION,
        RequestKind.DROPOUT,
        RequestKind.GRADUATION,
    }
)
"""The requests that move or end a student's registry (a new student's review and a
key-field correction do neither): one at a time per student."""


ENDING_BLOCKERS = MOVING_KINDS | {RequestKind.CORRECTION}
"""What a change that ends the record in this province (graduation, a transfer out
of the province or the country) waits for: the moving kinds, and an open key-field
correction, which the ended record could no longer take."""


def check_no_other_open(
    student: Student,
    kind: RequestKind,
    open_kinds: Iterable[RequestKind],
    *,
    same: Iterable[RequestKind] = (),
    blocking: frozenset[RequestKind] = MOVING_KINDS,
) -> Decision:
    """Art 19 (认真、规范办理学籍变动手续), read as one change at a time: a change that
    moves or ends the registry is not opened while another is open for the student
    (the kinds in ``same`` are left to the caller's own rule, e.g.
    ``transfer.already_open``). Before, a student with a transfer open could be
    suspended, dropped out or graduated, and the transfer's last approval then failed;
    a cross-border and a cross-province transfer out could be open at once.

    >>> import datetime as dt
    >>> from xueji.model import Student
    >>> from xueji.policy import Stage
    >>> s = Student("S1", "A", "A-1", 1, Stage.PRIMARY, StudentStatus.REGISTERED, "甲", "M",
    ...             dt.date(2019, 3, 1), "340104", dt.date(2025, 9, 1))
    >>> check_no_other_open(s, RequestKind.DROPOUT, [RequestKind.TRANSFER]).codes
    ('change.other_open',)
    """
    skip = frozenset(same)
    others = sorted({k.value for k in open_kinds if k in blocking and k not in skip})
    c = Checks()
    c.rule(
        "change.other_open",
        not others,
        student=student.id,
        change=kind.value,
        open=",".join(others) or "-",
    )
    return c.decision()


def check_change(student: Student, kind: RequestKind, *, open_same_kind: int) -> Decision:
    """Art 26-27: the change fits the student's status and none of its kind is open."""
    allowed = ALLOWED_FROM[kind]
    c = Checks()
    c.rule(
        "change.status",
        student.status in allowed,
        student=student.id,
        status=student.status.value,
        change=kind.value,
        seen={"allowed_from": ",".join(sorted(s.value for s in allowed))},
    )
    c.rule(
        "change.already_open",
        not open_same_kind,
        student=student.id,
        change=kind.value,
        seen={"open_same_kind": open_same_kind},
    )
    return c.decision()


def keeps_registry(student: Student, policy: Policy) -> bool:
    """Art 27(2): a dropout in the compulsory grades keeps the registry."""
    return student.grade in policy.compulsory_grades.value


@attrs.frozen
class MigrantDropout:
    """One line of the per-term summary handed to the 户籍 county (Art 27(3))."""

    student: str
    name: str
    school: str
    grade: int
    hukou_region: str
    dropped_on: _dt.date


def migrant_dropout_summary(
    dropouts: Iterable[tuple[Student, _dt.date]], *, start: _dt.date, end: _dt.date
) -> dict[str, tuple[MigrantDropout, ...]]:
    """Art 27(3): the compulsory-education migrant children (随迁子女) who dropped out in
    a term (``start`` to ``end``, inclusive), grouped by the county of their 户籍, for
    the authority to hand to that county at the end of the term."""
    groups: dict[str, list[MigrantDropout]] = {}
    for student, on in dropouts:
        if student.migrant and start <= on <= end:
            groups.setdefault(student.hukou_region, []).append(
                MigrantDropout(
                    student.id,
                    student.name,
                    student.school,
                    student.grade,
                    student.hukou_region,
                    on,
                )
            )
    return {
        k: tuple(sorted(v, key=lambda d: (d.dropped_on, d.student)))
        for k, v in sorted(groups.items())
    }
