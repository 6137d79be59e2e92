"""Enrolment rules (Arts 12-16): age, duplicates, photo, classes, deadlines.

>>> import datetime as dt
>>> from xueji.policy import ANHUI_2013
>>> check_age(dt.date(2020, 8, 31), entry_year=2026, policy=ANHUI_2013).allowed
True
>>> check_age(dt.date(2020, 9, 1), entry_year=2026, policy=ANHUI_2013).codes
('enrolment.too_young',)

Every rule records what it evaluated, allowing or not (:class:`~xueji.rules._base.Checks`),
so an allowed enrolment explains itself: the facts each rule looked at, the policy
parameters it read and their articles.

>>> print(check_age(dt.date(2020, 8, 31), entry_year=2026, policy=ANHUI_2013).explain().text("en"))
Decision: allowed (1 rule evaluated, 0 refused, 0 warned)
1. ✓ allow [enrolment.too_young] no registry for pre-school children — 皖教基〔2013〕20号 Art 14
   facts: cutoff=2026-08-31, age_at_cutoff=6, minimum=6
   parameter: school_entry_age = 6 (皖教基〔2013〕20号 Art 14)
   parameter: school_entry_age_cutoff = 08-31 (皖教基〔2013〕20号 Art 14)

No step shows a birth date (Art 30): the default mask of an identity number hides
exactly its birth date, and an enrolment's decision may show a masked number (the
duplicate step, an existing record's 学籍号). The age rule records the age at the
cutoff; the ID rule whether sex and birth date agree (``docs/privacy.md``).

Recording is lazy: a passing rule costs a tuple, and the steps are built only when
read (bulk imports decide a million rows and read no explanation).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Iterable

from dateutil.relativedelta import relativedelta

from xueji.decision import Decision
from xueji.ids import parse as parse_id
from xueji.ids import validate as validate_id
from xueji.model import School, SchoolClass, Student
from xueji.policy.model import Policy
from xueji.policy.values import Stage
from xueji.rules._base import Checks, full_years

__all__ = [
    "age_cutoff",
    "check_age",
    "check_class",
    "check_duplicate",
    "check_entry_deadline",
    "check_foreign_ids",
    "check_guardian_id",
    "check_id_agreement",
    "check_photo",
    "check_stage",
    "class_admits",
    "foreign_ids_taken",
    "guardian_fits",
    "id_agrees",
]


def age_cutoff(entry_date: _dt.date, policy: Policy) -> _dt.date:
    """The day Art 14's age is counted on for an entry on ``entry_date``: the cutoff
    (``school_entry_age_cutoff``) of the school year the student joins, which is the
    latest cutoff on or before the last day of the term the entry falls in (of
    ``terms``), or of the next term for an entry in a holiday; the latest cutoff on
    or before the entry date itself under a profile with no terms.

    Reading (Anhui's primary admission rule, 年满6周岁, 截至当年8月31日, "当年" the
    year of the intake): the cutoff, 31 August, falls between the spring term's end
    (15 July) and the autumn term's start (1 September), so the school year that
    starts that autumn counts the age on it: the autumn intake (1 September 2026) on
    31 August 2026, as before; an entry later in that school year (a February or
    March entry, in the spring term or the winter break before it) on the same day,
    not on the next 31 August, after the entry; an entry in the summer holiday (15
    August 2026) joins the coming school year, on 31 August 2026. Found by the
    enrolment review: a child 5 years 5 months old entered grade 1 in February 2027,
    counted at 31 August 2027, while a child a year older had been refused in
    September 2026. A term's last day, not its first, anchors it, so a calendar whose
    autumn term starts before the cutoff (25 August) reads the same.

    >>> from xueji.policy import ANHUI_2013
    >>> [age_cutoff(_dt.date(*d), ANHUI_2013).isoformat()
    ...  for d in ((2026, 9, 1), (2027, 2, 1), (2027, 6, 30), (2026, 8, 15))]
    ['2026-08-31', '2026-08-31', '2026-08-31', '2026-08-31']
    """
    day = policy.school_entry_age_cutoff.value
    anchor = entry_date
    ends = [
        last
        for term in policy.terms.value
        # (the terms starting the year before and the year of the entry; none past
        # the calendar's last year, whose term would end in year 10000)
        for year in range(
            max(entry_date.year - 1, _dt.MINYEAR), min(entry_date.year + 1, _dt.MAXYEAR)
        )
        for _, last in (term.dates(year),)
        if last >= entry_date
    ]
    if ends:
        anchor = min(ends)
    cutoff = day.in_year(anchor.year)
    if cutoff <= anchor or anchor.year == _dt.MINYEAR:
        return cutoff
    return day.in_year(anchor.year - 1)


def check_age(
    birth_date: _dt.date,
    *,
    entry_date: _dt.date | None = None,
    entry_year: int | None = None,
    policy: Policy,
    warn: bool = False,
) -> Decision:
    """Art 14: no registry for pre-school children: the student must be at least
    ``school_entry_age`` years old on the cutoff of the school year joined on
    ``entry_date`` (:func:`age_cutoff`: the latest ``school_entry_age_cutoff`` on or
    before it). ``entry_year`` instead of ``entry_date``: an autumn entry in that year,
    counted on that year's cutoff (as before; give ``entry_date`` for any other).

    The rule applies to every grade (a pre-school child cannot hold a registry in
    any grade); older students are never refused by it. Its step records the age at
    the cutoff, not the birth date (no decision shows one: Art 30, see the module).
    ``warn``: a failure warns instead of refusing (a corrected birth date, which a
    correction records as it is: :func:`xueji.rules.corrections.check_corrected_age`).
    """
    minimum, cutoff_day = policy.school_entry_age, policy.school_entry_age_cutoff
    if entry_date is not None:
        cutoff = age_cutoff(entry_date, policy)
    elif entry_year is not None:
        cutoff = cutoff_day.value.in_year(entry_year)
    else:
        raise TypeError("check_age needs entry_date (or entry_year)")
    age = full_years(birth_date, cutoff)
    c = Checks()
    c.check(
        "enrolment.too_young",
        age >= minimum.value,
        {
            "cutoff": cutoff,
            "age_at_cutoff": age,
            "minimum": minimum.value,
        },
        warn=warn,
        article=minimum.article,
        params=(("school_entry_age", minimum), ("school_entry_age_cutoff", cutoff_day)),
    )
    return c.decision()


def id_agrees(number: str, *, sex: str, birth_date: _dt.date) -> bool:
    """Whether the sex and birth date agree with a valid, normalised 18-character
    identity ``number``: :func:`check_id_agreement`'s test, without the decision (a
    bulk import asks it once per row and builds the decision only for a row that
    fails a rule). The parts are compared as text: no ResidentId is built.

    >>> id_agrees("11010519491231002X", sex="F", birth_date=_dt.date(1949, 12, 31))
    True
    >>> id_agrees("11010519491231002X", sex="M", birth_date=_dt.date(1949, 12, 31))
    False
    """
    return ("M" if int(number[16]) % 2 else "F") == sex and number[6:14] == (
        f"{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}"
    )


def check_id_agreement(
    id_number: str | None,
    *,
    sex: str,
    birth_date: _dt.date,
    today: _dt.date,
    validated: bool = False,
    code: str = "enrolment.id_mismatch",
) -> Decision:
    """Art 29: sex and birth date must agree with the identity number.

    A student with no identity number passes (nothing to compare); the step says so.
    An invalid number raises :class:`~xueji.errors.InvalidResidentId`. With
    ``validated`` the caller promises ``id_number`` is the normalised result of
    :func:`xueji.ids.validate` (the facade validates each row's number once, on
    input), and it is not validated again.

    The step records the sexes and whether the birth dates agree
    (``birth_date_agrees``), and on a refusal which fields disagree (``disagrees``):
    not the number, masked or not, nor either birth date. The default mask hides
    exactly the number's birth date, so the two shown together gave the whole number
    back (Art 30; found by the privacy review).

    >>> d = check_id_agreement("11010519491231002X", sex="F",
    ...     birth_date=_dt.date(1950, 1, 1), today=_dt.date(2026, 9, 1))
    >>> dict(d.violations[0].facts)
    {'has_id_number': 'True', 'sex': 'F', 'id_sex': 'F', 'birth_date_agrees': 'False', 'disagrees': 'birth_date'}
    """
    c = Checks()
    if id_number is None:
        c.check(code, True, {"has_id_number": False, "sex": sex})
        return c.decision()
    number = id_number if validated else validate_id(id_number, today=today)
    if id_agrees(number, sex=sex, birth_date=birth_date):
        facts: dict[str, object] = {
            "has_id_number": True,
            "sex": sex,
            "id_sex": sex,  # (they agree)
            "birth_date_agrees": True,
        }
        c.check(code, True, facts)
        return c.decision()
    rid = parse_id(number, today=today)
    dates_agree = rid.birth_date == birth_date
    disagrees = [
        f for f, same in (("sex", rid.sex == sex), ("birth_date", dates_agree)) if not same
    ]
    facts = {
        "has_id_number": True,
        "sex": sex,
        "id_sex": rid.sex,
        "birth_date_agrees": dates_agree,
        "disagrees": ",".join(disagrees),
    }
    c.check(code, False, facts)
    return c.decision()


def _foreign_fields(id_number: str | None, guardian_id: str | None) -> list[str]:
    """Which of the two numbers (validated and normalised) are a foreigner's permanent
    residence ID card's (2023 form: first character ``9``, which no GB/T 2260 address
    code has; :attr:`xueji.ids.ResidentId.foreign_permanent_resident`)."""
    return [
        field
        for field, number in (("id_number", id_number), ("guardian_id", guardian_id))
        if number is not None and number[:1] == "9"
    ]


def foreign_ids_taken(id_number: str | None, guardian_id: str | None, *, policy: Policy) -> bool:
    """:func:`check_foreign_ids`'s test, without the decision (a bulk row asks it)."""
    return policy.foreign_permanent_resident_ids.value or not _foreign_fields(
        id_number, guardian_id
    )


