"""Suspension, resumption and dropout (Arts 26-27), and a record voided (Art 14).

Readings: a suspension or resumption is submitted by the school and approved by its
supervising unit (Art 26 "提交变动审批"). A dropout is recorded by the school and
reviewed by the authority within ``dropout_review_limit`` working days (Art 27); a
compulsory-education dropout keeps the registry (status ``dropped_out``, never
deleted) and may return.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Iterable

import attrs

from xueji.articles import anhui
from xueji.decision import Decision
from xueji.lifecycle.tables import RequestKind, StudentStatus
from xueji.masking import mask_ids
from xueji.model import Request, Student
from xueji.policy.model import Policy
from xueji.rules._base import Checks, ParamRead

__all__ = [
    "ALLOWED_FROM",
    "DROPOUT_RECORD_FIELDS",
    "ENDING_BLOCKERS",
    "ENDING_KINDS",
    "MOVING_KINDS",
    "SCHOOL_MOVING_KINDS",
    "MigrantDropout",
    "check_change",
    "check_no_other_open",
    "check_reenrolment",
    "check_registry_kept",
    "check_return_from_dropout",
    "check_void",
    "continues_next_stage",
    "dropout_record",
    "filed_on",
    "keeps_registry",
    "migrant_dropout_summary",
    "next_stage_entry",
    "reentering",
    "registry_kept_until",
    "registry_lapsed",
    "student_at_dropout",
    "summary_span",
    "waits_for",
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


ENDING_KINDS = frozenset(
    {RequestKind.GRADUATION, RequestKind.CROSS_PROVINCE_OUT, RequestKind.CROSS_BORDER_OUT}
)
"""The changes that end the record in this province."""


SCHOOL_MOVING_KINDS = frozenset(
    {RequestKind.TRANSFER, RequestKind.CROSS_PROVINCE_IN, RequestKind.CROSS_BORDER_IN}
)
"""The changes whose approval may put the student in another school, under another
supervising unit (学籍主管单位): a transfer within the province, and a transfer in
(a student who left earlier comes back to another school)."""


ENDING_BLOCKERS = MOVING_KINDS | {RequestKind.CORRECTION}
"""What a change that ends the record in this province (graduation, a transfer out
of the province or the country) waits for: the moving kinds, and an open key-field
correction, which the ended record could no longer take."""


def waits_for(kind: RequestKind, policy: Policy) -> frozenset[RequestKind]:
    """The open requests a new request of ``kind`` waits for (Art 19, one change at a
    time). A change that moves or ends the registry waits for the other moving kinds;
    a change that ends the record, and a key-field correction, wait for each other (the
    ended record could not take the correction); a correction waits for a review of
    the record too (a new student's, rejected, leaves a draft, edited directly; a
    transfer in's, rejected, voids it); under ``correction_during_transfer =
    "wait"`` a correction and a change that moves the student's school wait for each
    other too (the correction's approving party, Art 29, would change mid-flight).

    >>> import attrs
    >>> from xueji.policy import ANHUI_2013, Param
    >>> PIN = attrs.evolve(ANHUI_2013, correction_during_transfer=Param(
    ...     "pin", ANHUI_2013.correction_during_transfer.article))
    >>> waits_for(RequestKind.CORRECTION, ANHUI_2013) == (
    ...     ENDING_KINDS | SCHOOL_MOVING_KINDS | {RequestKind.NEW_STUDENT}
    ... )
    True
    >>> RequestKind.CROSS_PROVINCE_IN in waits_for(RequestKind.CORRECTION, PIN)
    True
    >>> RequestKind.CORRECTION in waits_for(RequestKind.TRANSFER, ANHUI_2013)
    True
    """
    wait = policy.correction_during_transfer.value == "wait"
    if kind is RequestKind.CORRECTION:
        # and the reviews of a record: a new student's, rejected, puts it back to a
        # draft (edited directly); a transfer in's, rejected, voids it; either way a
        # correction could not be applied to it
        review = {
            RequestKind.NEW_STUDENT,
            RequestKind.CROSS_PROVINCE_IN,
            RequestKind.CROSS_BORDER_IN,
        }
        return ENDING_KINDS | SCHOOL_MOVING_KINDS | review if wait else ENDING_KINDS | review
    if kind in ENDING_KINDS or (wait and kind in SCHOOL_MOVING_KINDS):
        return ENDING_BLOCKERS
    return MOVING_KINDS


def check_no_other_open(
    student: Student,
    kind: RequestKind | str,
    open_requests: Iterable[RequestKind | Request],
    *,
    same: Iterable[RequestKind] = (),
    blocking: frozenset[RequestKind] | None = None,
    policy: Policy | None = None,
) -> Decision:
    """Art 19 (认真、规范办理学籍变动手续), read as one change at a time: a change that
    moves or ends the registry is not opened while another is open for the student
    (the kinds in ``same`` are left to the caller's own rule, e.g.
    ``transfer.already_open``). Before, a student with a transfer open could be
    suspended, dropped out or graduated, and the transfer's last approval then failed;
    a cross-border and a cross-province transfer out could be open at once.

    What blocks is ``blocking`` if given, else :func:`waits_for` under ``policy``
    (a key-field correction is held back, and holds back, as the policy reads Art
    29), else :data:`MOVING_KINDS`. ``kind`` is a request kind, or the name of a command
    that opens none (``"regrade"``: :func:`~xueji.rules.graduation.check_regrade`, which
    gives its ``blocking``). ``open_requests`` are the student's open requests
    (or their kinds); the violation names the blocking kinds (``open``) and, where
    requests are given, their ids (``requests``).

    >>> import datetime as dt
    >>> from xueji.model import Student
    >>> from xueji.policy import Stage
    >>> s = Student("S1", "A", "A-1", 1, Stage.PRIMARY, StudentStatus.REGISTERED, "甲", "M",
    ...             dt.date(2019, 3, 1), "340104", dt.date(2025, 9, 1))
    >>> check_no_other_open(s, RequestKind.DROPOUT, [RequestKind.TRANSFER]).codes
    ('change.other_open',)
    """
    skip = frozenset(same)
    if blocking is None:
        if policy is not None and isinstance(kind, RequestKind):
            blocking = waits_for(kind, policy)
        else:
            blocking = MOVING_KINDS
    params: tuple[ParamRead, ...] = ()
    if policy is not None and (kind is RequestKind.CORRECTION or kind in SCHOOL_MOVING_KINDS):
        params = (("correction_during_transfer", policy.correction_during_transfer),)
    found = [(r, r if isinstance(r, RequestKind) else r.kind) for r in open_requests]
    hits = [(r, k) for r, k in found if k in blocking and k not in skip]
    others = sorted({k.value for _, k in hits})
    ids = sorted(r.id for r, _ in hits if isinstance(r, Request))
    facts: dict[str, object] = {
        "student": student.id,
        "change": str(kind),
        "open": ",".join(others) or "-",
    }
    if ids:
        facts["requests"] = ",".join(ids)
    c = Checks()
    c.check("change.other_open", not others, facts, params=params)
    return c.decision()


def check_change(student: Student, kind: RequestKind, *, open_same_kind: int) -> Decision:
    """Art 26-27: the change fits the student's status and none of its kind is open,
    each cited by the change's own article (a dropout's Art 27, a suspension's or
    resumption's Art 26; before, a dropout was refused citing Art 26)."""
    allowed = ALLOWED_FROM[kind]
    article = anhui(27) if kind is RequestKind.DROPOUT else anhui(26)
    c = Checks()
    c.rule(
        "change.status",
        student.status in allowed,
        article=article,
        student=student.id,
        status=student.status.value,
        change=kind.value,
        seen={"allowed_from": ",".join(sorted(s.value for s in allowed))},
    )
    c.rule(
        "change.already_open",
        not open_same_kind,
        article=article,
        student=student.id,
        change=kind.value,
        seen={"open_same_kind": open_same_kind},
    )
    return c.decision()


VOIDABLE = frozenset({StudentStatus.DRAFT, StudentStatus.PENDING_REVIEW})
"""The statuses a record entered in error is voided from (the student table's
``void``): a draft, or a record under its new-student review."""


def check_void(
    student: Student,
    *,
    reason: str,
    first_entry: bool,
    open_requests: Iterable[RequestKind | Request] = (),
    reentry: bool = False,
) -> Decision:
    """Art 14 (no second registry; the student table's ``void``: "entered in error;
    kept, not deleted"): may ``student`` be voided
    (:meth:`~xueji.registry.Registry.void_record`)? Only a draft or a record under
    its new-student review (:data:`VOIDABLE`, ``change.status``), with a stated
    ``reason`` (``void.reason_missing``); only a record on its ``first_entry``: one
    taken up again by an enrolment (a graduate continuing into the next stage,
    Art 12; a senior dropout enrolled again, Art 27(2)) is the student's registry
    and its 学籍号 the student's for life (``void.taken_up``, Art 13); and not while
    a request other than its new-student review is open (a transfer in's, decided
    first: its refusal voids the record, ``change.other_open``).

    ``reentry``: the record is taken up again by an enrolment (a dropout's, Art 27(2),
    logged ``enroll_after_dropout``; a graduate's continuing into the next stage,
    Art 12, logged ``enroll_next_stage``) and still on that entry's review: entered
    in error (at the wrong school), it may be undone (Art 14), the record going back
    to the dropout or graduate it was (:meth:`~xueji.registry.Registry.void_record`),
    so ``void.taken_up`` does not refuse it (found by the status review for a
    dropout, by the leftovers review for a graduate: either, enrolled at the wrong
    school, could not be enrolled at the right one).

    >>> import datetime as dt
    >>> from xueji.model import Student
    >>> from xueji.policy import Stage
    >>> s = Student("S1", "A", "A-1", 1, Stage.PRIMARY, StudentStatus.DRAFT, "甲", "M",
    ...             dt.date(2020, 3, 1), "340104", dt.date(2026, 9, 1))
    >>> check_void(s, reason="误录", first_entry=True).allowed
    True
    >>> check_void(s, reason=" ", first_entry=False).codes
    ('void.reason_missing', 'void.taken_up')
    """
    c = Checks()
    c.rule(
        "change.status",
        student.status in VOIDABLE,
        article=anhui(14),
        student=student.id,
        status=student.status.value,
        change="void",
        seen={"allowed_from": ",".join(sorted(s.value for s in VOIDABLE))},
    )
    c.rule("void.reason_missing", bool(reason.strip()), student=student.id)
    c.rule(
        "void.taken_up",
        first_entry or reentry,
        student=student.id,
        seen={"reentry": reentry} if reentry else None,
    )
    return Decision.combine(
        c.decision(),
        check_no_other_open(
            student,
            "void",
            open_requests,
            blocking=frozenset(RequestKind) - {RequestKind.NEW_STUDENT},
        ),
    )


def keeps_registry(
    student: Student, policy: Policy, *, lapsed: Collection[str] = frozenset()
) -> bool:
    """Art 27(2): a dropout in the compulsory grades keeps the registry, for the years
    the profile keeps it (``dropout_registry_kept``): ``lapsed`` names the records
    whose years have passed (:func:`registry_lapsed`), which keep it no longer."""
    return student.grade in policy.compulsory_grades.value and student.id not in lapsed


def registry_lapsed(
    student: Student, *, dropped_on: _dt.date | None, today: _dt.date, policy: Policy
) -> bool:
    """Whether ``student``'s kept registry (a compulsory dropout's, Art 27(2)) has
    lapsed by ``today``: past :func:`registry_kept_until` of the day its dropout was
    approved (``dropped_on``; None: not known, not lapsed)."""
    if student.status is not StudentStatus.DROPPED_OUT or dropped_on is None:
        return False
    until = registry_kept_until(student.grade, dropped_on, policy)
    return until is not None and today > until


def next_stage_entry(student: Student, grade: int, policy: Policy) -> bool:
    """Whether ``grade`` is the entry grade of the stage after the one ``student`` left:
    an initial grade (``initial_grades``, past 1) above the student's grade with no
    initial grade between (a grade-6 or grade-3 pupil's 7, a grade-9 one's 10 under
    6-3-3; a grade-5 one's 10 skips a stage).

    >>> import datetime as dt
    >>> from xueji.policy import ANHUI_2013, Stage
    >>> s = Student("S1", "J", "J-9", 9, Stage.JUNIOR, StudentStatus.DROPPED_OUT, "甲",
    ...             "M", dt.date(2011, 3, 1), "340104", dt.date(2024, 9, 1))
    >>> [g for g in range(1, 13) if next_stage_entry(s, g, ANHUI_2013)]
    [10]
    """
    entries = [g for g in policy.initial_grades.value if g > 1]
    above = [g for g in entries if g > student.grade]
    return bool(above) and grade == min(above)


def continues_next_stage(student: Student, grade: int, policy: Policy) -> bool:
    """Art 27(2) with Art 12, as the profile reads it (``dropout_continues_next_stage``):
    whether an enrolment into ``grade`` continues ``student``, a compulsory dropout
    whose registry is kept, into the next stage (:func:`next_stage_entry`), as a
    graduate's record is continued."""
    return policy.dropout_continues_next_stage.value and next_stage_entry(student, grade, policy)


def check_return_from_dropout(student: Student, policy: Policy) -> Decision:
    """Art 27(2): a dropout returns to school on the registry kept for it: only a
    record in 辍学 (a student who left the province or the country comes back by a
    transfer in, Arts 22-23, which the authority decides), and only one whose registry
    was kept (a dropout of the compulsory grades, ``compulsory_grades``)."""
    c = Checks()
    dropped = c.rule(
        "change.status",
        student.status is StudentStatus.DROPPED_OUT,
        article=anhui(27, 2),
        student=student.id,
        status=student.status.value,
        change="return_from_dropout",
        seen={"allowed_from": StudentStatus.DROPPED_OUT.value},
    )
    if dropped:
        c.rule(
            "dropout.not_compulsory_keep",
            keeps_registry(student, policy),
            params=(("compulsory_grades", policy.compulsory_grades),),
            student=student.id,
            grade=student.grade,
        )
    return c.decision()


def registry_kept_until(grade: int, dropped_on: _dt.date, policy: Policy) -> _dt.date | None:
    """Art 27(2) (在义务教育阶段年限内为其保留学籍): the last day a dropout's registry is
    kept, under the profile's ``dropout_registry_kept``: with ``"compulsory_years"``,
    the end of the school year in which the child, moving up one grade a year from
    ``grade`` (the grade it dropped out of) from the school year of ``dropped_on``,
    would have completed the last of ``compulsory_grades`` (the day before that
    year's next ``rollover_date``); with ``"indefinitely"``, None (no end).

    >>> import datetime as dt
    >>> from xueji.policy import ANHUI_2013
    >>> registry_kept_until(2, dt.date(2026, 11, 2), ANHUI_2013)  # grade 9 in 2033-34
    datetime.date(2034, 7, 31)
    >>> registry_kept_until(9, dt.date(2027, 3, 1), ANHUI_2013)  # (its own year)
    datetime.date(2027, 7, 31)
    """
    if policy.dropout_registry_kept.value != "compulsory_years":
        return None
    rollover = policy.rollover_date.value
    # (the school year of a day, as graduation.school_year_of reads it: from its rollover)
    year = (
        dropped_on.year if dropped_on >= rollover.in_year(dropped_on.year) else dropped_on.year - 1
    )
    last = max(policy.compulsory_grades.value)
    ends = year + max(last - grade, 0) + 1  # the calendar year that school year ends in
    return rollover.in_year(ends) - _dt.timedelta(days=1)


def check_registry_kept(
    student: Student, *, dropped_on: _dt.date | None, today: _dt.date, policy: Policy
) -> Decision:
    """Art 27(2): a dropout coming back on the registry kept for it
    (:func:`check_return_from_dropout`) does so within the years it is kept
    (:func:`registry_kept_until`); later, a warning (``dropout.registry_lapsed``,
    citing ``dropout_registry_kept``'s article), never a refusal: a child's return to
    school is not refused, and the measures say nothing of what follows the period.
    ``dropped_on``: the day the dropout was approved (None where the registry cannot
    say: nothing is flagged).

    >>> import datetime as dt
    >>> from xueji.model import Student
    >>> from xueji.policy import ANHUI_2013, Stage
    >>> s = Student("S1", "A", "A-2", 2, Stage.PRIMARY, StudentStatus.DROPPED_OUT, "甲", "M",
    ...             dt.date(2019, 3, 1), "340104", dt.date(2025, 9, 1))
    >>> check_registry_kept(s, dropped_on=dt.date(2026, 11, 2), today=dt.date(2045, 9, 3),
    ...                     policy=ANHUI_2013).codes
    ('dropout.registry_lapsed',)
    """
    kept = policy.dropout_registry_kept
    until = None if dropped_on is None else registry_kept_until(student.grade, dropped_on, policy)
    c = Checks()
    c.rule(
        "dropout.registry_lapsed",
        until is None or today <= until,
        warn=True,
        article=kept.article,
        params=(
            ("dropout_registry_kept", kept),
            ("compulsory_grades", policy.compulsory_grades),
        ),
        student=student.id,
        grade=student.grade,
        dropped_on=dropped_on.isoformat() if dropped_on else "-",
        kept_until=until.isoformat() if until else "-",
        on=today.isoformat(),
    )
    return c.decision()


def check_reenrolment(student: Student, *, grade: int, policy: Policy) -> Decision:
    """Art 27(2), read with Arts 13-14: a dropout whose registry was not kept (one of
    the grades past ``compulsory_grades``: senior high) who comes back to school is
    enrolled anew on the same record and 学籍号 (one person, one number), into a grade
    of ``dropout_reentry_grades``. A dropout whose registry was kept comes back by
    :func:`check_return_from_dropout` instead (enrolling it is refused:
    ``dropout.registry_kept``, :func:`xueji.rules.enrolment.check_duplicate`).

    >>> import datetime as dt
    >>> from xueji.model import Student
    >>> from xueji.policy import ANHUI_2013, Stage
    >>> s = Student("S1", "H", "H-11", 11, Stage.SENIOR, StudentStatus.DROPPED_OUT, "甲",
    ...             "M", dt.date(2009, 3, 1), "340104", dt.date(2025, 9, 1))
    >>> check_reenrolment(s, grade=10, policy=ANHUI_2013).allowed
    True
    >>> check_reenrolment(s, grade=9, policy=ANHUI_2013).codes
    ('dropout.reentry_grade',)
    """
    grades = policy.dropout_reentry_grades
    c = Checks()
    c.rule(
        "dropout.reentry_grade",
        grade in grades.value,
        article=grades.article,
        params=(
            ("dropout_reentry_grades", grades),
            ("compulsory_grades", policy.compulsory_grades),
        ),
        student=student.id,
        left_grade=student.grade,
        grade=grade,
    )
    return c.decision()


def reentering(
    candidates: Iterable[Student],
    policy: Policy,
    *,
    grade: int | None = None,
    lapsed: Collection[str] = frozenset(),
) -> Student | None:
    """The record among ``candidates`` (the existing records of a person being
    enrolled) that an enrolment takes up again under Art 27(2): a dropout whose
    registry was not kept (:func:`keeps_registry`; ``lapsed`` as there), or, given the
    enrolment's ``grade``, a compulsory dropout continued into the next stage
    (:func:`continues_next_stage`); None if there is none."""
    found = [
        s
        for s in candidates
        if s.status is StudentStatus.DROPPED_OUT
        and (
            not keeps_registry(s, policy, lapsed=lapsed)
            or (grade is not None and continues_next_stage(s, grade, policy))
        )
    ]
    return found[-1] if found else None


DROPOUT_RECORD_FIELDS = ("school", "grade", "hukou_region", "migrant")
"""The facts of a student a dropout's request keeps in its payload from its approval
(:func:`dropout_record`): the Art 27(3) summary is made of them, not of the record as
it is at the term's end (the child may have come back and moved school since)."""


def dropout_record(student: Student) -> dict[str, str]:
    """The payload fields a dropout's approval adds to its request (Art 27(3)): the
    student's school, grade, 户籍 county and migrant flag as they are at the dropout
    (:data:`DROPOUT_RECORD_FIELDS`).

    >>> import datetime as dt
    >>> from xueji.policy import Stage
    >>> s = Student("S1", "A", "A-4", 4, Stage.PRIMARY, StudentStatus.REGISTERED, "x",
    ...             "M", dt.date(2018, 1, 1), "341221", dt.date(2024, 9, 1), migrant=True)
    >>> dropout_record(s)
    {'school': 'A', 'grade': '4', 'hukou_region': '341221', 'migrant': 'true'}
    """
    return {
        "school": student.school,
        "grade": str(student.grade),
        "hukou_region": student.hukou_region,
        "migrant": "true" if student.migrant else "false",
    }


def student_at_dropout(student: Student, request: Request, *, still_out: bool = False) -> Student:
    """``student`` as they were when ``request`` (an approved dropout) was approved:
    the school, grade, 户籍 and migrant flag its payload recorded then
    (:func:`dropout_record`), the rest as now. A dropout approved before those were
    recorded (data written before this change: the payload has none of them) gives
    the record as it is now, which is right unless the child has since come back and
    moved school, grade or 户籍.

    ``still_out``: the child is still dropped out on this dropout (its latest, the
    record in 辍学): the record as it is now, corrected since where it was (a migrant
    flag forgotten at entry, a 户籍 put right: Art 27(3) hands the child to its true
    户籍 county). The snapshot is for a child who came back, and may have moved, since.
    Found by the status review: such a child fell out of every summary."""
    kept = request.payload
    if still_out or not all(k in kept for k in DROPOUT_RECORD_FIELDS):
        return student
    return attrs.evolve(
        student,
        school=kept["school"],
        grade=int(kept["grade"]),
        hukou_region=kept["hukou_region"],
        migrant=kept["migrant"] == "true",
    )


@attrs.frozen
class MigrantDropout:
    """One line of the per-term summary handed to the 户籍 county (Art 27(3)).

    ``approved_on`` is the day the authority approved the dropout (the day the
    summary files it under: :func:`summary_span`), ``recorded_on`` the day the school
    recorded it (the request's opening; ``None`` where it is not known). An identity
    number in the name (a data-entry slip) is masked (Art 30): the summary is handed
    to another county."""

    student: str
    name: str = attrs.field(converter=mask_ids)
    school: str
    grade: int
    hukou_region: str
    approved_on: _dt.date
    recorded_on: _dt.date | None = None

    @property
    def dropped_on(self) -> _dt.date:
        """The former name of :attr:`approved_on` (it was always the approval day)."""
        return self.approved_on


def _in_a_term(day: _dt.date, policy: Policy) -> bool:
    """True if ``day`` is in one of the profile's ``terms`` (not in a break)."""
    for term in policy.terms.value:
        for year in (day.year - 1, day.year):
            first, last = term.dates(year)
            if first <= day <= last:
                return True
    return False


def filed_on(approved_on: _dt.date, policy: Policy) -> _dt.date:
    """The term day an Art 27(3) summary files a dropout approved on ``approved_on``
    under: that day, if it is in one of the profile's ``terms``; a day in a break
    between terms (the winter or the summer holidays), the first day of the term that
    follows. Every approval day is so in exactly one term's summary: the profile's
    terms leave the breaks out, and a dropout approved in one was in none.

    >>> from xueji.policy import ANHUI_2013
    >>> filed_on(_dt.date(2026, 10, 12), ANHUI_2013), filed_on(_dt.date(2027, 2, 3), ANHUI_2013)
    (datetime.date(2026, 10, 12), datetime.date(2027, 2, 15))
    """
    if _in_a_term(approved_on, policy):
        return approved_on
    return min(
        first
        for term in policy.terms.value
        for year in (approved_on.year, approved_on.year + 1)
        for first in (term.dates(year)[0],)
        if first > approved_on
    )


def summary_span(start: _dt.date, end: _dt.date, policy: Policy) -> tuple[_dt.date, _dt.date]:
    """The approval days the summary of the term ``start`` to ``end`` covers (Art
    27(3)): those :func:`filed_on` puts in it. For a term of the profile's ``terms``,
    every day from the day after the previous term's end to the term's end (the break
    before the term is in its summary), so the terms' summaries leave no day out and
    give none twice. A window of the caller's own that starts and ends inside terms is
    as given; one that ends in a break leaves the rest of the break to the next term.
    (``first > last`` for a window wholly in a break: it covers no day.)

    >>> from xueji.policy import ANHUI_2013
    >>> [d.isoformat() for d in summary_span(_dt.date(2027, 2, 15), _dt.date(2027, 7, 15), ANHUI_2013)]
    ['2027-02-01', '2027-07-15']
    """
    day = _dt.timedelta(days=1)
    first = start
    while filed_on(first - day, policy) >= start:  # the break before: at most a year
        first -= day
    last = end
    while last >= first and filed_on(last, policy) > end:
        last -= day
    return first, last


def migrant_dropout_summary(
    dropouts: Iterable[tuple[Student, _dt.date, _dt.date | None]],
    *,
    start: _dt.date,
    end: _dt.date,
    policy: Policy,
) -> dict[str, tuple[MigrantDropout, ...]]:
    """Art 27(3): the compulsory-education migrant children (随迁子女) who dropped out in
    a term (``start`` to ``end``, inclusive), grouped by the county of their 户籍, for
    the authority to hand to that county at the end of the term. ``dropouts`` are
    (student, the day the dropout was approved, the day it was recorded or ``None``).
    Each student is given as at the dropout (:func:`student_at_dropout`): the school,
    grade and 户籍 of the line are those of the day the child dropped out.

    A dropout is in the term by its approval day, a day in a break between the
    profile's ``terms`` counting in the term that follows (:func:`summary_span`):
    before, one approved in the winter or summer break was in no term's summary.

    "义务教育阶段" is read as ``policy.compulsory_grades`` (the grade the dropout left,
    as for :func:`keeps_registry`): a senior-high migrant dropout is not listed.
    Before, it was."""
    groups: dict[str, list[MigrantDropout]] = {}
    compulsory = policy.compulsory_grades.value
    first, last = summary_span(start, end, policy)
    for student, on, recorded in dropouts:
        if student.migrant and student.grade in compulsory and first <= on <= last:
            groups.setdefault(student.hukou_region, []).append(
                MigrantDropout(
                    student.id,
                    student.name,
                    student.school,
                    student.grade,
                    student.hukou_region,
                    on,
                    recorded,
                )
            )
    return {
        k: tuple(sorted(v, key=lambda d: (d.approved_on, d.student)))
        for k, v in sorted(groups.items())
    }
