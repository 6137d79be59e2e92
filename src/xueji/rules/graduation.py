"""Graduation and the 1 August rollover (Art 18).

Compulsory education: the school records completion itself. Senior high: the school
submits and the authority approves. Graduation work finishes by
``graduation_deadline`` (31 July) of the school year the student finishes; later work
is flagged (a warning, Art 32), and so is work before ``graduation_from`` of that year
(:func:`graduation_window`).

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

Promotion is a self-transition of ``registered``: never a withdrawal. A grade that
did not move as it should have (a year whose rollover was missed) is put right student
by student by the school's authority (:func:`check_regrade`,
:meth:`~xueji.registry.Registry.regrade`).
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Mapping

import attrs

from xueji.articles import anhui
from xueji.decision import Decision
from xueji.lifecycle.tables import SEATED, RequestKind, StudentStatus
from xueji.model import Request, Student, final_grade
from xueji.policy.model import Policy
from xueji.policy.values import Stage
from xueji.rules._base import Checks
from xueji.rules.changes import MOVING_KINDS, check_no_other_open

__all__ = [
    "REGRADE_WAITS_FOR",
    "UNDER_REVIEW",
    "RolloverAction",
    "RolloverPlan",
    "check_graduation",
    "check_regrade",
    "check_rollover_date",
    "graduation_needs_approval",
    "graduation_window",
    "rollover_action",
    "rollover_plan",
    "school_year_of",
]


def graduation_needs_approval(stage: Stage, policy: Policy) -> bool:
    """Art 18: senior-high graduation needs the authority's approval."""
    return stage in policy.graduation_needs_approval.value


def school_year_of(day: _dt.date, *, policy: Policy) -> int:
    """The school year ``day`` falls in, named by the calendar year it starts in: from
    ``rollover_date`` of that year (1 August) to the day before the next one's (Art 18).

    >>> import datetime as dt
    >>> from xueji.policy import ANHUI_2013
    >>> school_year_of(dt.date(2026, 7, 31), policy=ANHUI_2013)
    2025
    >>> school_year_of(dt.date(2026, 8, 1), policy=ANHUI_2013)
    2026
    """
    starts = policy.rollover_date.value.in_year(day.year)
    return day.year if day >= starts else day.year - 1


def graduation_window(
    on: _dt.date, *, policy: Policy, final_since: _dt.date | None = None
) -> tuple[_dt.date, _dt.date]:
    """Art 18: when the graduation work of a final-grade student opens
    (``graduation_from``) and when it is due (``graduation_deadline``): those of the
    school year the student finishes, the one in which it came into the final grade
    (``final_since``, the date of the entry or the rollover that put it there; a
    student held in the final grade at a rollover while in school keeps the earlier
    date, and one held while away from school, suspended or dropped out, starts the
    final year again from its return: docs/lifecycle.md, "Readings"). With no
    such date known, the student is taken as the class of the school year ``on``
    falls in.

    Reading (Art 18: 学校在学年结束后…毕业操作, 须在每年的7月31日前完成): a student
    moved up into the final grade on 1 August 2026 finishes in 2027, so its window is
    1 June to 31 July 2027 and graduating it in August 2026 is early, not late; one
    already in the final grade before that rollover (held) finished in 2026 and is
    late after 31 July 2026, whenever it is graduated.

    >>> import datetime as dt
    >>> from xueji.policy import ANHUI_2013
    >>> graduation_window(dt.date(2026, 8, 2), policy=ANHUI_2013, final_since=dt.date(2026, 8, 1))
    (datetime.date(2027, 6, 1), datetime.date(2027, 7, 31))
    >>> graduation_window(dt.date(2027, 3, 1), policy=ANHUI_2013, final_since=dt.date(2025, 9, 1))
    (datetime.date(2026, 6, 1), datetime.date(2026, 7, 31))
    """
    ends = school_year_of(on if final_since is None else final_since, policy=policy) + 1
    return policy.graduation_from.value.in_year(ends), policy.graduation_deadline.value.in_year(
        ends
    )


