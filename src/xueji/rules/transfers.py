"""Transfer legality (Arts 20-25).

Pure checks over :class:`TransferFacts`. The city of a school is found through its
supervising-unit tree (Art 4), not guessed from codes: the highest unit below the
province, which for a county directly under the province (省直管县) is the county
itself; the city of a student's 户籍 is the first four digits of its GB/T 2260 code
(the only thing a 户籍 record gives), or the whole code for such a county.

Readings chosen:

* **Same-city school choice (Art 25(1)).** A student whose 户籍 is in the city of both
  the sending and the receiving school, moving for a reason other than a guardian's
  job move or a change of 户籍 or address (Art 20), is choosing a school: refused.
  A disabled student's move between a special-education school and 随班就读 is not
  (Art 20 names it; no ``TransferReason`` does, so the family gives ``other``): the
  step passes, saying why, and ``transfer.not_needed`` warns.
* **A 户籍 code no longer in use (Art 25(1)).** A code retired or changed since (巢湖's
  3414xx after 2011; 枞阳 340823, 安庆's until 2015 and 铜陵's since) says nothing of
  the city the 户籍 is in now, and no table of successors is guessed: on a same-city
  move for no listed reason the rule does not refuse on it and warns
  (``transfer.hukou_code_retired``, with the code's years) that the authority checks
  the current 户籍 city.
* **借读 into a senior high (Art 25(1)).** A transfer into a senior high of one city
  from a school of another city is flagged for verification of its material
  (warning ``transfer.verify_material``); material found false is refused. With the
  policy's ``false_material_bars_refiling`` (Anhui: true) a refusal on false material
  bars the same student's later filings into a senior high of that city from another
  city (``false_material_refusal``, the refused request, found by the registry):
  refused ``transfer.false_material`` naming it (Art 25: 一律不得办理); false lets a
  new filing be verified on its own material. A transfer in from another province or
  from abroad into a senior high is such a 借读 too (:func:`check_false_material_bar`):
  flagged for verification the same way.
* **Term window (Art 25(2)).** The policy's ``transfer_window`` and ``terms``. Inside
  a term but outside the window, a transfer needs a stated reason: a warning with
  one, a refusal without. Between terms, no warning. The window is read on the day
  the guardian applied (``applied_on``, Art 21: the request opens on it), the
  ``transfer_blackout`` (the system's closed days: one period or more, e.g. 寒假 and
  暑假) on the day the transfer is filed.
  Both hold for every kind of transfer (:func:`check_timing`): a
  transfer in from another province or from abroad (its ``stated_reason``) and a
  transfer out (its reason) as well as one within the province.
* **Grades closed to transfers.** The policy's ``transfer_closed_grades`` (Anhui:
  none; a province's 初三、高三年级原则上不办理转学): a transfer of a student in such a
  grade is refused ``transfer.closed_grade``, or, with
  ``transfer_closed_grades_with_reason`` and a reason stated in words, warned
  (:func:`check_closed_grade`). It holds for a transfer within the province, in from
  another province and out to another one; not for one from or to abroad. A profile
  that closes no grade has no such step in its explanations.
* **Special education <-> 随班就读 (Art 20).** Such a move 可不办理转学手续: with the
  policy's ``special_education_transfer_optional`` (Anhui: true) a transfer is not
  needed but may be made (warning ``transfer.not_needed``), so the registry can
  follow a family to another city (Art 21); false refuses it.
"""

from __future__ import annotations

import datetime as _dt

import attrs
from dateutil.relativedelta import relativedelta

from xueji import regions
from xueji.decision import Decision
from xueji.lifecycle.tables import StudentStatus
from xueji.model import Student, TransferReason
from xueji.policy.model import Policy
from xueji.policy.values import MonthDay, Stage, WindowReading
from xueji.rules._base import Checks

