"""Approval stages (Arts 21, 24): who decides a stage, and when the system does.

>>> import datetime as dt
>>> from xueji.policy import ANHUI_2013, NATIONAL_2013
>>> check_overdue(dt.date(2026, 10, 29), today=dt.date(2026, 10, 30), policy=ANHUI_2013).allowed
True
>>> check_overdue(dt.date(2026, 10, 29), today=dt.date(2026, 10, 29), policy=ANHUI_2013).codes
('stage.not_overdue',)
>>> check_overdue(dt.date(2026, 10, 29), today=dt.date(2026, 11, 30), policy=NATIONAL_2013).codes
('stage.no_default',)
>>> from xueji.articles import anhui
>>> check_stage_has_default(
...     request="R1", kind="dropout", stage="at_authority", provided=False, article=anhui(27)
... ).codes
('stage.kind_no_default',)
"""

from __future__ import annotations

import datetime as _dt

from xueji.articles import Article
from xueji.decision import Decision
from xueji.model import Actor, ActorKind
from xueji.policy.model import Policy
from xueji.rules._base import Checks
from xueji.workdays import DeadlineExplanation

__all__ = ["check_overdue", "check_own_filing", "check_party", "check_stage_has_default"]


def check_party(
    actor: Actor,
    *,
    request: str,
    stage: str,
    party: str,
    party_is_school: bool,
    party_kind: ActorKind | None = None,
    central_school: str | None = None,
    article: Article | None = None,
) -> Decision:
    """Art 21: only the party a stage waits for decides it (a school for a school's
    stage, the school's 学籍主管单位 for an authority's stage). ``party_kind``, where
    known, is the party's own kind, which the actor's must be (a county actor under a
    city's code does not decide the city's stage). ``central_school``: the party is a
    分校, whose 学区中心校 manages its students (Art 7) and decides its stages as well.
    ``article``: the request's own (a suspension's Art 26), which a refusal cites;
    by default the catalogue's, Art 21 (before, every refusal cited it, whatever the
    request: found by the access review).

    >>> from xueji.model import Actor, ActorKind
    >>> county = Actor(ActorKind.COUNTY, "3401")
    >>> check_party(county, request="R1", stage="at_receiving_authority", party="3401",
    ...             party_is_school=False, party_kind=ActorKind.CITY).codes
    ('stage.wrong_party',)
    >>> check_party(Actor(ActorKind.SCHOOL, "Z"), request="R1", stage="at_sending_school",
    ...             party="Z1", party_is_school=True, central_school="Z").allowed
    True
    """
    kind_ok = (actor.kind is ActorKind.SCHOOL) == party_is_school
    if party_kind is not None:
        kind_ok = actor.kind is party_kind
    units = {party}
    if party_is_school and central_school:
        units.add(central_school)
    c = Checks()
    c.rule(
        "stage.wrong_party",
        kind_ok and actor.unit in units,
        article=article,
        request=request,
        stage=stage,
        party=party,
        actor=f"{actor.kind.value}:{actor.unit}",
        seen={"central_school": central_school} if central_school else None,
    )
    return c.decision()


def check_own_filing(
    filer: Actor, reviewer: Actor, *, kind: str, article: Article, subject: str = "-"
) -> Decision:
    """Art 31 (学籍信息由学校组织录入…市、县(区)教育行政部门…负责…审核审批), with the
    article of the request: the school files a new student (Art 15), a key-field
    correction (Art 29), a suspension or resumption (Art 26), a dropout (Art 27) or a
    senior-high graduation (Art 18), and its 学籍主管单位 reviews it; a school files a
    transfer (Arts 21-23), and the receiving and sending schools' authorities decide
    their stages. The filing and each decision are two units': ``filer`` (the unit
    that files, or filed, the request) is not ``reviewer`` (the unit whose stage it
    waits, or would wait, at), compared by code and kind. ``subject``: the request,
    or at a filing the school, the facts name. A unit above the authority (a city,
    for a county's school) may file; the county reviews. Reading (no text lets one
    unit do both; a default approval, Art 24, stands for the party's own decision, so
    the filer's stage is not approved by default either): docs/lifecycle.md.

    >>> from xueji.articles import anhui
    >>> county = Actor(ActorKind.COUNTY, "340104")
    >>> check_own_filing(county, county, kind="dropout", article=anhui(27)).codes
    ('stage.own_filing',)
    >>> check_own_filing(Actor(ActorKind.CITY, "3401"), county, kind="dropout",
    ...                  article=anhui(27)).allowed
    True
    """
    c = Checks()
    c.rule(
        "stage.own_filing",
        (filer.kind, filer.unit) != (reviewer.kind, reviewer.unit),
        article=article,
        kind=kind,
        filed_by=f"{filer.kind.value}:{filer.unit}",
        reviewer=f"{reviewer.kind.value}:{reviewer.unit}",
        subject=subject,
    )
    return c.decision()


def check_stage_has_default(
    *, request: str, kind: str, stage: str, provided: bool, article: Article
) -> Decision:
    """Art 24 provides default approval for the stages of a transfer only (in the
    province, across provinces and borders: Arts 21-23). Another request's review (a
    new student's, Art 15; a dropout's, Art 27; a suspension's or resumption's, Art 26;
    a correction's, Art 29; a senior-high graduation's, Art 18) waits for its authority
    however long it takes: its deadline, where it has one, only flags it as late.
    ``provided`` says whether the request's transition table has a default approval
    from ``stage``; the step cites ``article``: refused, the request kind's own;
    passed, the article providing transfers' default approval (the profile's
    ``transfer_default_approval``).
    """
    c = Checks()
    c.rule(
        "stage.kind_no_default",
        provided,
        article=article,
        request=request,
        kind=kind,
        stage=stage,
    )
    return c.decision()


def check_overdue(
    deadline: _dt.date | None,
    *,
    today: _dt.date,
    policy: Policy,
    computation: DeadlineExplanation | None = None,
    set_under: Policy | None = None,
) -> Decision:
    """Art 24: a stage is approved by default once ``today`` is past its deadline (the
    period ends at the end of the deadline day), where the policy provides for it.

    ``policy`` is the one in force on ``today``: it says whether default approval
    applies. ``set_under`` (default ``policy``) is the one the deadline was set
    under, in force the day the stage began (Art 33: a stage keeps the deadline it
    was given, whatever profile follows); the explanation cites its stage limit.
    ``computation`` (from :meth:`xueji.workdays.WorkdayCalendar.explain_add`) is how
    the deadline was counted; the explanation shows it: the working days counted,
    the holidays skipped and the make-up days counted.
    """
    limit = (set_under or policy).transfer_stage_limit
    c = Checks()
    provided = policy.transfer_default_approval
    if not c.rule(
        "stage.no_default",
        bool(provided.value),
        article=provided.article,
        params=(("transfer_default_approval", provided),),
    ):
        return c.decision()
    c.rule(
        "stage.not_overdue",
        deadline is not None and today > deadline,
        article=limit.article,
        params=(("transfer_stage_limit", limit),),
        detail=computation,
        deadline=deadline.isoformat() if deadline else "-",
        today=today.isoformat(),
    )
    return c.decision()
