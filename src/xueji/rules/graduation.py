"""Graduation and the 1 August rollover (Art 18).

Compulsory education: the school records completion itself. Senior high: the school
submits and the authority approves. Graduation work finishes by
``graduation_deadline`` (31 July); later work is flagged (a warning, Art 32).

The rollover on ``rollover_date`` (1 August) moves every student in school up one
grade. What happens to the cases Art 18 leaves open is decided by policy parameters:

* suspended students (``rollover_promotes_suspended``; Anhui: not promoted, they
  resume into the grade they left);
* final-grade students not graduated by 31 July
  (``rollover_unfinished_final_grade``: ``hold`` keeps them in the final grade and
  flags them, ``complete`` records 结业);
* students with an open transfer (``rollover_open_transfers``: ``promote`` moves them
  up and the transfer continues, ``hold`` leaves them until it ends: the transfer's
  end, whichever way, moves them up by the rollovers they missed,
  :meth:`xueji.registry.Registry.rollover`).

A record under its first-entry review (a draft or one submitted, Art 15) moves up
with its class like a registered student (the reading of Arts 16 and 18(2), see
docs/registry.md: once approved it is a student in school of that class, and its
seat counts in the class's grade); a new record from another province or from
abroad under review (its transfer in open) was not in school here and stays.

Promotion is a self-transition of ``registered``: never a withdrawal.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Mapping

import attrs

from xueji.articles import anhui
from xueji.decision import Decision
from xueji.lifecycle.tables import StudentStatus
from xueji.model import Student, final_grade
from xueji.policy.model import Policy
from xueji.policy.values import Stage
from xueji.rules._base import Checks

__all__ = [
    "UNDER_REVIEW",
    "RolloverAction",
    "RolloverPlan",
    "check_graduation",
    "check_rollover_date",
    "graduation_needs_approval",
    "rollover_action",
    "rollover_plan",
]


def graduation_needs_approval(stage: Stage, policy: Policy) -> bool:
    """Art 18: senior-high graduation needs the authority's approval."""
    return stage in policy.graduation_needs_approval.value


def check_graduation(student: Student, *, on: _dt.date, policy: Policy) -> Decision:
    """Art 18: only a registered final-grade student graduates; work before the
    school year's end (``graduation_from``) and after ``graduation_deadline`` is
    flagged."""
    c = Checks()
    c.rule(
        "change.status",
        student.status is StudentStatus.REGISTERED,
        article=anhui(18),  # (the code's catalogued article is a change's, Art 26)
        student=student.id,
        status=student.status.value,
        change="graduation",
        seen={"allowed_from": StudentStatus.REGISTERED.value},
    )
    system = policy.school_system
    last = final_grade(student.stage, system.value)
    c.rule(
        "graduation.not_final_grade",
        student.grade == last,
        params=(("school_system", system),),
        student=student.id,
        grade=student.grade,
        final_grade=last,
    )
    start = policy.graduation_from
    opens = start.value.in_year(on.year)
    c.rule(
        "graduation.early",
        on >= opens,  # the year's graduation work opens on graduation_from
        warn=True,
        article=start.article,
        params=(("graduation_from", start),),
        on=on.isoformat(),
        opens=opens.isoformat(),
    )
    deadline = policy.graduation_deadline
    due = deadline.value.in_year(on.year)
    c.rule(
        "graduation.late",
        on <= due,  # work for the school year ending in on.year was due on 31 July
        warn=True,
        article=deadline.article,
        params=(("graduation_deadline", deadline),),
        on=on.isoformat(),
        deadline=due.isoformat(),
    )
    return c.decision()


def check_rollover_date(on: _dt.date, year: int, *, policy: Policy) -> Decision:
    """Art 18(2): the rollover of school year ``year`` runs from its date
    (``rollover_date`` in ``year``) until the next year's: one promotion a year.

    A rollover of an earlier year run after the next year's date would move every
    student up a second time in one summer (found by the analysts' review: 2025's run
    after 2026's). Reading: a year whose rollover was missed is not run late either,
    since the grades would move twice at once; its students' grades are put right
    one by one (``update_student``) instead.

    >>> import datetime as dt
    >>> from xueji.policy import ANHUI_2013
    >>> check_rollover_date(dt.date(2026, 8, 5), 2025, policy=ANHUI_2013).codes
    ('rollover.passed',)
    """
    rule = policy.rollover_date
    due, next_due = rule.value.in_year(year), rule.value.in_year(year + 1)
    c = Checks()
    c.rule(
        "rollover.date",
        on >= due,
        article=rule.article,
        params=(("rollover_date", rule),),
        on=on.isoformat(),
        date=due.isoformat(),
    )
    c.rule(
        "rollover.passed",
        on < next_due,
        article=rule.article,
        params=(("rollover_date", rule),),
        on=on.isoformat(),
        year=year,
        next_date=next_due.isoformat(),
    )
    return c.decision()