def check_foreign_ids(
    id_number: str | None, guardian_id: str | None, *, policy: Policy
) -> Decision:
    """Art 13 as the profile reads it (``foreign_permanent_resident_ids``): the number of
    a foreigner's permanent residence ID card of the 2023 form, given as the student's
    identity number or the guardian's, is taken as one only where the profile says so
    (Anhui: it is, a reading of Art 13, docs/ids.md). Before, that reading was the
    library's, a province reading Art 13 otherwise having to refuse the card before
    calling the registry (found by the identity-number review).

    Asked of the numbers an enrolment, a transfer in, a correction or a direct edit
    gives (validated and normalised): no step where neither is such a number, so an
    explanation under any profile lists the rule only where it decided something. The
    step names the fields (``fields``: ``id_number``, ``guardian_id``), not the numbers,
    and cites the parameter's article.

    >>> from xueji.policy import ANHUI_2013
    >>> card = "934840202003010012"
    >>> check_foreign_ids(card, None, policy=ANHUI_2013).allowed
    True
    >>> import attrs
    >>> from xueji.policy import Param
    >>> no = attrs.evolve(ANHUI_2013, foreign_permanent_resident_ids=Param(
    ...     False, ANHUI_2013.foreign_permanent_resident_ids.article))
    >>> d = check_foreign_ids(None, card, policy=no)
    >>> d.codes, dict(d.violations[0].facts)
    (('enrolment.foreign_id_not_accepted',), {'fields': 'guardian_id'})
    """
    fields = _foreign_fields(id_number, guardian_id)
    if not fields:
        return Decision.allow()
    accepted = policy.foreign_permanent_resident_ids
    c = Checks()
    c.rule(
        "enrolment.foreign_id_not_accepted",
        accepted.value,
        article=accepted.article,
        params=(("foreign_permanent_resident_ids", accepted),),
        fields=",".join(fields),
    )
    return c.decision()