__all__ = [
    "TransferFacts",
    "blackout_around",
    "check_abroad",
    "check_applied_on",
    "check_closed_grade",
    "check_false_material_bar",
    "check_timing",
    "check_transfer",
    "in_transfer_window",
    "into_senior_from_elsewhere",
]


@attrs.frozen
class TransferFacts:
    """What a transfer decision looks at."""

    student: Student
    from_school: str
    to_school: str
    from_city: str  # the city unit of the sending school's authority tree
    to_city: str
    from_city_region: str  # that city's GB/T 2260 code
    to_city_region: str
    to_stages: frozenset[Stage]  # the stages the receiving school teaches
    from_special: bool  # the sending school is a special-education school
    to_special: bool
    reason: TransferReason
    stated_reason: str = ""
    material_false: bool = False  # the authority found the material false (Art 25)
    # a request of this student refused earlier on false material (Art 25) for a
    # transfer into a senior high of the receiving city (its id; "" if none)
    false_material_refusal: str = ""
    open_transfers: int = 0  # open transfer requests of this student
    # the region codes of the counties directly under the province in the unit tree
    # (省直管县): a 户籍 of one is that county's, not the prefecture's sharing its
    # first four digits (广德 341882 is not 宣城's, 341800)
    direct_counties: frozenset[str] = frozenset()