UNDER_REVIEW = frozenset({StudentStatus.DRAFT, StudentStatus.PENDING_REVIEW})
"""The statuses of a record under its first-entry review (Art 15), which the rollover
moves up with its class (Arts 16, 18(2)): see :func:`rollover_action`."""


class RolloverAction(enum.StrEnum):
    """What the rollover does to one student."""

    PROMOTE = "promote"
    HOLD = "hold"  # stays in the grade, flagged where the policy says so
    COMPLETE = "complete"  # 结业 recorded at the rollover
    SKIP = "skip"  # not in school: nothing to do


@attrs.frozen
class RolloverOutcome:
    """The action for one student, with the rule behind it."""

    action: RolloverAction
    decision: Decision


def rollover_action(student: Student, *, open_transfer: bool, policy: Policy) -> RolloverOutcome:
    """Art 18: what the 1 August rollover does to ``student`` (the rule student by
    student; :func:`rollover_plan` is the same rule as a set).

    The decision records the rules that decided the action: whether a suspended
    student is promoted (``rollover_promotes_suspended``) and whether a final-grade
    student is still waiting to graduate (``rollover_unfinished_final_grade``). A
    student not in school is skipped with nothing evaluated.

    A record under first-entry review (:data:`UNDER_REVIEW`) moves up like a
    registered student below the final grade; with ``open_transfer`` (a new record
    from outside, its transfer in open) it is not in school here and is skipped.
    """
    c = Checks()
    last = final_grade(student.stage, policy.school_system.value)
    final = student.grade >= last
    if student.status is StudentStatus.SUSPENDED:
        promotes = policy.rollover_promotes_suspended
        if not c.rule(
            "rollover.suspended_held",
            bool(promotes.value),
            warn=True,
            article=promotes.article,
            params=(("rollover_promotes_suspended", promotes),),
            student=student.id,
        ):
            return RolloverOutcome(RolloverAction.HOLD, c.decision())
        # promoted like anyone in school, but never out of the stage
    elif student.status in UNDER_REVIEW:
        # (Arts 16, 18(2)) moves up with its class; in a final grade it waits for its
        # approval there (no 结业 of a record not yet registered)
        if open_transfer or final:
            return RolloverOutcome(RolloverAction.SKIP, c.decision())
        return RolloverOutcome(RolloverAction.PROMOTE, c.decision())
    elif student.status is not StudentStatus.REGISTERED:
        return RolloverOutcome(RolloverAction.SKIP, c.decision())
    if open_transfer and policy.rollover_open_transfers.value == "hold":
        return RolloverOutcome(RolloverAction.HOLD, c.decision())
    if final and student.status is StudentStatus.SUSPENDED:
        return RolloverOutcome(RolloverAction.HOLD, c.decision())
    unfinished = policy.rollover_unfinished_final_grade
    c.rule(
        "graduation.overdue",
        not final,
        warn=True,
        article=unfinished.article,
        params=(("rollover_unfinished_final_grade", unfinished),),
        student=student.id,
        grade=student.grade,
        seen={"final_grade": last},
    )
    if not final:
        return RolloverOutcome(RolloverAction.PROMOTE, c.decision())
    if unfinished.value == "complete":
        return RolloverOutcome(RolloverAction.COMPLETE, c.decision())
    return RolloverOutcome(RolloverAction.HOLD, c.decision())


@attrs.frozen
class RolloverPlan:
    """The rollover as a set-based rule a store can run in one statement: every student
    whose status is in ``statuses`` and whose grade is below its stage's final grade
    moves up one grade (students with an open transfer too, unless
    ``hold_open_transfers``; records under first-entry review too, but not a new
    record from outside whose transfer in is open: the caller knows the requests).
    Equivalent to :func:`rollover_action` student by student."""

    statuses: frozenset[StudentStatus]
    final_grades: Mapping[Stage, int]
    hold_open_transfers: bool
    complete_unfinished: bool

    def moves_up(self, student: Student) -> bool:
        """Whether ``student`` goes up a grade under the plan (an open transfer held
        under ``hold_open_transfers`` aside: the caller knows the requests)."""
        return student.status in self.statuses and student.grade < self.final_grades[student.stage]


def rollover_plan(policy: Policy) -> RolloverPlan:
    """Art 18: the rollover under ``policy``'s readings of the open cases."""
    statuses = {StudentStatus.REGISTERED, *UNDER_REVIEW}
    if policy.rollover_promotes_suspended.value:
        statuses.add(StudentStatus.SUSPENDED)
    return RolloverPlan(
        frozenset(statuses),
        {stage: final_grade(stage, policy.school_system.value) for stage in Stage},
        policy.rollover_open_transfers.value == "hold",
        policy.rollover_unfinished_final_grade.value == "complete",
    )