def check_duplicate(
    candidates: Iterable[Student],
    *,
    continuing: bool,
    policy: Policy | None = None,
    with_id: bool = False,
    grade: int | None = None,
    lapsed: Collection[str] = frozenset(),
) -> Decision:
    """Art 14: no second registry for a student who has one.

    ``candidates`` are existing records of the same person (found by identity
    number, by registry number, or by guardian + name + birth date for a student
    without an identity number). A record that ended in graduation or completion may
    be continued into the next stage (Art 12: grades 7 and 10 keep the 学籍号) when
    ``continuing``; any other existing record is a duplicate. Voided records (entered
    in error) do not count. The explanation has one step per existing record, or one
    step saying there is none.

    With ``policy`` (a new enrolment, :meth:`~xueji.registry.Registry.enroll`) a
    dropout's record is read by Art 27(2): one whose registry was not kept (a grade
    past ``compulsory_grades``: senior high) is taken up again by the enrolment on the
    same 学籍号 (Art 13), its grade checked by
    :func:`~xueji.rules.changes.check_reenrolment`; one whose registry was kept is
    refused as ``dropout.registry_kept``, which says the student comes back by
    ``return_from_dropout``. Without it (a transfer in) a dropout is a duplicate.
    Two exceptions to the refusal (found by the status review): a ``continuing``
    enrolment into the entry ``grade`` of the stage after the one the dropout left
    takes the record up, as for a graduate (Art 12), where the profile's
    ``dropout_continues_next_stage`` says so
    (:func:`~xueji.rules.changes.continues_next_stage`); and a record named in
    ``lapsed`` (the years its registry was kept for have passed,
    :func:`~xueji.rules.changes.registry_lapsed`) keeps it no longer: it is taken up
    as a senior dropout's is (:func:`~xueji.rules.changes.check_reenrolment`).

    ``with_id``: the enrolment gives the student's own ID number. A record found
    without one (the child first enrolled by a guardian's ID alone, Art 13) is the
    same person: its refusal says (``use``) that the ID number is joined to that
    record by a key-field correction (:func:`xueji.numbers.link_resident_id`), not by
    a second registry.
    """
    from xueji.lifecycle.tables import StudentStatus as St
    from xueji.rules.changes import continues_next_stage, keeps_registry

    c = Checks()
    for s in candidates:
        facts: dict[str, object] = {
            "existing": s.id,
            "registry_number": s.registry_number or "-",
            "status": s.status.value,
            "school": s.school,
        }
        if policy is not None and s.status is St.DROPPED_OUT:
            kept = keeps_registry(s, policy, lapsed=lapsed)
            onward = (
                kept and continuing and grade is not None and continues_next_stage(s, grade, policy)
            )
            c.check(
                "dropout.registry_kept" if kept else "enrolment.duplicate",
                not kept or onward,
                {**facts, "grade": s.grade, "use": "return_from_dropout"} if kept else facts,
                params=(
                    ("compulsory_grades", policy.compulsory_grades),
                    ("dropout_continues_next_stage", policy.dropout_continues_next_stage),
                )
                if kept
                else (("compulsory_grades", policy.compulsory_grades),),
                seen={
                    "continuing": continuing,
                    "registry_kept": kept,
                    "lapsed": s.id in lapsed,
                    "next_stage": onward,
                },
            )
            continue
        kept = s.status is St.VOIDED or (continuing and s.status in (St.GRADUATED, St.COMPLETED))
        if with_id and s.id_number is None and not kept:
            facts["use"] = _LINK
        c.check("enrolment.duplicate", kept, facts, seen={"continuing": continuing})
    if not c.steps_recorded:
        c.check("enrolment.duplicate", True, {"existing": "-", "continuing": continuing})
    return c.decision()


