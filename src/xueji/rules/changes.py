"""Suspension, resumption and dropout (Arts 26-27).

Readings: a suspension or resumption is submitted by the school and approved by its
supervising unit (Art 26 "提交变动审批"). A dropout is recorded by the school and
reviewed by the authority within ``dropout_review_limit`` working days (Art 27); a
compulsory-education dropout keeps the registry (status ``dropped_out``, never
deleted) and may return.
"""

from __future__ import annotations

from xueji.decision import Decision
from xueji.lifecycle.tables import RequestKind, StudentStatus
from xueji.model import Student
from xueji.policy.model import Policy
from xueji.rules._base import violation

__all__ = ["ALLOWED_FROM", "check_change", "keeps_registry"]

ALLOWED_FROM = {
    RequestKind.SUSPENSION: frozenset({StudentStatus.REGISTERED}),
    RequestKind.RESUMPTION: frozenset({StudentStatus.SUSPENDED}),
    RequestKind.DROPOUT: frozenset({StudentStatus.REGISTERED, StudentStatus.SUSPENDED}),
}
"""The statuses from which each change may be requested."""


def check_change(student: Student, kind: RequestKind, *, open_same_kind: int) -> Decision:
    """Art 26-27: the change fits the student's status and none of its kind is open."""
    found = []
    if student.status not in ALLOWED_FROM[kind]:
        found.append(
            violation(
                "change.status", student=student.id, status=student.status.value, change=kind.value
            )
        )
    if open_same_kind:
        found.append(violation("change.already_open", student=student.id, change=kind.value))
    return Decision(found)


def keeps_registry(student: Student, policy: Policy) -> bool:
    """Art 27(2): a dropout in the compulsory grades keeps the registry."""
    return student.grade in policy.compulsory_grades.value