@attrs.frozen
class _SpecialSwitchNote:
    """Why the same-city choosing rule passes a move between special education and
    随班就读 (a :class:`~xueji.explain.Detail`): Art 20 names the move, whose article
    the step's parameter cites (re-cited under a profile like any parameter)."""

    def lines(self, lang: str) -> list[str]:
        """One line saying why the move is not school choosing."""
        if lang == "zh":
            return ["特教学校与随班就读之间的转换是参数所引条款所列的转学情形，不属择校"]
        return [
            "a move between a special-education school and 随班就读 is a transfer the "
            "parameter's article names: not school choosing"
        ]

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready form for programs."""
        return {"special_education_switch": True, "school_choice": False}


_SPECIAL_SWITCH = _SpecialSwitchNote()


def in_transfer_window(on: _dt.date, policy: Policy) -> tuple[bool, str]:
    """Whether ``on`` is a normal time for a transfer (Art 25(2)), and the term it is in.

    Returns (True, "") between terms.
    """
    window = policy.transfer_window.value
    span = relativedelta(months=window.months)
    for term in policy.terms.value:
        for year in (on.year - 1, on.year):
            first, last = term.dates(year)
            if not first <= on <= last:
                continue
            if window.reading is WindowReading.START_OR_END:
                ok = on <= first + span or on >= last - span
            else:
                ok = on <= last - span
            return ok, term.name
    return True, ""


def into_senior_from_elsewhere(
    to_stages: frozenset[Stage], stage: Stage, *, same_city: bool
) -> bool:
    """Art 25(1)'s 借读 case, the only transfer whose material it bars as false: a
    senior-high student into a senior high (``to_stages``) of a city from a school of
    another city (``same_city`` false; a transfer in from another province or from
    abroad comes from another city too).

    >>> into_senior_from_elsewhere(frozenset({Stage.SENIOR}), Stage.SENIOR, same_city=False)
    True
    >>> into_senior_from_elsewhere(frozenset({Stage.PRIMARY}), Stage.PRIMARY, same_city=False)
    False
    """
    return Stage.SENIOR in to_stages and stage is Stage.SENIOR and not same_city


def _same_city_prefix(
    region: str, city_region: str, direct_counties: frozenset[str] = frozenset()
) -> bool:
    """Whether 户籍 ``region`` is in the area of the city unit whose code is
    ``city_region``: a city's (a prefecture, ``XXYY00``) by its first four digits; a
    county directly under the province (省直管县, its own 市区), by its whole code. A
    code of ``direct_counties`` (the 省直管县 of the unit tree) is that county's only,
    not the prefecture's whose digits it shares (before, 广德's was read as 宣城's).

    >>> _same_city_prefix("340104", "340100"), _same_city_prefix("341802", "341882")
    (True, False)
    >>> _same_city_prefix("341882", "341800"), _same_city_prefix("341882", "341800", frozenset({"341882"}))
    (True, False)
    """
    if city_region[4:] == "00":
        return region[:4] == city_region[:4] and region not in direct_counties
    return region == city_region


def check_transfer(
    facts: TransferFacts, *, on: _dt.date, policy: Policy, applied_on: _dt.date | None = None
) -> Decision:
    """Every legality rule for an in-province transfer request filed on ``on``, its
    guardian having applied on ``applied_on`` (default ``on``): the term window reads
    that day (Art 25(2)), the blackout the filing day.

    Each rule is recorded as a step whether it passes or not, with the facts it
    looked at and the policy parameters it read, so ``.explain()`` of an allowed
    transfer still lists what was checked.
    """
    s = facts.student
    c = Checks()
    _check_registered(c, s)
    c.rule(
        "transfer.already_open",
        not facts.open_transfers,
        student=s.id,
        seen={"open_transfers": facts.open_transfers},
    )
    c.rule(
        "transfer.same_school",
        facts.from_school != facts.to_school,
        school=facts.to_school,
        seen={"from_school": facts.from_school},
    )
    special_switch = s.special_needs and facts.from_special != facts.to_special
    optional = policy.special_education_transfer_optional
    c.rule(
        "transfer.not_needed",
        not special_switch,
        warn=optional.value,
        article=optional.article,
        params=(("special_education_transfer_optional", optional),),
        student=s.id,
        from_school=facts.from_school,
        to_school=facts.to_school,
        seen={"special_needs": s.special_needs, "to_special": facts.to_special},
    )
    no_reason = facts.reason is TransferReason.OTHER and not facts.stated_reason.strip()
    c.rule(
        "transfer.reason_missing",
        not no_reason,
        student=s.id,
        seen={"reason": facts.reason.value, "stated_reason": facts.stated_reason or "-"},
    )
    same_city = facts.from_city == facts.to_city
    region = regions.table().get(s.hukou_region)
    retired = region is not None and not region.in_use(on.year)  # (a known code only)
    hukou_here = not retired and _same_city_prefix(
        s.hukou_region, facts.to_city_region, facts.direct_counties
    )
    # (shown where it decided: a 户籍 of a 省直管县 whose digits the city's share)
    direct = s.hukou_region in facts.direct_counties and facts.to_city_region[4:] == "00"
    # a move into or out of special education is one Art 20 names, not a choice of
    # school, though its reason is ``other`` (no TransferReason names it)
    choosing = (
        same_city and hukou_here and facts.reason is TransferReason.OTHER and not special_switch
    )
    c.rule(
        "transfer.same_city_choice",
        not choosing,
        student=s.id,
        city=facts.to_city,
        hukou_region=s.hukou_region,
        reason=facts.reason.value,
        params=(("special_education_transfer_optional", optional),) if special_switch else (),
        detail=_SPECIAL_SWITCH if special_switch else None,
        seen={
            "from_city": facts.from_city,
            "to_city_region": facts.to_city_region,
            "hukou_in_use": not retired,
            **({"hukou_direct_county": True} if direct else {}),
            **({"special_education_switch": True} if special_switch else {}),
        },
    )
    if (
        same_city
        and facts.reason is TransferReason.OTHER
        and not special_switch
        and region is not None
    ):
        # the question the code must answer: is this 户籍 of the city? (Art 25(1))
        c.rule(
            "transfer.hukou_code_retired",
            not retired,
            warn=True,
            student=s.id,
            city=facts.to_city,
            hukou_region=s.hukou_region,
            name=region.name,
            years=region.years,
            on=on.isoformat(),
        )
    into_senior = into_senior_from_elsewhere(facts.to_stages, s.stage, same_city=same_city)
    material_ok = _check_material(
        c,
        student=s.id,
        into_senior=into_senior,
        material_false=facts.material_false,
        refusal=facts.false_material_refusal,
        to_city=facts.to_city,
        policy=policy,
        seen={"stage": s.stage.value, "from_city": facts.from_city},
    )
    if into_senior and material_ok:  # 借读 into a senior high: verify the material
        c.rule(
            "transfer.verify_material",
            False,
            warn=True,
            student=s.id,
            from_city=facts.from_city,
            to_city=facts.to_city,
            seen={"false_material_refusal": facts.false_material_refusal or "-"},
        )
    _check_closed_grade(
        c, student=s.id, grade=s.grade, policy=policy, stated_reason=facts.stated_reason
    )
    _check_timing(c, on=on, policy=policy, stated_reason=facts.stated_reason, applied_on=applied_on)
    return c.decision()


def _check_material(
    c: Checks,
    *,
    student: str,
    into_senior: bool,
    material_false: bool,
    refusal: str,
    to_city: str,
    policy: Policy,
    seen: dict[str, object],
) -> bool:
    """Art 25(1): no 借读 into a senior high on false material, found now
    (``material_false``) or, under ``false_material_bars_refiling``, on an earlier
    refusal of the same transfer (``refusal``, the refused request's id)."""
    bar = policy.false_material_bars_refiling
    barred = bool(refusal) and bar.value
    facts: dict[str, object] = {"student": student, "to_city": to_city}
    if into_senior and barred:
        facts["refused"] = refusal  # (the refusal that bars it, named)
    return c.check(
        "transfer.false_material",
        not (into_senior and (material_false or barred)),
        facts,
        params=(("false_material_bars_refiling", bar),) if refusal else (),
        seen={**seen, "false_material_refusal": refusal or "-"},
    )


def check_false_material_bar(
    *,
    student: str,
    to_stages: frozenset[Stage],
    stage: Stage,
    to_city: str,
    refusal: str,
    policy: Policy,
    from_city: str = "-",
) -> Decision:
    """Art 25(1) on a transfer in from another province or from abroad into a senior
    high (from another city, always; ``from_city``: where it comes from, as given):
    refused ``transfer.false_material`` where an earlier filing of the same student
    into a senior high of ``to_city`` was refused on false material (``refusal``, its
    request's id) and the policy's ``false_material_bars_refiling`` holds; else warned
    ``transfer.verify_material``, as a move within the province from another city is
    (:func:`check_transfer`): its material may be found false (before, no warning said
    so). Evaluates nothing for another stage.

    >>> from xueji.policy import ANHUI_2013
    >>> check_false_material_bar(student="S1", to_stages=frozenset({Stage.SENIOR}),
    ...     stage=Stage.SENIOR, to_city="3401", refusal="R0000001", policy=ANHUI_2013).codes
    ('transfer.false_material',)
    >>> check_false_material_bar(student="S1", to_stages=frozenset({Stage.SENIOR}),
    ...     stage=Stage.SENIOR, to_city="3401", refusal="", policy=ANHUI_2013).codes
    ('transfer.verify_material',)
    """
    c = Checks()
    if into_senior_from_elsewhere(to_stages, stage, same_city=False) and _check_material(
        c,
        student=student,
        into_senior=True,
        material_false=False,
        refusal=refusal,
        to_city=to_city,
        policy=policy,
        seen={"stage": stage.value},
    ):
        c.rule(  # 借读 into a senior high: verify the material (as check_transfer)
            "transfer.verify_material",
            False,
            warn=True,
            student=student,
            from_city=from_city,
            to_city=to_city,
            seen={"false_material_refusal": refusal or "-"},
        )
    return c.decision()


def check_closed_grade(
    grade: int, *, policy: Policy, stated_reason: str = "", student: str = "-"
) -> Decision:
    """A transfer of a student in ``grade`` (a transfer in: the grade entered) under the
    policy's ``transfer_closed_grades``: refused ``transfer.closed_grade`` in a closed
    grade, or, where ``transfer_closed_grades_with_reason`` reads 原则上 so and a reason
    is stated in words, warned. No step where the policy closes no grade (Anhui).

    >>> import attrs
    >>> from xueji.policy import ANHUI_2013, Param
    >>> check_closed_grade(12, policy=ANHUI_2013).steps
    ()
    >>> closed = attrs.evolve(
    ...     ANHUI_2013, transfer_closed_grades=Param(frozenset({9, 12}), ANHUI_2013.terms.article)
    ... )
    >>> check_closed_grade(12, policy=closed).codes, check_closed_grade(11, policy=closed).codes
    (('transfer.closed_grade',), ())
    """
    c = Checks()
    _check_closed_grade(c, student=student, grade=grade, policy=policy, stated_reason=stated_reason)
    return c.decision()


def _check_closed_grade(
    c: Checks, *, student: str, grade: int, policy: Policy, stated_reason: str
) -> None:
    closed = policy.transfer_closed_grades
    if not closed.value:
        return  # (a profile that closes no grade: not a step of every explanation)
    with_reason = policy.transfer_closed_grades_with_reason
    stated = stated_reason.strip()
    c.rule(
        "transfer.closed_grade",
        grade not in closed.value,
        warn=with_reason.value and bool(stated),
        article=closed.article,
        params=(
            ("transfer_closed_grades", closed),
            ("transfer_closed_grades_with_reason", with_reason),
        ),
        student=student,
        grade=grade,
        stated_reason=stated_reason or "-",
    )


def check_timing(
    on: _dt.date,
    *,
    policy: Policy,
    stated_reason: str = "",
    applied_on: _dt.date | None = None,
) -> Decision:
    """When a transfer may be started (Art 25(2)): not filed (``on``) inside the
    policy's ``transfer_blackout``; applied for (``applied_on``, default ``on``: the
    day the guardian applied, Art 21) inside a term but outside its
    ``transfer_window``, only with a stated reason (a warning with one, a refusal
    without). Before, the window was read on the filing day. The same rules for every
    kind of transfer: :func:`check_transfer` applies them to a transfer within the
    province, the registry to a transfer in from another province or from abroad and
    to a transfer out (before, those were started on any day).

    >>> import datetime as dt
    >>> from xueji.policy import ANHUI_2013
    >>> check_timing(dt.date(2026, 11, 16), policy=ANHUI_2013).codes
    ('transfer.mid_term_no_reason',)
    >>> check_timing(dt.date(2026, 11, 16), policy=ANHUI_2013, stated_reason="随迁").codes
    ('transfer.mid_term',)
    """
    c = Checks()
    _check_timing(c, on=on, policy=policy, stated_reason=stated_reason, applied_on=applied_on)
    return c.decision()


def _check_timing(
    c: Checks,
    *,
    on: _dt.date,
    policy: Policy,
    stated_reason: str,
    applied_on: _dt.date | None = None,
) -> None:
    periods = policy.transfer_blackout.value or ()
    blackout_param = (("transfer_blackout", policy.transfer_blackout),)
    around = [blackout_around(on, period) for period in periods]
    holding = next(((a, b) for a, b in around if a <= on <= b), None)
    if holding is not None or len(around) == 1:
        # the period that holds the day, named in the refusal; of one period, the one
        # of the day's year (as before a profile could give more than one)
        start, end = holding or around[0]
        c.rule(
            "transfer.blackout",
            holding is None,
            article=policy.transfer_blackout.article,
            params=blackout_param,
            on=on.isoformat(),
            start=start.isoformat(),
            end=end.isoformat(),
        )
    elif around:
        c.rule(
            "transfer.blackout",
            True,
            article=policy.transfer_blackout.article,
            params=blackout_param,
            on=on.isoformat(),
            periods=", ".join(f"{a}..{b}" for a, b in periods),
        )
    else:
        c.rule(
            "transfer.blackout",
            True,
            article=policy.transfer_blackout.article,
            params=blackout_param,
            on=on.isoformat(),
        )
    applied = applied_on or on
    ok, term = in_transfer_window(applied, policy)
    window_params = (
        ("transfer_window", policy.transfer_window),
        ("terms", policy.terms),
    )
    stated = stated_reason.strip()
    c.rule(
        "transfer.mid_term" if ok or stated else "transfer.mid_term_no_reason",
        ok,
        warn=bool(stated),
        article=policy.transfer_window.article,
        params=window_params,
        on=applied.isoformat(),
        term=term or "-",
        stated_reason=stated_reason or "-",
    )


def blackout_around(on: _dt.date, blackout: tuple[MonthDay, MonthDay]) -> tuple[_dt.date, _dt.date]:
    """One blackout period (a period of ``transfer_blackout``, days of the year) as the
    dates that hold ``on``, or, if they do not, as the dates of ``on``'s year. A period
    whose end comes before its start in the year runs over the new year (``["12-25",
    "01-05"]``), as a term does: read within one year it was empty, and never applied.

    >>> from xueji.policy import MonthDay as M
    >>> blackout_around(_dt.date(2027, 1, 3), (M(12, 25), M(1, 5)))
    (datetime.date(2026, 12, 25), datetime.date(2027, 1, 5))
    >>> blackout_around(_dt.date(2026, 7, 15), (M(7, 1), M(8, 31)))
    (datetime.date(2026, 7, 1), datetime.date(2026, 8, 31))
    """
    first, last = blackout
    if (last.month, last.day) >= (first.month, first.day):
        return first.in_year(on.year), last.in_year(on.year)
    if (on.month, on.day) <= (last.month, last.day):  # in the part after the new year
        return first.in_year(on.year - 1), last.in_year(on.year)
    return first.in_year(on.year), last.in_year(on.year + 1)


def _check_registered(c: Checks, student: Student) -> None:
    """Art 21: only a registered (在籍) student transfers."""
    c.rule(
        "transfer.status",
        student.status is StudentStatus.REGISTERED,
        student=student.id,
        status=student.status.value,
    )


def check_abroad(
    student: Student, *, destination: str, leave_date: _dt.date | None, reason: str
) -> Decision:
    """Art 23: a cross-border transfer out states destination, date and reason."""
    c = Checks()
    _check_registered(c, student)
    c.rule(
        "transfer.abroad_details",
        bool(destination.strip()) and leave_date is not None and bool(reason.strip()),
        student=student.id,
        destination=destination or "-",
        reason=reason or "-",
        date=leave_date.isoformat() if leave_date else "-",
    )
    return c.decision()


def check_applied_on(
    applied_on: _dt.date, *, today: _dt.date, first_deadline: _dt.date, policy: Policy
) -> Decision:
    """Art 24 (each party "在20个工作日内完成"): the day an application reached the
    receiving school may be given (its 20 working days run from it), but not a day
    after today, nor one whose first stage's deadline (``first_deadline``) has
    already passed. Before, a date months back had the system approve all four stages
    by default the moment the request was filed, counted against parties that never
    saw it; a date in the future gave the receiving school a longer time limit.

    >>> import datetime as dt
    >>> from xueji.policy import ANHUI_2013
    >>> check_applied_on(dt.date(2026, 9, 1), today=dt.date(2026, 12, 1),
    ...                  first_deadline=dt.date(2026, 9, 29), policy=ANHUI_2013).codes
    ('transfer.applied_on',)
    """
    c = Checks()
    c.rule(
        "transfer.applied_on",
        applied_on <= today <= first_deadline,
        article=policy.transfer_stage_limit.article,
        params=(("transfer_stage_limit", policy.transfer_stage_limit),),
        applied_on=applied_on.isoformat(),
        today=today.isoformat(),
        deadline=first_deadline.isoformat(),
    )
    return c.decision()