_LINK = "request_correction id_number (link_resident_id)"
"""How an ID number reaches a record that has none (Art 13): a key-field correction of
``id_number``, which links the G number (:func:`xueji.numbers.link_resident_id`)."""


def _born_key(day: _dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def guardian_fits(guardian_id: str, *, id_number: str | None, birth_date: _dt.date) -> bool:
    """Whether a guardian's valid, normalised identity number can be a parent's or
    other legal guardian's (Art 13): not the student's own number, and of someone born
    before the student (:func:`check_guardian_id`'s test, without the decision).

    >>> guardian_fits("11010519491231002X", id_number=None, birth_date=_dt.date(2020, 3, 1))
    True
    >>> guardian_fits("11010519491231002X", id_number=None, birth_date=_dt.date(1949, 12, 31))
    False
    """
    return guardian_id != id_number and guardian_id[6:14] < _born_key(birth_date)


def check_guardian_id(
    guardian_id: str | None, *, id_number: str | None, birth_date: _dt.date
) -> Decision:
    """Art 13: a student with no identity number is identified by a parent's or other
    legal guardian's (以其父母或其他法定监护人的身份证号码为标识号), and the information
    reported is true (Art 14: no registry on false material). A "guardian's" number that
    is the student's own (typed into the wrong field), or whose holder was born on or
    after the student's birth date, is no guardian's: refused, so the child is not
    enrolled a second time under it later. ``guardian_id`` and ``id_number`` come
    validated and normalised. With no guardian's number, nothing is checked (no step).

    The step records whether the number is the student's own (``own_number``) and
    whether its holder was born before the student (``guardian_born_before``): neither
    number nor birth date (Art 30).

    >>> d = check_guardian_id("34010420200301001X", id_number="34010420200301001X",
    ...     birth_date=_dt.date(2020, 3, 1))
    >>> d.codes, dict(d.violations[0].facts)
    (('enrolment.guardian_id',), {'own_number': 'True', 'guardian_born_before': 'False'})
    """
    c = Checks()
    if guardian_id is None:
        return c.decision()
    own = guardian_id == id_number
    before = guardian_id[6:14] < _born_key(birth_date)
    c.check(
        "enrolment.guardian_id",
        not own and before,
        {"own_number": own, "guardian_born_before": before},
    )
    return c.decision()


def check_photo(
    photo_taken: _dt.date | None, *, grade: int, entry_year: int, policy: Policy
) -> Decision:
    """Art 12: every initial-grade student has a photo taken in the year of entry."""
    initial = policy.initial_grades
    ok = grade not in initial.value or (photo_taken is not None and photo_taken.year == entry_year)
    c = Checks()
    c.check(
        "enrolment.photo_missing",
        ok,
        {"grade": grade, "entry_year": entry_year, "photo_taken": photo_taken or "-"},
        article=initial.article,
        params=(("initial_grades", initial),),
    )
    return c.decision()


def check_stage(school: School, stage: Stage) -> Decision:
    """Art 2: the school teaches the student's stage."""
    c = Checks()
    c.check(
        "enrolment.stage_mismatch",
        stage in school.stages,
        {"school": school.code, "stage": stage},
    )
    return c.decision()


def check_class(
    klass: SchoolClass, *, school: str, grade: int, stage: Stage, size: int, policy: Policy
) -> Decision:
    """Art 16: a real class of this school and grade, with a head teacher, under its cap.

    ``size`` is the number of registries the class already holds (not counting the
    student being placed). A stage with no cap in the policy passes the cap rule.
    """
    caps = policy.class_size_caps
    cap = caps.value.get(stage)
    real, headed, placed, under_cap = _class_tests(klass, school, grade, size, cap)
    c = Checks()
    c.check("class.virtual", real, {"class_id": klass.id})
    c.check("class.no_head_teacher", headed, {"class_id": klass.id})
    c.check(
        "class.wrong_school",
        placed,
        {
            "class_id": klass.id,
            "school": school,
            "grade": grade,
            "class_school": klass.school,
            "class_grade": klass.grade,
        },
    )
    c.check(
        "class.full",
        under_cap,
        {"class_id": klass.id, "size": size, "cap": "-" if cap is None else cap},
        article=caps.article,
        params=(("class_size_caps", caps),),
        seen={"stage": stage},
    )
    return c.decision()


def _class_tests(
    klass: SchoolClass, school: str, grade: int, size: int, cap: int | None
) -> tuple[bool, bool, bool, bool]:
    """The four tests of :func:`check_class`: a real class, with a head teacher, of
    this school and grade, with room under ``cap`` (None: no cap)."""
    return (
        not klass.virtual,
        bool(klass.head_teacher.strip()),
        klass.school == school and klass.grade == grade,
        cap is None or size + 1 <= cap,
    )


def class_admits(
    klass: SchoolClass, *, school: str, grade: int, stage: Stage, size: int, policy: Policy
) -> bool:
    """Whether :func:`check_class` allows, without the decision (a bulk import asks
    once per row and builds the decision only for a row that fails a rule)."""
    return all(_class_tests(klass, school, grade, size, policy.class_size_caps.value.get(stage)))


def _months_after(day: _dt.date, months: int) -> _dt.date:
    """``day`` and ``months`` later, or the calendar's last day when that is past it."""
    try:
        return day + relativedelta(months=months)
    except (OverflowError, ValueError):
        return _dt.date.max


def check_entry_deadline(on: _dt.date, *, entry_date: _dt.date, policy: Policy) -> Decision:
    """Art 15: entry and review finish by ``new_student_deadline`` (30 September) of the
    entry year; a profile with ``registration_within_months`` (national: one month
    after entry) also checks that. Lateness is a warning (flagged for Art 32), never
    a refusal: a late student still gets a registry. A profile without one of the
    two parameters passes that rule (its step shows the parameter unset).
    """
    c = Checks()
    deadline = policy.new_student_deadline
    md = deadline.value
    due = md.in_year(entry_date.year) if md is not None else None
    if md is not None and due is not None and entry_date > due:
        # entered after the autumn deadline: next year's (none after the calendar's last
        # year: an entry date of 9999-12-31 raised "year 10000 is out of range")
        due = md.in_year(entry_date.year + 1) if entry_date.year < _dt.MAXYEAR else _dt.date.max
    c.check(
        "enrolment.late",
        due is None or on <= due,
        {"on": on, "deadline": due or "-"},
        warn=True,
        article=deadline.article,
        params=(("new_student_deadline", deadline),),
        seen={"entry_date": entry_date},
    )
    within = policy.registration_within_months
    months = within.value
    limit = _months_after(entry_date, months) if months is not None else None
    c.check(
        "enrolment.registration_late",
        limit is None or on <= limit,
        {"on": on, "entry_date": entry_date, "limit": limit or "-"},
        warn=True,
        article=within.article,
        params=(("registration_within_months", within),),
    )
    return c.decision()