def check_graduation(
    student: Student, *, on: _dt.date, policy: Policy, final_since: _dt.date | None = None
) -> Decision:
    """Art 18: only a registered final-grade student graduates; work before the end of
    the school year the student finishes (``graduation_from``) and after its
    ``graduation_deadline`` is flagged (:func:`graduation_window`: ``final_since`` is
    the date the student came into the final grade, which the registry reads from the
    change log; ``None``, the class of ``on``'s school year)."""
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
    opens, due = graduation_window(on, policy=policy, final_since=final_since)
    start = policy.graduation_from
    c.rule(
        "graduation.early",
        on >= opens,  # the work of the school year the student finishes opens then
        warn=True,
        article=start.article,
        params=(("graduation_from", start),),
        on=on.isoformat(),
        opens=opens.isoformat(),
    )
    deadline = policy.graduation_deadline
    c.rule(
        "graduation.late",
        on <= due,  # and was due on that year's 31 July (a student held is late)
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
    one by one by their school's authority
    (:meth:`~xueji.registry.Registry.regrade`, :func:`check_regrade`) instead.

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


REGRADE_WAITS_FOR = MOVING_KINDS | {RequestKind.NEW_STUDENT}
"""The open requests a grade put right (:func:`check_regrade`) waits for: a change
that moves or ends the registry (a transfer, a transfer in or out, a suspension, a
resumption, a dropout, a graduation), each decided on the grade and class it was filed
with, and a new student's review, of the record as it was submitted. Not a key-field
correction, which touches no grade (Art 29)."""


def check_regrade(
    student: Student,
    grade: int,
    open_requests: Iterable[RequestKind | Request],
    *,
    policy: Policy,
    class_id: str | None = None,
) -> Decision:
    """Art 18(2) (grades move up once a year, at the rollover): may ``student``'s grade
    be put right to ``grade``, in class ``class_id``
    (:meth:`~xueji.registry.Registry.regrade`)? A year whose
    rollover was missed is not run late (:func:`check_rollover_date`), so its
    students' grades are set one at a time, as are a grade entered wrong or a
    student kept back or moved on.

    Only a record that holds a seat in a class (:data:`~xueji.lifecycle.SEATED`: a
    draft, a record under review, registered, suspended): a student not in school
    (graduated, completed, dropped out, gone out of the province or the country,
    voided) keeps the grade it left in (``change.status``). The new grade is another
    grade of the student's own stage under the profile's ``school_system``
    (``regrade.grade``; a move into the next stage is an enrolment, Art 12), or their
    grade in another class (a student left in a class of another grade: one typed
    after a late rollover's date whose class went up with its pupils, one moved up
    at a transfer's end whose class stayed). Not while
    a request of :data:`REGRADE_WAITS_FOR` is open (``change.other_open``). The class
    is checked by the caller (:func:`~xueji.rules.enrolment.check_class`, Art 16).

    >>> import datetime as dt
    >>> from xueji.policy import ANHUI_2013
    >>> s = Student("S1", "A", "A-3", 3, Stage.PRIMARY, StudentStatus.REGISTERED, "甲", "M",
    ...             dt.date(2017, 3, 1), "340104", dt.date(2023, 9, 1))
    >>> check_regrade(s, 4, [], policy=ANHUI_2013).allowed
    True
    >>> check_regrade(s, 7, [RequestKind.TRANSFER], policy=ANHUI_2013).codes
    ('regrade.grade', 'change.other_open')
    >>> check_regrade(s, 3, [], policy=ANHUI_2013, class_id="A-3").codes  # nothing to do
    ('regrade.grade',)
    >>> check_regrade(s, 3, [], policy=ANHUI_2013, class_id="A-3b").allowed
    True
    """
    c = Checks()
    c.rule(
        "change.status",
        student.status in SEATED,
        article=anhui(18, 2),  # (the code's catalogued article is a change's, Art 26)
        student=student.id,
        status=student.status.value,
        change="regrade",
        seen={"allowed_from": ",".join(sorted(x.value for x in SEATED))},
    )
    system = policy.school_system
    grades = system.value[student.stage]
    c.rule(
        "regrade.grade",
        grade in grades and (grade != student.grade or class_id not in (None, student.class_id)),
        params=(("school_system", system),),
        student=student.id,
        grade=grade,
        current_grade=student.grade,
        current_class=student.class_id,
        stage=student.stage.value,
        seen={"stage_grades": f"{min(grades)}-{max(grades)}"},
    )
    return Decision.combine(
        c.decision(),
        check_no_other_open(student, "regrade", open_requests, blocking=REGRADE_WAITS_FOR),
    )


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
