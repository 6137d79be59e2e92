"""Transfers (Arts 20-25): the four-party chain, deadlines, default approval, legality."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.conftest import PROVINCE, START, D, Province, authority, make_id, school_actor
from xueji import registry
from xueji.articles import Article, anhui
from xueji.errors import CalendarNotCovered, CannotComplete, XuejiError
from xueji.explain import Verdict
from xueji.lifecycle import RequestState, StudentStatus
from xueji.model import Actor, Photo, School, SchoolClass, Student, TransferReason
from xueji.policy import ANHUI_2013, NATIONAL_2013, Param, Stage
from xueji.registry import DEFAULT_APPROVAL_NOTE
from xueji.storage.sql import SqlStore

A, B, W = school_actor("A"), school_actor("B"), school_actor("W")
WHY = "父母调往芜湖工作"
SHUSHAN, WUHU = authority("340104"), authority("340202")


def start_transfer(
    p: Province,
    student_id: str,
    to: str = "W",
    grade: int = 1,
    reason: TransferReason = TransferReason.JOB_MOVE,
    **kw: object,
):  # type: ignore[no-untyped-def]
    out = p.reg.request_transfer(
        school_actor(to),
        student_id,
        to_school=to,
        to_class=f"{to}-{grade}",
        reason=reason,
        **kw,  # type: ignore[arg-type]
    )
    return out


def test_art21_four_party_chain_in_order(province: Province) -> None:
    s = province.register("A", 1)
    out = start_transfer(province, s.id)
    assert out.allowed, out.decision
    req = out.request
    assert req is not None
    assert req.state is RequestState.AT_RECEIVING_SCHOOL
    steps = [
        (W, RequestState.AT_RECEIVING_AUTHORITY),
        (WUHU, RequestState.AT_SENDING_SCHOOL),
        (A, RequestState.AT_SENDING_AUTHORITY),
        (SHUSHAN, RequestState.APPROVED),
    ]
    for actor, expected in steps:
        # a party out of turn is refused and changes nothing
        if actor is not SHUSHAN:
            assert province.reg.approve(SHUSHAN, req.id).decision.codes == ("stage.wrong_party",)
        req = province.reg.approve(actor, req.id).request  # type: ignore[assignment]
        assert req is not None
        assert req.state is expected
    moved = province.reg.student(PROVINCE, s.id)
    assert (moved.school, moved.class_id, moved.status) == ("W", "W-1", StudentStatus.REGISTERED)
    # Art 21: the sending school keeps nothing
    assert [x.id for x in province.reg.students_of(PROVINCE, "A")] == []
    assert [x.id for x in province.reg.students_of(PROVINCE, "W")] == [s.id]


def test_art24_each_party_has_20_working_days_from_arrival(province: Province) -> None:
    s = province.register("A", 1)
    province.at(D(2026, 9, 25))
    req = start_transfer(province, s.id).request
    assert req is not None
    assert req.deadline == D(2026, 10, 29)  # 20 working days across National Day
    province.at(D(2026, 10, 12))
    req = province.reg.approve(W, req.id).request
    assert req is not None
    assert req.stage_since == D(2026, 10, 12)
    assert req.deadline == province.reg.calendar.add_working_days(D(2026, 10, 12), 20)


def test_art24_default_approval_when_a_party_lets_the_deadline_pass(province: Province) -> None:
    s = province.register("A", 1)
    province.at(D(2026, 9, 25))
    req = start_transfer(province, s.id).request
    assert req is not None
    province.at(D(2026, 10, 29))  # the last day: not yet overdue
    assert province.reg.advance_clock(Actor.system()) == []
    province.at(D(2026, 10, 30))
    changed = province.reg.advance_clock(Actor.system())
    assert [r.state for r in changed] == [RequestState.AT_RECEIVING_AUTHORITY]
    step = changed[0].history[-1]
    assert (step.event, step.on, step.note) == (
        "approve_by_default",
        D(2026, 10, 30),
        DEFAULT_APPROVAL_NOTE,
    )
    assert DEFAULT_APPROVAL_NOTE == "系统默认审批同意（第二十四条）"
    log = [e for e in province.reg.history(PROVINCE, req.id) if e.basis == DEFAULT_APPROVAL_NOTE]
    assert len(log) == 1
    # advancing the clock again changes nothing
    assert province.reg.advance_clock(Actor.system()) == []
    # a party acting after its stage was approved by default acts on the next stage only
    assert province.reg.reject(W, req.id).decision.codes == ("stage.wrong_party",)


def test_art24_a_default_approval_cites_the_profile_s_own_article() -> None:
    """Another province's profile: the record said "系统默认审批同意（第二十四条）", Anhui's
    article, whatever article the profile gave its default approval."""
    import attrs

    from xueji.articles import Article
    from xueji.policy import ANHUI_2013, Param
    from xueji.registry import default_approval_note

    own = attrs.evolve(
        ANHUI_2013,
        code="other",
        instrument="某教基〔2026〕1号",
        transfer_default_approval=Param(True, Article("某教基〔2026〕1号", 21)),
    )
    assert default_approval_note(own) == "系统默认审批同意（某教基〔2026〕1号 第二十一条）"
    item = attrs.evolve(
        own, transfer_default_approval=Param(True, Article("某教基〔2026〕1号", 21, item=2))
    )
    assert (
        default_approval_note(item) == "系统默认审批同意（某教基〔2026〕1号 第二十一条第（二）项）"
    )
    cited = attrs.evolve(
        own, transfer_default_approval=Param(True, Article("教基一〔2013〕7号", 14))
    )
    assert default_approval_note(cited) == "系统默认审批同意（教基一〔2013〕7号 第十四条）"
    # found by the review of the merged branches: Anhui's Art 24, taken from the base by
    # a profile of another instrument, was noted as if it were the profile's own
    inherited = attrs.evolve(own, transfer_default_approval=ANHUI_2013.transfer_default_approval)
    assert default_approval_note(inherited) == (
        "系统默认审批同意（皖教基〔2013〕20号 第二十四条（沿用 anhui-2013））"
    )
    p = Province(D(2026, 9, 1), policies=(own,))
    s = p.register("A", 1)
    p.at(D(2026, 9, 25))
    req = start_transfer(p, s.id).request
    assert req is not None
    p.at(D(2026, 10, 30))
    changed = p.reg.advance_clock(Actor.system())
    assert changed[0].history[-1].note == "系统默认审批同意（某教基〔2026〕1号 第二十一条）"
    assert [e.basis for e in p.reg.history(PROVINCE, req.id)][
        -1
    ] == "系统默认审批同意（某教基〔2026〕1号 第二十一条）"


def test_art24_a_party_too_late_is_refused_and_nothing_is_written(province: Province) -> None:
    """A party deciding after its deadline, before any sweep: the decision's own sweep
    approves the stage by default, the party is then the wrong one and refused, and
    the sweep's writes were kept (found by the state-machine test: "a refused command
    wrote something"). A refusal writes nothing now; the next sweep approves."""
    s = province.register("A", 1)
    province.at(D(2026, 9, 25))
    req = start_transfer(province, s.id).request
    assert req is not None
    province.at(D(2026, 10, 30))  # its deadline passed yesterday
    before = (province.reg.request(PROVINCE, req.id), len(province.log()))
    out = province.reg.reject(W, req.id)
    assert out.decision.codes == ("stage.overdue",)  # its own stage, past its deadline
    assert str(out.decision.violations[0].article).endswith("第二十四条")
    assert (province.reg.request(PROVINCE, req.id), len(province.log())) == before
    changed = province.reg.advance_clock(Actor.system())
    assert [r.state for r in changed] == [RequestState.AT_RECEIVING_AUTHORITY]


def test_art24_a_party_whose_stage_a_longer_sweep_passed_is_told_overdue(
    province: Province,
) -> None:
    """Found by the transfer review: a party whose stage the decision's own sweep
    approved by default, in a sweep that passed more than one stage, was refused
    ``stage.wrong_party`` (Art 21, "not your stage") where its own stage had passed its
    deadline: only the stage before the sweep and the one after were checked. Filed by
    W on 7 September, W's stage passed on 10 October; the receiving authority's (due 6
    November) passed too: deciding on 9 November it is told ``stage.overdue`` (Art 24)
    with its own stage's deadline, as when only its own stage was swept."""
    s = province.register("A", 3)
    province.at(D(2026, 9, 7))
    req = start_transfer(province, s.id, grade=3).request
    assert req is not None
    province.at(D(2026, 11, 9))
    before = (province.reg.request(PROVINCE, req.id), len(province.log()))
    out = province.reg.approve(WUHU, req.id)
    assert out.decision.codes == ("stage.overdue",)
    v = out.decision.violations[0]
    assert str(v.article).endswith("第二十四条")
    facts = dict(v.facts)
    assert facts["stage"] == RequestState.AT_RECEIVING_AUTHORITY.value
    assert facts["deadline"] == "2026-11-06"
    assert (province.reg.request(PROVINCE, req.id), len(province.log())) == before
    # the party of the stage it now waits at (school A) still decides it
    assert province.reg.approve(A, req.id).allowed


def test_art24_defaults_cascade_through_every_silent_party(province: Province) -> None:
    s = province.register("A", 1)
    req = start_transfer(province, s.id).request
    assert req is not None
    province.at(D(2027, 1, 4))  # the last deadline, 31 December, has passed
    changed = province.reg.advance_clock(Actor.system())
    assert changed[0].state is RequestState.APPROVED
    assert [h.event for h in changed[0].history[1:]] == ["approve_by_default"] * 4
    assert province.reg.student(PROVINCE, s.id).school == "W"


def test_art24_a_cascade_stops_at_a_stage_whose_last_day_is_today(province: Province) -> None:
    """A sweep on the next party's last day approves the overdue stage by default and
    leaves the next one open: that party still has today (Art 24). Found by the test
    review: a sweep cascading on ``deadline <= today`` passed every test."""
    s = province.register("A", 1)
    province.at(D(2026, 9, 25))
    req = start_transfer(province, s.id).request
    assert req is not None
    assert req.deadline == D(2026, 10, 29)
    # the receiving authority's stage starts the day after (30 October) and ends on
    # the 20th working day from there
    second = province.reg.calendar.add_working_days(D(2026, 10, 30), 20)
    assert second == D(2026, 11, 27)
    province.at(second)
    changed = province.reg.advance_clock(Actor.system())
    assert [r.state for r in changed] == [RequestState.AT_RECEIVING_AUTHORITY]
    assert [(h.event, h.on) for h in changed[0].history] == [
        ("open", D(2026, 9, 25)),
        ("approve_by_default", D(2026, 10, 30)),
    ]
    assert changed[0].deadline == second
    # the next day its stage is overdue too
    province.at(second + dt.timedelta(days=1))
    changed = province.reg.advance_clock(Actor.system())
    assert [r.state for r in changed] == [RequestState.AT_SENDING_SCHOOL]
    assert changed[0].history[-1].on == second + dt.timedelta(days=1)


def test_uncovered_year_fails_loudly_and_half_applies_nothing(province: Province) -> None:
    s = province.register("A", 1)
    province.at(D(2026, 12, 20))
    before = len(province.log())
    with pytest.raises(CalendarNotCovered) as err:  # the deadline would run into 2027
        start_transfer(province, s.id, stated_reason="随父母工作调动")
    assert err.value.year == 2027
    assert len(province.log()) == before
    # once 2027's schedule is loaded (here only New Year's Day, for the test) it works
    province.reg.calendar = province.reg.calendar.with_year(2027, [D(2027, 1, 1)])
    req = start_transfer(province, s.id, stated_reason="随父母工作调动").request
    assert req is not None
    assert req.deadline == province.reg.calendar.add_working_days(D(2026, 12, 20), 20)
    assert req.deadline.year == 2027


def test_art24_a_deadline_in_an_unloaded_year_holds_back_only_its_own_request(
    province: Province, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the analysts' review: a default approval whose next stage's deadline
    ran into a year without a holiday schedule (each December) rolled back the whole
    sweep, and a request overdue since October at its last stage waited too. That
    request stays at its stage (logged), the others go on, and once the year is
    loaded the next sweep approves it, dated the day after its deadline."""
    early, late = province.register("A", 1), province.register("A", 1)
    province.at(D(2026, 9, 10))
    first = start_transfer(province, early.id, stated_reason=WHY).request
    assert first is not None
    for actor in (W, WUHU, A):
        first = province.reg.approve(actor, first.id).request
        assert first is not None
    assert first.state is RequestState.AT_SENDING_AUTHORITY
    province.at(D(2026, 12, 1))
    second = start_transfer(province, late.id, stated_reason=WHY).request
    assert second is not None
    assert second.deadline == D(2026, 12, 29)
    province.at(D(2026, 12, 31))
    with caplog.at_level("WARNING", logger="xueji.registry"):
        changed = province.reg.advance_clock(Actor.system())
    assert [(r.id, r.state) for r in changed] == [(first.id, RequestState.APPROVED)]
    assert province.reg.student(PROVINCE, early.id).school == "W"
    held = province.reg.request(PROVINCE, second.id)
    assert held.state is RequestState.AT_RECEIVING_SCHOOL  # nothing written
    assert held.version == second.version
    assert second.id in caplog.text
    assert "2027" in caplog.text
    province.reg.calendar = province.reg.calendar.with_year(2027, [D(2027, 1, 1)])
    again = province.reg.advance_clock(Actor.system())
    assert [(r.id, r.history[-1].on) for r in again] == [(second.id, D(2026, 12, 30))]


def test_art24_a_stage_whose_default_approval_is_put_off_is_still_overdue(
    province: Province,
) -> None:
    """Found by the review: a stage past its deadline whose default approval was put
    off (the next stage's deadline runs into a year whose holiday schedule is not
    loaded) could still be decided by its party: the late receiving school rejected
    the transfer. The stage is approved by default once its deadline passes (Art 24):
    its party is refused (stage.overdue) and nothing is written; once the year is
    loaded the sweep approves it, dated the day after its deadline."""
    s = province.register("A", 1)
    province.at(D(2026, 11, 12))
    req = start_transfer(province, s.id, stated_reason=WHY).request
    assert req is not None
    assert req.deadline is not None
    province.at(req.deadline + dt.timedelta(days=3))
    assert province.reg.advance_clock(Actor.system()) == []  # put off: 2027 not loaded
    before = (province.reg.request(PROVINCE, req.id), len(province.log()))
    assert before[0].state is RequestState.AT_RECEIVING_SCHOOL
    for decide in (province.reg.reject, province.reg.approve):
        out = decide(W, req.id)
        assert out.decision.codes == ("stage.overdue",)
        assert dict(out.decision.violations[0].facts)["deadline"] == req.deadline.isoformat()
        assert str(out.decision.violations[0].article).endswith("第二十四条")
        assert (province.reg.request(PROVINCE, req.id), len(province.log())) == before
    # the next stage's party is not yet the one it waits for
    assert province.reg.approve(WUHU, req.id).decision.codes == ("stage.wrong_party",)
    province.reg.calendar = province.reg.calendar.with_year(2027, [D(2027, 1, 1)])
    changed = province.reg.advance_clock(Actor.system())
    assert [(r.id, r.state) for r in changed] == [(req.id, RequestState.AT_RECEIVING_AUTHORITY)]
    assert changed[0].history[-1].on == req.deadline + dt.timedelta(days=1)
    assert province.reg.reject(W, req.id).decision.codes == ("stage.wrong_party",)


def test_national_profile_cites_its_own_articles_in_the_log() -> None:
    """The national profile re-cites the steps whose national article it knows: a
    transfer's entries cite 教基一〔2013〕7号 Art 14, not Anhui's Art 21."""
    p = Province(D(2026, 9, 1), policies=(NATIONAL_2013,))
    s = p.register("A", 1)
    req = start_transfer(p, s.id, stated_reason=WHY).request
    assert req is not None
    for actor in (W, WUHU, A, SHUSHAN):
        assert p.reg.approve(actor, req.id).allowed
    bases = {e.command: e.basis for e in p.reg.history(PROVINCE, req.id)}
    assert bases["approve_transfer"] == "教基一〔2013〕7号 第十四条"
    moved = [e for e in p.reg.history(PROVINCE, s.id) if e.command == "transfer"]
    assert [e.basis for e in moved] == ["教基一〔2013〕7号 第十四条"]


def test_national_profile_has_no_default_approval() -> None:
    p = Province(D(2026, 9, 1), policies=(NATIONAL_2013,))
    s = p.register("A", 1)
    req = start_transfer(p, s.id).request
    assert req is not None
    assert req.deadline == p.reg.calendar.add_working_days(D(2026, 9, 1), 10)
    p.at(D(2026, 11, 30))
    assert p.reg.advance_clock(Actor.system()) == []
    assert p.reg.request(PROVINCE, req.id).state is RequestState.AT_RECEIVING_SCHOOL


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_art24_a_stage_decided_late_without_default_approval_is_flagged_and_reported(
    store: str, tmp_path: Path
) -> None:
    """Review (another province's engineer): under a profile with no default approval
    (national-2013), a transfer stage decided weeks after its deadline left no trace:
    no warning, and once the request moved on, nothing in the Art 32 report. The
    decision goes through, warned ``stage.overdue`` citing ``transfer_stage_limit``'s
    article, and the step keeps its deadline, so that ``detect`` reports it (charged
    to the stage's party) however far the request has gone."""
    db = SqlStore.sqlite(str(tmp_path / "r.db")) if store == "sqlite" else None
    p = Province(D(2026, 9, 1), policies=(NATIONAL_2013,), store=db)
    s = p.register("A", 1)
    req = start_transfer(p, s.id).request
    assert req is not None
    assert req.deadline is not None
    late_by = req.deadline + dt.timedelta(days=20)
    p.at(late_by)
    out = p.reg.approve(school_actor("W"), req.id)
    assert out.allowed
    assert out.decision.codes == ("stage.overdue",)
    (warned,) = out.decision.warnings
    assert str(warned.article) == "教基一〔2013〕7号 第十四条"
    facts = dict(warned.facts)
    assert facts["stage"] == "at_receiving_school"
    assert facts["deadline"] == req.deadline.isoformat()
    stored = p.reg.request(PROVINCE, req.id)
    assert stored.state is RequestState.AT_RECEIVING_AUTHORITY  # (it moved on)
    assert stored.history[-1].due == req.deadline
    # the next parties decide in time: no warning, nothing kept
    for actor in (authority("340202"), school_actor("A"), authority("340104")):
        step = p.reg.approve(actor, req.id)
        assert step.allowed, step.decision
        assert step.decision.codes == (), step.decision
    done = p.reg.request(PROVINCE, req.id)
    assert done.state is RequestState.APPROVED
    assert [e.due for e in done.history] == [None, req.deadline, None, None, None]
    late = [(f.kind, f.unit, f.on) for f in p.reg.detect(PROVINCE).findings]
    assert late == [("late_decision", "W", late_by)]
    (finding,) = p.reg.detect(PROVINCE).findings
    assert "at_receiving_school" in finding.detail
    assert "待转入学校审核" in finding.detail_zh


def test_art25_same_city_school_choice_refused(province: Province) -> None:
    s = province.register("A", 1, hukou_region="340104")
    out = start_transfer(
        province, s.id, to="B", reason=TransferReason.OTHER, stated_reason="想去更好的学校"
    )
    assert out.decision.codes == ("transfer.same_city_choice",)
    assert out.request is None
    # a move of home within the city is a legitimate reason (Art 20)
    ok = start_transfer(province, s.id, to="B", reason=TransferReason.ADDRESS_CHANGE)
    assert ok.allowed


def test_art25_a_pupil_of_another_city_moving_to_their_hukou_city_is_no_school_choice(
    province: Province,
) -> None:
    """Art 25(1) bars a school choice *within* the city: a pupil at 芜湖's W whose 户籍
    is 合肥's, moving to 合肥's A for a reason of their own, comes from another city
    and is not refused by it. Found by the test review: a rule reading the 户籍 alone
    (not the school the pupil leaves) passed every test."""
    s = province.register("W", 2, hukou_region="340104")
    out = start_transfer(
        province,
        s.id,
        to="A",
        grade=2,
        reason=TransferReason.OTHER,
        stated_reason="回户籍地就读",
    )
    assert out.allowed, out.decision
    assert out.decision.codes == ()
    assert out.request is not None
    step = next(st for st in out.decision.explain().steps if st.rule == "transfer.same_city_choice")
    assert step.verdict is Verdict.ALLOW


def test_art25_senior_high_from_another_city_needs_verified_material(province: Province) -> None:
    s = province.register("WH", 10, hukou_region="340202")
    out = province.reg.request_transfer(
        school_actor("H"), s.id, to_school="H", to_class="H-10", reason=TransferReason.JOB_MOVE
    )
    assert out.allowed
    assert out.decision.codes == ("transfer.verify_material",)
    assert out.request is not None
    province.reg.approve(school_actor("H"), out.request.id)
    refused = province.reg.decide_transfer(
        authority("3401"), out.request.id, approve=False, material_false=True
    )
    assert refused.request is not None
    assert refused.request.state is RequestState.REJECTED
    assert province.reg.student(PROVINCE, s.id).school == "WH"


def test_art25_mid_term_needs_a_stated_reason(province: Province) -> None:
    s = province.register("A", 1)
    province.at(D(2026, 11, 16))  # mid autumn term
    out = start_transfer(province, s.id)
    assert out.decision.codes == ("transfer.mid_term_no_reason",)
    ok = start_transfer(province, s.id, stated_reason="父母调往芜湖工作")
    assert ok.allowed
    assert ok.decision.codes == ("transfer.mid_term",)


def test_art25_window_reading_is_a_policy_parameter() -> None:
    from xueji.policy import ANHUI_2013
    from xueji.rules.transfers import in_transfer_window

    assert in_transfer_window(D(2026, 9, 20), ANHUI_2013) == (True, "秋季学期")
    assert in_transfer_window(D(2026, 11, 16), ANHUI_2013) == (False, "秋季学期")
    assert in_transfer_window(D(2027, 1, 10), ANHUI_2013) == (True, "秋季学期")
    assert in_transfer_window(D(2026, 8, 10), ANHUI_2013) == (True, "")
    # the ends of "one month" are in it: the term starts 1 September and ends 31
    # January, so 1 October and 31 December are the window's last and first days
    # (found by the test review: exclusive ends passed every test)
    assert in_transfer_window(D(2026, 10, 1), ANHUI_2013) == (True, "秋季学期")
    assert in_transfer_window(D(2026, 10, 2), ANHUI_2013) == (False, "秋季学期")
    assert in_transfer_window(D(2026, 12, 30), ANHUI_2013) == (False, "秋季学期")
    assert in_transfer_window(D(2026, 12, 31), ANHUI_2013) == (True, "秋季学期")


def test_national_blackout_refuses_new_transfers() -> None:
    p = Province(D(2026, 6, 1), policies=(NATIONAL_2013,))
    s = p.register("A", 1, birth=D(2019, 3, 1))
    p.at(D(2026, 7, 20))
    assert start_transfer(p, s.id).decision.codes == ("transfer.blackout",)


def _from_beijing(p: Province, **kw: object):  # type: ignore[no-untyped-def]
    """A girl born 2018-05-01 arriving in A-2 from Beijing with her G 学籍号."""
    born = D(2018, 5, 1)
    other = make_id(born, "F", region="110105")
    return p.reg.transfer_in(
        A,
        origin="北京市某小学",
        abroad=False,
        school="A",
        class_id="A-2",
        grade=2,
        name="外省生",
        sex="F",
        birth_date=born,
        hukou_region="110105",
        registry_number="G" + other,
        **kw,  # type: ignore[arg-type]
    )


def test_art25_a_transfer_in_keeps_the_term_window_and_the_blackout() -> None:
    """Art 25(2) holds for a transfer in from another province or from abroad as for
    one within the province: mid-term outside the window only with a stated reason
    (a warning, kept on the request), and none inside the national blackout ("no new
    transfer may be started"). Before, ``transfer_in`` was started on any day."""
    p = Province()
    p.at(D(2026, 11, 16))  # mid autumn term
    before = len(p.log())
    out = _from_beijing(p)
    assert out.decision.codes == ("transfer.mid_term_no_reason",)
    assert str(out.decision.violations[0].article).endswith("第二十五条第二款")
    assert out.request is None
    assert len(p.log()) == before  # nothing written
    ok = _from_beijing(p, stated_reason="父母调来合肥工作")
    assert ok.allowed, ok.decision
    assert ok.decision.codes == ("transfer.mid_term",)
    assert ok.request is not None
    assert ok.request.warnings == ("transfer.mid_term",)
    assert ok.request.payload["stated_reason"] == "父母调来合肥工作"
    national = Province(D(2026, 6, 1), policies=(NATIONAL_2013,))
    national.at(D(2026, 7, 20))  # 07-15..08-14
    refused = _from_beijing(national, stated_reason="父母调来合肥工作")
    assert refused.decision.codes == ("transfer.blackout",)
    national.at(D(2026, 8, 20))
    assert _from_beijing(national).allowed


def test_art25_a_transfer_out_keeps_the_term_window_and_the_blackout() -> None:
    """A transfer out of the province or abroad is a transfer too (Art 25(2)): none
    inside the national blackout; mid-term, its reason is the stated reason (a
    warning), and a transfer out of the province with none is refused. Before, both
    were started on any day."""
    national = Province(D(2026, 6, 1), policies=(NATIONAL_2013,))
    s = national.register("A", 1, birth=D(2019, 3, 1))
    national.at(D(2026, 7, 20))
    before = len(national.log())
    abroad = national.reg.request_cross_border_out(
        A, s.id, destination="新加坡", leave_date=D(2026, 8, 1), reason="随父母出国"
    )
    assert abroad.decision.codes == ("transfer.blackout",)
    out = national.reg.request_cross_province_out(
        A, s.id, to_school_name="江苏某小学", reason="随迁"
    )
    assert out.decision.codes == ("transfer.blackout",)
    assert (abroad.request, out.request) == (None, None)
    assert len(national.log()) == before
    p = Province()
    t, u = p.register("A", 1), p.register("A", 1)
    p.at(D(2026, 11, 16))  # mid autumn term
    gone = p.reg.request_cross_border_out(
        A, t.id, destination="新加坡", leave_date=D(2026, 12, 1), reason="随父母出国"
    )
    assert gone.decision.codes == ("transfer.mid_term",)
    assert gone.request is not None
    assert gone.request.warnings == ("transfer.mid_term",)
    bare = p.reg.request_cross_province_out(A, u.id, to_school_name="江苏某小学", reason=" ")
    assert bare.decision.codes == ("transfer.mid_term_no_reason",)
    said = p.reg.request_cross_province_out(A, u.id, to_school_name="江苏某小学", reason="随迁")
    assert said.decision.codes == ("transfer.mid_term",)
    assert said.request is not None


@pytest.mark.parametrize(
    ("day", "refused"),
    [
        (D(2025, 12, 24), False),
        (D(2025, 12, 25), True),
        (D(2025, 12, 28), True),
        (D(2026, 1, 3), True),
        (D(2026, 1, 5), True),
        (D(2026, 1, 6), False),
    ],
)
def test_art25_a_blackout_over_the_new_year_applies_on_both_sides(
    day: dt.date, refused: bool
) -> None:
    """``transfer_blackout = ["12-25", "01-05"]`` was read within one year (25 December
    to 5 January of the same year: no day) and never applied; it runs over the new
    year, as a term does."""
    import attrs

    from xueji.policy import ANHUI_2013, MonthDay, Param

    wrap = attrs.evolve(
        ANHUI_2013,
        transfer_blackout=Param(
            (MonthDay(12, 25), MonthDay(1, 5)), ANHUI_2013.transfer_blackout.article
        ),
    )
    p = Province(D(2025, 9, 1), policies=(wrap,))
    s = p.register("A", 1, birth=D(2018, 3, 1))
    p.at(day)
    codes = start_transfer(p, s.id).decision.codes
    assert ("transfer.blackout" in codes) is refused


def test_art20_special_education_to_regular_may_still_transfer(province: Province) -> None:
    """Art 20: such a move 可不办理转学手续 (need not go through a transfer). It was a
    refusal, so a disabled child of a Hefei special school whose family moved to Wuhu
    could never have the registry follow (only a transfer approval moves it; Art 21: the
    sending school keeps nothing). Anhui reads it as an exemption: a warning, and the
    transfer goes through."""
    s = province.register("SP", 1, special_needs=True)
    out = start_transfer(province, s.id, to="W")
    assert out.allowed, out.decision
    assert out.decision.codes == ("transfer.not_needed",)
    warning = out.decision.warnings[0]
    assert warning.article == ANHUI_2013.special_education_transfer_optional.article
    assert out.request is not None
    for actor in (W, WUHU, school_actor("SP"), SHUSHAN):
        assert province.reg.approve(actor, out.request.id).allowed
    moved = province.reg.student(PROVINCE, s.id)
    assert (moved.school, moved.class_id) == ("W", "W-1")
    # the other way, 随班就读 into a special school: also a warning, not a refusal
    t = province.register("A", 1, special_needs=True)
    back = province.reg.request_transfer(
        school_actor("SP"),
        t.id,
        to_school="SP",
        to_class="SP-1",
        reason=TransferReason.ADDRESS_CHANGE,
    )
    assert back.allowed
    assert back.decision.codes == ("transfer.not_needed",)


def test_art20_a_profile_may_read_it_as_not_a_transfer() -> None:
    """``special_education_transfer_optional = false``: the move is not handled by
    transfer, and the request is refused (the earlier behaviour), nothing filed."""
    strict = attrs.evolve(
        ANHUI_2013,
        special_education_transfer_optional=Param(
            False, ANHUI_2013.special_education_transfer_optional.article
        ),
    )
    p = Province(START, policies=(strict,))
    s = p.register("SP", 1, special_needs=True)
    out = start_transfer(p, s.id, to="W")
    assert not out.allowed
    assert out.decision.codes == ("transfer.not_needed",)
    assert out.request is None
    # a student without special needs, or a move between ordinary schools, is untouched
    t = p.register("A", 1, special_needs=True)
    assert start_transfer(p, t.id, to="W").allowed


def test_art20_same_city_special_education_switch_is_not_school_choosing(
    province: Province,
) -> None:
    """Art 20 names a move between a special-education school and 随班就读 as a
    legitimate one; a local-户籍 family (合肥 340104) moving its child within the city
    gives no job move or change of 户籍 (``TransferReason`` has no value for it), so
    it gives ``other``. That was refused ``transfer.same_city_choice`` (Art 25); it is
    not school choosing: the transfer proceeds with the warning ``transfer.not_needed``
    (Art 20), and the choosing step says why it passed."""
    s = province.register("A", 3, special_needs=True)
    into = province.reg.request_transfer(
        school_actor("SP"),
        s.id,
        to_school="SP",
        to_class="SP-3",
        reason=TransferReason.OTHER,
        stated_reason="转入特教学校就读",
    )
    assert into.allowed, into.decision
    assert into.decision.codes == ("transfer.not_needed",)
    step = next(x for x in into.decision.steps if x.rule == "transfer.same_city_choice")
    assert step.verdict is Verdict.ALLOW
    # (the receiving school may not read the record: its facts are not told; the
    # parameter and the note say why the step passed)
    assert step.detail is not None
    art20 = ANHUI_2013.special_education_transfer_optional.article
    assert [u.article for u in step.params] == [art20]
    text = into.decision.explain().text("en")
    assert "not school choosing" in text
    assert "Art 20" in text
    # and out of special education, back into an ordinary school of the city
    t = province.register("SP", 3, special_needs=True)
    out = province.reg.request_transfer(
        A,
        t.id,
        to_school="A",
        to_class="A-3",
        reason=TransferReason.OTHER,
        stated_reason="随班就读",
    )
    assert out.allowed, out.decision
    assert out.decision.codes == ("transfer.not_needed",)
    # a student without special needs moving between the same schools is still choosing
    u = province.register("A", 3)
    plain = province.reg.request_transfer(
        school_actor("SP"),
        u.id,
        to_school="SP",
        to_class="SP-3",
        reason=TransferReason.OTHER,
        stated_reason="择校",
    )
    assert plain.decision.codes == ("transfer.same_city_choice",)


def test_suspended_student_cannot_transfer_and_one_open_transfer(province: Province) -> None:
    s = province.register("A", 1)
    assert start_transfer(province, s.id).allowed
    assert start_transfer(province, s.id).decision.codes == ("transfer.already_open",)
    t = province.register("A", 1)
    req = province.reg.suspend(A, t.id, "病休").request
    assert req is not None
    province.reg.approve(SHUSHAN, req.id)
    assert start_transfer(province, t.id).decision.codes == ("transfer.status",)


def test_art22_cross_province_in_by_registry_number(province: Province) -> None:
    born = D(2018, 5, 1)
    other = make_id(born, "F", region="110105")
    out = province.reg.transfer_in(
        school_actor("A"),
        origin="北京市某小学",
        abroad=False,
        school="A",
        class_id="A-2",
        grade=2,
        name="外省生",
        sex="F",
        birth_date=born,
        hukou_region="110105",
        registry_number="G" + other,
        id_number=other,
    )
    assert out.allowed, out.decision
    assert out.request is not None
    assert out.student is not None
    assert out.student.status is StudentStatus.PENDING_REVIEW
    province.reg.approve(A, out.request.id)
    done = province.reg.approve(SHUSHAN, out.request.id)
    assert done.student is not None
    assert done.student.status is StudentStatus.REGISTERED
    assert done.student.registry_number == "G" + other
    missing = province.reg.transfer_in(
        A,
        origin="x",
        abroad=False,
        school="A",
        class_id="A-2",
        grade=2,
        name="x",
        sex="F",
        birth_date=born,
        hukou_region="110105",
        id_number=make_id(born, "F"),
    )
    assert missing.decision.codes == ("transfer.cross_province_number",)


def from_jiangsu(p: Province, number: str, **kw: object):  # type: ignore[no-untyped-def]
    """A boy born 2020-03-01 arriving in A-1 from Jiangsu with his 学籍号 ``number``."""
    return p.reg.transfer_in(
        A,
        origin="江苏省某小学",
        abroad=False,
        school="A",
        class_id="A-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        registry_number=number,
        photo=Photo(p.today(), "sha256:x"),
        **kw,  # type: ignore[arg-type]
    )


def test_art13_cross_province_g_number_takes_its_id_number(province: Province) -> None:
    """A G 学籍号 is G and the student's ID number: the record kept no ID number when
    none was given, and the same child was then enrolled again by it (two students
    answering to one number). The ID number is now taken from the 学籍号."""
    own = make_id(D(2020, 3, 1))
    out = from_jiangsu(province, "g" + own[:-1] + own[-1].lower())  # normalised
    assert out.allowed, out.decision
    assert out.student is not None
    assert out.student.id_number == own
    assert out.student.registry_number == "G" + own
    assert out.student.numbers is not None
    assert out.student.numbers.id_number == own
    again = province.reg.enroll(
        school_actor("B"),
        school="B",
        class_id="B-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        id_number=own,
        photo=Photo(province.today(), "x"),
    )
    assert "enrolment.duplicate" in again.decision.codes
    # the ID number under the 学籍号 is checked as an enrolment's: a girl's is refused
    girl = make_id(D(2020, 3, 1), "F")
    assert "enrolment.id_mismatch" in from_jiangsu(province, "G" + girl).decision.codes


def test_art13_cross_province_g_number_of_another_id_is_refused(province: Province) -> None:
    """A given ID number that is not the one in the G 学籍号 would give the record one
    person's number and another's 学籍号: refused as bad input, nothing written, the
    numbers masked in the message. The same number spelled otherwise is no conflict."""
    own, other = make_id(D(2020, 3, 1)), make_id(D(2020, 3, 1))
    before = len(province.log())
    with pytest.raises(XuejiError) as e:
        from_jiangsu(province, "G" + own, id_number=other)
    assert e.value.code == "command.bad_input"
    assert "第十三条" in e.value.message_zh
    assert "Art 13" in e.value.message_en
    assert own not in str(e.value)
    assert other not in str(e.value)
    assert len(province.log()) == before
    assert province.reg.students_of(A, "A") == []
    x = next(n for k in range(499) if (n := make_id(D(2020, 3, 1), n=k)).endswith("X"))
    same = from_jiangsu(province, "G" + x, id_number=" " + x.lower())
    assert same.allowed, same.decision
    assert same.student is not None
    assert same.student.id_number == x


def test_art14_cross_province_g_number_finds_the_holder_of_its_id(province: Province) -> None:
    """One registry per person: a student here holding the ID number under the G
    学籍号 (arrived earlier with another province's J number and the ID number) is
    found, though the record does not answer to the G number."""
    own = make_id(D(2020, 3, 1))
    first = from_jiangsu(province, "J" + make_id(D(2020, 3, 1), region="320102"), id_number=own)
    assert first.allowed, first.decision
    assert first.student is not None
    again = from_jiangsu(province, "G" + own)
    assert again.decision.codes == ("enrolment.duplicate",)
    facts = dict(again.decision.violations[0].facts)
    assert facts["existing"] == first.student.id


def test_art22_cross_province_out_is_approved_here(province: Province) -> None:
    s = province.register("A", 1)
    req = province.reg.request_cross_province_out(
        A, s.id, to_school_name="江苏某小学", reason="随父母"
    ).request
    assert req is not None
    province.reg.approve(A, req.id)
    province.reg.approve(SHUSHAN, req.id)
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.CROSS_PROVINCE_OUT


def test_art23_cross_border_out_needs_details_and_return_continues_the_record(
    province: Province,
) -> None:
    s = province.register("A", 1)
    bad = province.reg.request_cross_border_out(
        A, s.id, destination="", leave_date=None, reason="出国"
    )
    assert bad.decision.codes == ("transfer.abroad_details",)
    req = province.reg.request_cross_border_out(
        A, s.id, destination="新加坡", leave_date=D(2026, 10, 1), reason="随父母出国"
    ).request
    assert req is not None
    assert req.payload["destination"] == "新加坡"
    province.reg.approve(A, req.id)
    province.reg.approve(SHUSHAN, req.id)
    assert province.reg.student(PROVINCE, s.id).status is StudentStatus.CROSS_BORDER_OUT
    back = province.reg.transfer_in(
        school_actor("B"),
        origin="新加坡",
        abroad=True,
        school="B",
        class_id="B-1",
        grade=1,
        name=s.name,
        sex=s.sex,
        birth_date=s.birth_date,
        hukou_region=s.hukou_region,
        registry_number=s.registry_number,
        id_number=s.id_number,
    )
    assert back.allowed, back.decision
    assert back.student is None  # not B's to read until the return is approved (Art 28)
    assert back.request is not None
    assert back.request.student == s.id  # the earlier record continues
    province.reg.approve(school_actor("B"), back.request.id)
    province.reg.approve(SHUSHAN, back.request.id)
    again = province.reg.student(PROVINCE, s.id)
    assert (again.status, again.school) == (StudentStatus.REGISTERED, "B")


def test_art23_cross_border_in_without_a_record_gets_one(province: Province) -> None:
    born = D(2019, 2, 2)
    out = province.reg.transfer_in(
        A,
        origin="香港",
        abroad=True,
        school="A",
        class_id="A-1",
        grade=1,
        name="境外生",
        sex="M",
        birth_date=born,
        hukou_region="340104",
        id_number=make_id(born),
    )
    assert out.student is not None
    assert out.student.registry_number is not None
    assert out.student.registry_number.startswith("G")


def test_art22_23_a_transfer_in_logs_its_registration_citing_its_own_article() -> None:
    """Found by the transfer review: the entry that registers a student transferred in
    from another province or from abroad cited 第十五条 (Art 15, the new student's
    review), the student table's ``approve`` row. It cites the request's article (Art
    22, Art 23; under a profile, as the profile cites the request), and the Art 32
    report does not read it as a late new student's entry (filed and approved after 30
    September, the new students' deadline)."""
    p = Province(D(2026, 11, 2))
    inn = _from_beijing(p, stated_reason="随父母工作调动")
    assert inn.allowed, inn.decision
    assert inn.request is not None
    p.reg.approve(A, inn.request.id)
    p.reg.approve(SHUSHAN, inn.request.id)
    born = D(2019, 2, 2)
    home = p.reg.transfer_in(
        A,
        origin="香港",
        abroad=True,
        school="A",
        class_id="A-1",
        grade=1,
        name="境外生",
        sex="M",
        birth_date=born,
        hukou_region="340104",
        id_number=make_id(born),
        stated_reason="随父母回国",
    )
    assert home.request is not None
    p.reg.approve(A, home.request.id)
    p.reg.approve(SHUSHAN, home.request.id)
    registered = {
        e.subject: e.basis
        for e in p.log()
        if e.command == "transfer_in" and e.after.get("status") == "registered"
    }
    assert registered == {
        inn.request.student: "皖教基〔2013〕20号 第二十二条",
        home.request.student: "皖教基〔2013〕20号 第二十三条",
    }
    assert "late_entry" not in {f.kind for f in p.reg.detect(PROVINCE).findings}
    # under a profile that cites the request kind otherwise, that citation
    own = attrs.evolve(
        ANHUI_2013, code="cited", citations={"cross_province_in": Article("某规定", 9)}
    )
    q = Province(D(2026, 11, 2), policies=(own,))
    again = _from_beijing(q, stated_reason="随父母工作调动")
    assert again.request is not None
    q.reg.approve(A, again.request.id)
    q.reg.approve(SHUSHAN, again.request.id)
    (basis,) = (
        e.basis
        for e in q.log()
        if e.command == "transfer_in" and e.after.get("status") == "registered"
    )
    assert basis == "某规定 第九条"


@pytest.mark.parametrize("grade", [1])
def test_transfer_refused_changes_nothing(province: Province, grade: int) -> None:
    s = province.register("A", grade, hukou_region="340104")
    before = len(province.log())
    assert not start_transfer(province, s.id, to="A").allowed
    assert len(province.log()) == before
    assert province.reg.student(PROVINCE, s.id) == s


def test_stage_decisions_are_by_the_right_party_only(province: Province) -> None:
    s = province.register("A", 1)
    req = start_transfer(province, s.id).request
    assert req is not None
    assert province.reg.approve(A, req.id).decision.codes == ("stage.wrong_party",)
    assert province.reg.approve(authority("340202"), req.id).decision.codes == (
        "stage.wrong_party",
    )
    assert province.reg.request(PROVINCE, req.id).version == req.version
    _ = dt, Stage


def test_only_the_opener_withdraws_a_request(province: Province) -> None:
    s = province.register("A", 1)
    req = start_transfer(province, s.id).request
    assert req is not None
    assert province.reg.withdraw(A, req.id).decision.codes == ("stage.wrong_party",)
    out = province.reg.withdraw(W, req.id, "家长撤回")
    assert out.request is not None
    assert out.request.state is RequestState.WITHDRAWN
    assert province.reg.student(PROVINCE, s.id).school == "A"
    assert start_transfer(province, s.id).allowed  # no open transfer any more


def test_art24_a_request_the_record_no_longer_allows_does_not_stop_the_sweep(
    province: Province,
) -> None:
    """Found by the rules audit: a transfer left open while its student dropped out
    (recorded before this release refused it, or written by another system) made its
    last approval fail with a lifecycle error, and the error stopped the whole sweep,
    so no other student's default approval was ever recorded. Now that request is
    left open (nothing written, ``request.cannot_complete`` on a manual approval) and
    the sweep goes on with the others."""
    stuck, other = province.register("A", 1), province.register("B", 1)
    r1 = start_transfer(province, stuck.id).request
    r2 = start_transfer(province, other.id).request
    assert r1 is not None
    assert r2 is not None
    for actor in (W, WUHU, A):  # the first one's chain up to its last stage
        assert province.reg.approve(actor, r1.id).allowed
    with province.store.unit_of_work() as uow:  # the record changed behind its back
        s = uow.students.get(stuck.id)
        uow.students.update(
            attrs.evolve(s, status=StudentStatus.DROPPED_OUT, version=s.version + 1)
        )
    before = len(province.log())
    with pytest.raises(CannotComplete) as err:
        province.reg.approve(SHUSHAN, r1.id)
    assert err.value.code == "request.cannot_complete"
    assert r1.id in err.value.message_zh
    assert "reject or withdraw" in err.value.message_en
    assert len(province.log()) == before
    assert province.reg.request(PROVINCE, r1.id).state is RequestState.AT_SENDING_AUTHORITY

    province.at(D(2027, 1, 4))  # every deadline has passed
    changed = province.reg.advance_clock(Actor.system())
    assert [r.id for r in changed] == [r2.id]
    assert changed[0].state is RequestState.APPROVED
    assert province.reg.student(PROVINCE, other.id).school == "W"
    assert province.reg.request(PROVINCE, r1.id).state is RequestState.AT_SENDING_AUTHORITY
    assert province.reg.reject(SHUSHAN, r1.id).allowed  # a person ends it
    assert province.reg.advance_clock(Actor.system()) == []


def test_art24_an_application_date_may_not_outrun_the_time_limits(province: Province) -> None:
    """Found by the rules audit: ``applied_on`` months back had all four stages approved
    by default the moment the transfer was filed (against parties that never saw it),
    and one in the future lengthened the receiving school's time limit."""
    s = province.register("A", 1)
    province.at(D(2026, 12, 1))  # mid-term: the reason is stated
    before = len(province.log())
    stale = start_transfer(province, s.id, applied_on=D(2026, 9, 1), stated_reason=WHY)
    assert [v.code for v in stale.decision.violations] == ["transfer.applied_on"]
    assert stale.request is None
    future = start_transfer(province, s.id, applied_on=D(2026, 12, 20), stated_reason=WHY)
    assert [v.code for v in future.decision.violations] == ["transfer.applied_on"]
    assert len(province.log()) == before
    # within the receiving school's 20 working days: its deadline counts from that day
    ok = start_transfer(province, s.id, applied_on=D(2026, 11, 20), stated_reason=WHY)
    assert ok.allowed, ok.decision
    assert ok.request is not None
    assert ok.request.state is RequestState.AT_RECEIVING_SCHOOL
    assert ok.request.deadline == province.reg.calendar.add_working_days(D(2026, 11, 20), 20)


def test_art32_a_filing_dated_its_application_day_records_the_day_it_ran(
    province: Province,
) -> None:
    """Found by the second rollover review (Arts 31, 32): a transfer filed with an
    ``applied_on`` before today (or a transfer in from another province) dated its
    opening entry that day and recorded nothing, so the latest day the registry had
    run at (:func:`xueji.registry.latest_log_day`, what the command line's date check
    reads) was the application day, and a command dated between the two was taken.
    The filing records the day it ran, as a late rollover or sweep does; one dated
    today writes nothing more."""
    s = province.register("A", 1)
    province.at(D(2026, 12, 1))
    ok = start_transfer(province, s.id, applied_on=D(2026, 11, 20), stated_reason=WHY)
    assert ok.allowed, ok.decision
    assert province.log()[-1].on == D(2026, 11, 20)
    with province.store.unit_of_work() as uow:
        assert registry.latest_log_day(uow) == D(2026, 12, 1)
    province.at(D(2026, 12, 3))
    came = _from_beijing(province, applied_on=D(2026, 12, 2), stated_reason=WHY)
    assert came.allowed, came.decision
    with province.store.unit_of_work() as uow:
        assert registry.latest_log_day(uow) == D(2026, 12, 3)
    other = Province(D(2026, 9, 15))
    t = other.register("A", 1)
    assert start_transfer(other, t.id).allowed
    with other.store.unit_of_work() as uow:
        assert uow.meta.get(registry.RAN_ON_KEY) is None


def test_art24_an_authority_deciding_its_later_stage_is_not_held_up(province: Province) -> None:
    """Found by the review: in a transfer within one county the authority is the party
    of stages 2 and 4. With stages 2 and 3 past their deadlines, its decision's own
    sweep brought the request to its stage 4, and it was refused (stage.overdue) for
    stage 2 again and again, the sweep undone each time."""
    s = province.register("A", 1)
    req = start_transfer(province, s.id, to="B").request
    assert req is not None
    assert province.reg.approve(B, req.id).allowed  # stage 1: the receiving school
    province.at(D(2026, 11, 20))  # stages 2 (the county) and 3 (school A) both overdue
    out = province.reg.approve(SHUSHAN, req.id)
    assert out.allowed, out.decision
    assert out.request is not None
    assert out.request.state is RequestState.APPROVED
    assert province.reg.student(PROVINCE, s.id).school == "B"


def test_art24_application_dates_without_default_approval_or_from_long_ago() -> None:
    """Found by the review: with no default approval (the national profile) a late
    filing cannot cascade, so its true date is kept; a date from a year the calendar
    does not hold is refused as too early, not a request for a holiday file."""
    p = Province(D(2026, 9, 1), policies=(NATIONAL_2013,))
    s = p.register("A", 1)
    p.at(D(2026, 12, 1))
    late = start_transfer(p, s.id, applied_on=D(2026, 9, 2), stated_reason=WHY)
    assert "transfer.applied_on" not in late.decision.codes
    other = Province(D(2026, 9, 1))
    t = other.register("A", 1)
    old = start_transfer(other, t.id, applied_on=D(2001, 9, 3))
    assert [v.code for v in old.decision.violations] == ["transfer.applied_on"]


def test_art19_a_student_coming_back_has_one_return_open_and_no_correction_beside(
    province: Province,
) -> None:
    """Found with the correction review: a student who left the country could be
    brought back by two schools at once (two transfers in open for one record). Now
    the second return waits (change.other_open, Art 19); a correction filed by the old
    school while the record is abroad is refused (correction.status)."""
    s = province.register("A", 1)
    out = province.reg.request_cross_border_out(
        A, s.id, destination="新加坡", leave_date=D(2026, 10, 1), reason="随父母出国"
    ).request
    assert out is not None
    province.reg.approve(A, out.id)
    province.reg.approve(SHUSHAN, out.id)

    def back(school: str):  # type: ignore[no-untyped-def]
        return province.reg.transfer_in(
            school_actor(school),
            origin="新加坡",
            abroad=True,
            school=school,
            class_id=f"{school}-1",
            grade=1,
            name=s.name,
            sex=s.sex,
            birth_date=s.birth_date,
            hukou_region=s.hukou_region,
            registry_number=s.registry_number,
            id_number=s.id_number,
        )

    # a correction of the record while it is abroad is refused when filed (it could
    # not be applied to it): nothing is open beside the return
    fix = province.reg.request_correction(A, s.id, {"name": "新名"}, "户口本为准")
    assert fix.decision.codes == ("correction.status",)
    first = back("W")
    assert first.allowed, first.decision
    assert first.request is not None
    second = back("B")
    assert second.decision.codes == ("change.other_open",)
    # B may not read the record coming back: told the rule, not the requests it holds
    assert "requests" not in dict(second.decision.violations[0].facts)
    by_city = province.reg.transfer_in(
        authority("3401"),
        origin="新加坡",
        abroad=True,
        school="B",
        class_id="B-1",
        grade=1,
        name=s.name,
        sex=s.sex,
        birth_date=s.birth_date,
        hukou_region=s.hukou_region,
        registry_number=s.registry_number,
        id_number=s.id_number,
    )
    assert by_city.decision.codes == ("change.other_open",)
    assert dict(by_city.decision.violations[0].facts)["requests"] == first.request.id


def test_art25_false_material_cannot_be_approved(province: Province) -> None:
    """``approve=True`` with ``material_false=True`` is a contradiction: refused as bad
    input, and the request waits at its stage as before (it used to be rejected)."""
    s = province.register("WH", 10, hukou_region="340202")
    out = province.reg.request_transfer(
        school_actor("H"), s.id, to_school="H", to_class="H-10", reason=TransferReason.JOB_MOVE
    )
    assert out.request is not None
    province.reg.approve(school_actor("H"), out.request.id)
    with pytest.raises(XuejiError) as e:
        province.reg.decide_transfer(
            authority("3401"), out.request.id, approve=True, material_false=True
        )
    assert e.value.code == "command.bad_input"
    assert "approve=False" in e.value.message_en
    req = province.reg.request(PROVINCE, out.request.id)
    assert req.state is RequestState.AT_RECEIVING_AUTHORITY


def test_art25_only_an_authority_finds_the_material_false(province: Province) -> None:
    """A school refusing its stage with ``material_false=True`` was recorded as refused
    on false material citing Art 25, which has the authority (各地学籍主管部门) find it.
    Bad input now, nothing written; the school refuses without the flag, and the
    authority's finding is as before. A new student's review likewise (``reject``)."""
    s = province.register("WH", 10, hukou_region="340202")
    h = school_actor("H")
    out = province.reg.request_transfer(
        h, s.id, to_school="H", to_class="H-10", reason=TransferReason.JOB_MOVE
    )
    assert out.request is not None
    rid = out.request.id
    before = (province.reg.request(PROVINCE, rid), len(province.log()))
    with pytest.raises(XuejiError) as e:
        province.reg.decide_transfer(h, rid, approve=False, material_false=True)
    assert e.value.code == "command.bad_input"
    assert "authority" in e.value.message_en
    assert "学籍主管部门" in e.value.message_zh
    assert (province.reg.request(PROVINCE, rid), len(province.log())) == before
    refused = province.reg.decide_transfer(h, rid, approve=False)
    assert refused.request is not None
    assert refused.request.state is RequestState.REJECTED
    assert "transfer.false_material" not in refused.decision.codes
    assert "第二十五条" not in refused.request.history[-1].note
    # a new student's review: a school's flag is bad input, the authority's rejects it
    draft = province.enroll("A", 1)
    review = province.reg.submit(A, draft.id).request
    assert review is not None
    n = len(province.log())
    with pytest.raises(XuejiError) as e:
        province.reg.reject(A, review.id, material_false=True)
    assert e.value.code == "command.bad_input"
    assert len(province.log()) == n
    done = province.reg.reject(SHUSHAN, review.id, material_false=True)
    assert done.decision.codes == ("enrolment.false_material",)


def test_art25_decide_transfer_is_for_transfers_only(province: Province) -> None:
    """``decide_transfer`` decided any request: a suspension "found on false material"
    was rejected with a ``transfer.false_material`` warning citing Art 25. A request
    that is not a transfer is bad input now, nothing written, with or without
    ``material_false``; ``approve`` and ``reject`` decide it."""
    s = province.register("A", 1)
    req = province.reg.suspend(A, s.id, "病").request
    assert req is not None
    before = (province.reg.request(PROVINCE, req.id), len(province.log()))
    for kw in ({"approve": False, "material_false": True}, {"approve": True}):
        with pytest.raises(XuejiError) as e:
            province.reg.decide_transfer(SHUSHAN, req.id, **kw)  # type: ignore[arg-type]
        assert e.value.code == "command.bad_input"
        assert "decide_transfer" in e.value.message_en
    assert (province.reg.request(PROVINCE, req.id), len(province.log())) == before
    assert province.reg.approve(SHUSHAN, req.id).allowed


def test_art13_a_j_number_from_another_province_with_an_id_number_links_its_g(
    province: Province,
) -> None:
    """A student who arrives with a J 学籍号 (known then by a guardian's ID) and has an ID
    number now: the G number is linked and current, the J number kept in the history
    and still finding the student (Art 13), as when an ID number is added here. The J
    number stayed current, with the ID number beside it."""
    from xueji import ids

    body = "32010220200301001"
    j = "J" + body + ids.check_character(body)
    own = make_id(D(2020, 3, 1))
    out = from_jiangsu(province, j, id_number=own)
    assert out.allowed, out.decision
    assert out.student is not None
    assert out.student.registry_number == "G" + own
    assert out.student.numbers is not None
    assert [n.text for n in out.student.numbers.all_numbers] == [j, "G" + own]
    with province.reg.store.unit_of_work() as uow:
        assert [s.id for s in uow.students.by_registry_number(j)] == [out.student.id]
        assert [s.id for s in uow.students.by_registry_number("G" + own)] == [out.student.id]


def test_art14_a_child_known_by_a_guardian_s_id_coming_back_from_abroad_is_found(
    province: Province,
) -> None:
    """A child registered here by a guardian's ID (a J number) and entered again "from
    abroad" with that guardian's ID only was given a second registry: it is found as
    ``enroll`` finds it (guardian, name, birth date). A twin (another name) is not."""
    guardian = make_id(D(1990, 1, 1))
    province.register(birth=D(2020, 3, 1), id_number=None, guardian_id=guardian, name="甲")

    def back(name: str):  # type: ignore[no-untyped-def]
        return province.reg.transfer_in(
            school_actor("B"),
            origin="美国",
            abroad=True,
            school="B",
            class_id="B-1",
            grade=1,
            name=name,
            sex="M",
            birth_date=D(2020, 3, 1),
            hukou_region="340104",
            guardian_id=guardian,
            photo=Photo(province.today(), "sha256:x"),
        )

    assert "enrolment.duplicate" in back("甲").decision.codes
    assert back("乙").allowed


def _capped(cap: int, kind: str, tmp_path: Path) -> Province:
    """A province whose primary classes hold ``cap`` students (Art 16), on ``kind``."""
    caps = {**ANHUI_2013.class_size_caps.value, Stage.PRIMARY: cap}
    policy = attrs.evolve(ANHUI_2013, class_size_caps=Param(caps, anhui(16)))
    store = SqlStore.sqlite(str(tmp_path / "cap.sqlite3")) if kind == "sqlite" else None
    return Province(START, policies=(policy,), store=store)


def _gone_abroad(p: Province, s_id: str, actor: Actor = A, county: Actor = SHUSHAN) -> None:
    out = p.reg.request_cross_border_out(
        actor,
        s_id,
        destination="新加坡",
        leave_date=p.today(),
        reason="随父母出国",
    ).request
    assert out is not None
    for party in (actor, county):
        assert p.reg.approve(party, out.id).allowed


def _back_from_abroad(p: Province, s: Student, school: str, class_id: str, grade: int):  # type: ignore[no-untyped-def]
    return p.reg.transfer_in(
        school_actor(school),
        origin="新加坡",
        abroad=True,
        school=school,
        class_id=class_id,
        grade=grade,
        name=s.name,
        sex=s.sex,
        birth_date=s.birth_date,
        hukou_region=s.hukou_region,
        registry_number=s.registry_number,
        id_number=s.id_number,
    )


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art16_a_class_filled_since_a_transfer_was_filed_is_checked_at_its_approval(
    kind: str, tmp_path: Path
) -> None:
    """Found by the review: the receiving class's size was checked only when a
    transfer was filed, so two transfers filed into a class with one seat left were
    both completed, the class one over its cap (W-1 held 46 of 45). The approval that
    moves the student checks it again: refused (class.full), nothing written; the
    receiving school withdraws it (or files again for a class with room). A student
    coming back from abroad, whose seat was not held while the return was open, too."""
    p = _capped(2, kind, tmp_path)
    p.register("W", 1)  # W-1: one seat left
    s1, s2 = p.register("A", 1), p.register("A", 1)
    r1, r2 = (start_transfer(p, s.id).request for s in (s1, s2))
    assert r1 is not None
    assert r2 is not None  # both filed: the class had room then
    for actor in (W, WUHU, A, SHUSHAN):
        assert p.reg.approve(actor, r1.id).allowed
    for actor in (W, WUHU, A):  # the earlier stages do not move the student
        assert p.reg.approve(actor, r2.id).allowed
    before = len(p.log())
    last = p.reg.approve(SHUSHAN, r2.id)
    assert last.decision.codes == ("class.full",)
    assert dict(last.decision.violations[0].facts) == {"class_id": "W-1", "size": "2", "cap": "2"}
    assert len(p.log()) == before
    assert p.reg.request(PROVINCE, r2.id).state is RequestState.AT_SENDING_AUTHORITY
    assert p.reg.student(PROVINCE, s2.id).school == "A"
    with p.store.unit_of_work() as uow:
        assert uow.students.count_in_class("W-1", 1) == 2
    assert p.reg.withdraw(W, r2.id).allowed  # the receiving school ends it

    # a return from abroad into a class that filled up while it was open (into the
    # grade it was filed in, not the one the student left)
    away = p.register("A", 1)
    _gone_abroad(p, away.id)
    p.register("B", 2)  # B-2: one seat left
    back = _back_from_abroad(p, away, "B", "B-2", 2)
    assert back.allowed, back.decision
    assert back.request is not None
    assert p.reg.approve(school_actor("B"), back.request.id).allowed
    p.register("B", 2)  # B-2 full
    before = len(p.log())
    done = p.reg.approve(SHUSHAN, back.request.id)
    assert done.decision.codes == ("class.full",)
    assert len(p.log()) == before
    assert p.reg.student(PROVINCE, away.id).status is StudentStatus.CROSS_BORDER_OUT


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art24_a_default_approval_into_a_class_full_since_is_held_until_it_has_room(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The reading of Arts 16 and 24 together: a stage approved by default is the
    party's approval deemed given, and places the student no more than the party's
    own could (a manual approval into a full class is refused). The sweep leaves such
    a last stage open, nothing written, with a warning to the ``xueji.registry``
    logger; the Art 32 report lists it as overdue. Once the class has room the next
    sweep approves it, dated the day after its deadline. Two transfers completed by
    default in one sweep into the class's last seat: one is completed."""
    p = _capped(2, kind, tmp_path)
    first = p.register("W", 1)  # W-1: one seat left
    s1, s2 = p.register("A", 1), p.register("A", 1)
    r1, r2 = (start_transfer(p, s.id).request for s in (s1, s2))
    assert r1 is not None
    assert r2 is not None
    p.reg.calendar = p.reg.calendar.with_year(2027, [D(2027, 1, 1)])
    p.at(D(2027, 1, 4))  # every deadline has passed: both cascade in this sweep
    with caplog.at_level("WARNING", logger="xueji.registry"):
        changed = p.reg.advance_clock(Actor.system())
    states = {r.id: r.state for r in changed}
    assert states == {
        r1.id: RequestState.APPROVED,
        r2.id: RequestState.AT_SENDING_AUTHORITY,
    }
    assert p.reg.student(PROVINCE, s1.id).school == "W"
    assert p.reg.student(PROVINCE, s2.id).school == "A"
    assert r2.id in caplog.text
    assert "class.full" in caplog.text
    with p.store.unit_of_work() as uow:
        assert uow.students.count_in_class("W-1", 1) == 2
    held = p.reg.request(PROVINCE, r2.id)
    assert held.deadline is not None
    assert held.deadline < p.today()
    found = {(f.kind, f.subject) for f in p.reg.detect(PROVINCE).findings}
    assert ("overdue_approval", r2.id) in found
    assert p.reg.advance_clock(Actor.system()) == []  # still full: still held
    # explained as held (found by the merge review: "approved by default" before)
    told = registry.explain_default_approval(p.reg, PROVINCE, r2.id)
    assert not told.allowed
    assert told.codes == ("class.full",)
    assert told.violations[0].article.number == 16
    assert p.reg.approve(SHUSHAN, r2.id).decision.codes == ("class.full",)

    _gone_abroad(p, first.id, W, WUHU)  # a seat in W-1 is free again
    again = p.reg.advance_clock(Actor.system())
    assert [(r.id, r.state) for r in again] == [(r2.id, RequestState.APPROVED)]
    step = again[0].history[-1]
    assert (step.event, step.on) == ("approve_by_default", held.deadline + dt.timedelta(days=1))
    assert p.reg.student(PROVINCE, s2.id).class_id == "W-1"


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art18_a_return_approved_after_the_rollover_keeps_its_grade_and_needs_a_class_of_it(
    kind: str, tmp_path: Path
) -> None:
    """Found by the review: a student coming back from abroad, filed into B-2 (grade 2)
    on 20 July and approved after the 1 August rollover, was put in B-2 as grade 2,
    though B-2 had gone up to grade 3 with its students. The reading (Art 18 moves the
    students in school; the Anhui profile holds a suspended student the same way): a
    student abroad or in another province was not in school here at the rollover and
    does not move up; the return places them in the grade it was filed in, and its
    approval, by the party or by default, is refused while the class named is of
    another grade (class.wrong_school), nothing written. The school withdraws it and
    files again for a class of the grade it now means. A new record from abroad still
    under review is held the same way."""
    store = SqlStore.sqlite(str(tmp_path / "back.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 3, 2), store=store)
    b = school_actor("B")
    s = p.register("A", 2, birth=D(2018, 3, 1))
    p.register("B", 2, birth=D(2018, 4, 1))  # B-2 has a student: it goes up at the rollover
    _gone_abroad(p, s.id)
    p.at(D(2026, 7, 20))
    back = _back_from_abroad(p, s, "B", "B-2", 2)
    assert back.allowed, back.decision
    assert back.request is not None
    born = D(2018, 5, 5)
    new = p.reg.transfer_in(
        b,
        origin="香港",
        abroad=True,
        school="B",
        class_id="B-2",
        grade=2,
        name="境外生",
        sex="M",
        birth_date=born,
        hukou_region="340104",
        id_number=make_id(born),
    )
    assert new.allowed, new.decision
    assert new.request is not None
    for r in (back.request, new.request):
        assert p.reg.approve(b, r.id).allowed
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(Actor.system(), 2026).allowed
    with p.store.unit_of_work() as uow:
        klass = uow.classes.get("B-2")
    assert klass is not None
    assert klass.grade == 3

    before = len(p.log())
    done = p.reg.approve(SHUSHAN, back.request.id)
    assert done.decision.codes == ("class.wrong_school",)
    facts = dict(done.decision.violations[0].facts)
    assert (facts["grade"], facts["class_grade"]) == ("2", "3")
    assert p.reg.approve(SHUSHAN, new.request.id).decision.codes == ("class.wrong_school",)
    assert len(p.log()) == before
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.CROSS_BORDER_OUT
    p.at(D(2026, 9, 1))  # past the authority's deadline: the sweep holds both too
    assert p.reg.advance_clock(Actor.system()) == []
    assert p.reg.request(PROVINCE, back.request.id).state is RequestState.AT_RECEIVING_AUTHORITY

    assert p.reg.withdraw(b, back.request.id).allowed
    p.reg.add_class(b, SchoolClass("B-2b", "B", "二年级2班", 2, "周老师", D(2026, 9, 1)))
    again = _back_from_abroad(p, s, "B", "B-2b", 2)
    assert again.request is not None
    for party in (b, SHUSHAN):
        assert p.reg.approve(party, again.request.id).allowed
    home = p.reg.student(PROVINCE, s.id)
    assert (home.status, home.class_id, home.grade) == (StudentStatus.REGISTERED, "B-2b", 2)


def test_art13_a_j_number_taken_in_is_never_issued_again(province: Province) -> None:
    """Found by the review: a J 学籍号 brought in by ``transfer_in`` (a 340104 number, the
    first boy's of his birth date) was not reserved, and the next boy of that area and
    birth date enrolled here with no ID number was issued the same number: two students
    answering to one 学籍号 (Art 13: 一人一籍一号). A number already held is skipped;
    the numbers after it are issued as before."""
    from xueji import ids

    def j(seq: int) -> str:
        body = f"34010420200301{seq:03d}"
        return "J" + body + ids.check_character(body)

    out = from_jiangsu(province, j(1), guardian_id=make_id(D(1990, 1, 1)))
    assert out.allowed, out.decision
    born = D(2020, 3, 1)
    first = province.enroll("B", 1, birth=born, id_number=None, guardian_id=make_id(D(1988, 2, 2)))
    second = province.enroll("B", 1, birth=born, id_number=None, guardian_id=make_id(D(1987, 2, 2)))
    assert (first.registry_number, second.registry_number) == (j(3), j(5))
    with province.reg.store.unit_of_work() as uow:
        for number in (j(1), j(3), j(5)):
            assert len(uow.students.by_registry_number(number)) == 1


def _guangde(p: Province) -> None:
    """广德 (341882) as a county directly under the province (省直管县, which the tree
    accepts: Art 4), with two primary schools G and G2 (class G-1, G2-1)."""
    from xueji.model import School, Unit, UnitLevel

    p.reg.add_unit(PROVINCE, Unit("341882", "广德市教育体育局", UnitLevel.COUNTY, "341882", "34"))
    for code in ("G", "G2"):
        p.reg.add_school(
            PROVINCE,
            School(code, f"广德{code}小学", "341882", "341882", frozenset({Stage.PRIMARY})),
        )
        p.reg.add_class(
            school_actor(code), SchoolClass(f"{code}-1", code, "1年级1班", 1, "班主任", START)
        )


def _register_at_g(p: Province, school: str, hukou: str) -> Student:
    s = p.enroll(school, 1, hukou_region=hukou)
    sub = p.reg.submit(school_actor(school), s.id).request
    assert sub is not None
    done = p.reg.approve(authority("341882"), sub.id)
    assert done.student is not None
    assert done.student.status is StudentStatus.REGISTERED
    return done.student


def test_art25_a_county_directly_under_the_province_is_its_own_city(province: Province) -> None:
    """Found by the transfers review: a school under a county directly under the
    province (省直管县) could not transfer at all, in or out: finding its city raised
    ``not_found.city``. The city of Art 25's 市区 is the highest unit below the
    province: the county itself for a 省直管县, whose 户籍 is its own code (not the
    first four digits it shares with 宣城's districts)."""
    p = province
    _guangde(p)
    s = p.register("A", 1)  # 合肥 -> 广德, a job move: allowed, and the chain runs
    into = start_transfer(p, s.id, to="G")
    assert into.allowed, into.decision
    assert into.request is not None
    for party in (school_actor("G"), authority("341882"), A, SHUSHAN):
        assert p.reg.approve(party, into.request.id).allowed
    assert p.reg.student(PROVINCE, s.id).school == "G"
    out = start_transfer(p, s.id, to="W")  # and out again, 广德 -> 芜湖
    assert out.allowed, out.decision
    # a school choice within the county by a student of its 户籍: refused (Art 25(1))
    local = _register_at_g(p, "G", "341882")
    chose = start_transfer(p, local.id, to="G2", reason=TransferReason.OTHER, stated_reason="择校")
    assert chose.decision.codes == ("transfer.same_city_choice",)
    # a 户籍 of 宣城's 宣州区 (341802) is not 广德's, whatever digits they share
    xuan = _register_at_g(p, "G", "341802")
    moved = start_transfer(p, xuan.id, to="G2", reason=TransferReason.OTHER, stated_reason="择校")
    assert moved.allowed, moved.decision


def test_art25_a_direct_county_s_hukou_is_not_the_prefecture_s_sharing_its_digits(
    province: Province,
) -> None:
    """Found by the merge review: docs/policy.md says a 省直管县's 户籍 is that
    county's by its whole code, not 宣城's, but a move between two schools of 宣城
    (341800) by a pupil of 广德 (341882) 户籍 was read by its first four digits as 宣城's
    and refused as a school choice (Art 25(1)). The codes of the counties directly
    under the province in the tree are not a prefecture's; a 宣州 户籍 still is."""
    from xueji.model import School, Unit, UnitLevel

    p = province
    _guangde(p)
    p.reg.add_unit(PROVINCE, Unit("3418", "宣城市教育局", UnitLevel.CITY, "341800", "34"))
    p.reg.add_unit(PROVINCE, Unit("341802", "宣州区教育体育局", UnitLevel.COUNTY, "341802", "3418"))
    for code in ("X", "Y"):
        p.reg.add_school(
            PROVINCE,
            School(code, f"宣州{code}小学", "341802", "341802", frozenset({Stage.PRIMARY})),
        )
        p.reg.add_class(
            school_actor(code), SchoolClass(f"{code}-1", code, "1年级1班", 1, "班主任", START)
        )

    def at_x(hukou: str) -> Student:
        s = p.enroll("X", 1, hukou_region=hukou)
        sub = p.reg.submit(school_actor("X"), s.id).request
        assert sub is not None
        done = p.reg.approve(authority("341802"), sub.id)
        assert done.student is not None
        return done.student

    guangde = at_x("341882")
    # (filed by the city, which may read the student: a school of another county is
    # told no fact of the record, its 户籍 included, Art 30)
    moved = p.reg.request_transfer(
        authority("3418"),
        guangde.id,
        to_school="Y",
        to_class="Y-1",
        reason=TransferReason.OTHER,
        stated_reason="离家近",
    )
    assert moved.allowed, moved.decision
    step = next(
        st for st in moved.decision.explain().steps if st.rule == "transfer.same_city_choice"
    )
    assert step.verdict.value == "allow"
    assert dict(step.facts)["hukou_direct_county"] == "True"
    xuanzhou = at_x("341802")
    chose = start_transfer(
        p, xuanzhou.id, to="Y", reason=TransferReason.OTHER, stated_reason="离家近"
    )
    assert chose.decision.codes == ("transfer.same_city_choice",)


def test_art25_the_term_window_reads_the_day_the_guardian_applied() -> None:
    """Found by the transfers review: the term window (Art 25(2)) was read on the day
    the school filed the transfer, not on ``applied_on``, the day the guardian applied
    (Art 21), on which the request opens and its days run (Art 24): an application
    made in the window's last days and filed a week later needed a stated reason; one
    made mid-term and filed once the window opened needed none. The window reads the
    application day; the national blackout (the system's closed days) the filing day."""
    p = Province()
    s = p.register("A", 1)
    p.at(D(2026, 10, 9))  # mid autumn term; applied on 30 September, in the window
    inside = start_transfer(p, s.id, applied_on=D(2026, 9, 30))
    assert inside.allowed, inside.decision
    assert inside.decision.codes == ()
    assert inside.request is not None
    assert inside.request.opened_on == D(2026, 9, 30)
    spring = Province(D(2026, 3, 2))
    t = spring.register("A", 1, birth=D(2019, 3, 1))
    spring.at(D(2026, 6, 15))  # the window's last month; applied on 20 May, mid-term
    late = start_transfer(spring, t.id, applied_on=D(2026, 5, 20))
    assert late.decision.codes == ("transfer.mid_term_no_reason",)
    explained = late.decision.explain()
    step = explained.steps[explained.rules.index("transfer.mid_term_no_reason")]
    assert dict(step.facts)["on"] == "2026-05-20"
    said = start_transfer(spring, t.id, applied_on=D(2026, 5, 20), stated_reason=WHY)
    assert said.decision.codes == ("transfer.mid_term",)
    # a transfer in from another province likewise
    q = Province()
    q.at(D(2026, 10, 9))
    came = _from_beijing(q, applied_on=D(2026, 9, 30))
    assert came.allowed, came.decision
    assert came.decision.codes == ()
    # the national blackout closes the system on the filing day, whenever the
    # guardian applied
    national = Province(D(2026, 6, 1), policies=(NATIONAL_2013,))
    u = national.register("A", 1, birth=D(2019, 3, 1))
    national.at(D(2026, 7, 20))  # 07-15..08-14
    closed = start_transfer(national, u.id, applied_on=D(2026, 7, 10), stated_reason=WHY)
    assert "transfer.blackout" in closed.decision.codes


def test_art25_a_retired_hukou_code_is_not_read_as_a_city() -> None:
    """Found by the transfers review: Art 25(1)'s same-city rule read a 户籍 code by its
    first four digits, also a code no longer in use, whose county has since moved to
    another city: 枞阳 (340823, 安庆's until 2015, 铜陵's since) was refused as 安庆's
    own; 庐江 under the former 巢湖 (341421, until 2011; 合肥's since) was let through as
    another city's. No table of successors is guessed: a code not in use on the day
    of the decision does not refuse, and the decision warns that the authority checks
    the current 户籍 city (``transfer.hukou_code_retired``, with the code's years)."""
    from xueji.model import School, Unit, UnitLevel

    p = Province()
    p.reg.add_unit(PROVINCE, Unit("3408", "安庆市教育局", UnitLevel.CITY, "340800", "34"))
    p.reg.add_unit(PROVINCE, Unit("340802", "迎江区教育局", UnitLevel.COUNTY, "340802", "3408"))
    for code in ("Q1", "Q2"):
        p.reg.add_school(
            PROVINCE,
            School(code, f"迎江{code}小学", "340802", "340802", frozenset({Stage.PRIMARY})),
        )
        p.reg.add_class(
            school_actor(code), SchoolClass(f"{code}-1", code, "1年级1班", 1, "班主任", START)
        )

    def at_q1(hukou: str) -> Student:
        s = p.enroll("Q1", 1, hukou_region=hukou)
        sub = p.reg.submit(school_actor("Q1"), s.id).request
        assert sub is not None
        done = p.reg.approve(authority("340802"), sub.id).student
        assert done is not None
        return done

    def choose(s: Student, to: str):  # type: ignore[no-untyped-def]
        # (filed by the city, which may read the student and is told the 户籍 read: a
        # school may not read a student of another school, and is told no fact of it)
        city = authority("3408" if to.startswith("Q") else "3401")
        return p.reg.request_transfer(
            city,
            s.id,
            to_school=to,
            to_class=f"{to}-1",
            reason=TransferReason.OTHER,
            stated_reason="择校",
        )

    zongyang = choose(at_q1("340823"), "Q2")
    assert zongyang.allowed, zongyang.decision
    assert zongyang.decision.codes == ("transfer.hukou_code_retired",)
    (warning,) = zongyang.decision.warnings
    assert warning.article == anhui(25)
    facts = dict(warning.facts)
    assert (facts["hukou_region"], facts["years"]) == ("340823", "1988-2015")
    assert zongyang.request is not None
    assert zongyang.request.warnings == ("transfer.hukou_code_retired",)
    lujiang = choose(p.register("A", 1, hukou_region="341421"), "B")
    assert lujiang.allowed, lujiang.decision
    assert lujiang.decision.codes == ("transfer.hukou_code_retired",)
    assert dict(lujiang.decision.warnings[0].facts)["years"] == "1999-2011"
    # a code in use is read as before: 安庆's own 户籍 choosing a school is refused
    assert choose(at_q1("340802"), "Q2").decision.codes == ("transfer.same_city_choice",)
    # and a move for a reason Art 20 lists needs no check of the 户籍 at all
    moved = start_transfer(p, p.register("A", 1, hukou_region="341421").id, to="B")
    assert moved.decision.codes == ()


def _into_h_from_jiangsu(p: Province, own: str = ""):  # type: ignore[no-untyped-def]
    """A boy born 2010-03-01 coming into 合肥一中 (H-10) from Jiangsu (Art 22), with
    the ID number ``own`` (a new one if not given)."""
    born = D(2010, 3, 1)
    own = own or make_id(born, region="320102")
    return p.reg.transfer_in(
        school_actor("H"),
        origin="江苏省某高中",
        abroad=False,
        school="H",
        class_id="H-10",
        grade=10,
        name="乙",
        sex="M",
        birth_date=born,
        hukou_region="320102",
        registry_number="G" + own,
        photo=Photo(p.today(), "sha256:x"),
    )


def test_art25_a_transfer_in_to_a_senior_high_needs_verified_material(
    province: Province,
) -> None:
    """Found by the transfer review: a transfer in from another province into a senior
    high is a 借读 from another city to Art 25 (its material may be found false:
    ``decide_transfer(..., material_false=True)``), and gave no
    ``transfer.verify_material`` warning, as a move within the province from another
    city does. It warns now, kept on the request; a transfer in to a primary school
    does not."""
    p = province
    came = _into_h_from_jiangsu(p)
    assert came.allowed, came.decision
    assert came.decision.codes == ("transfer.verify_material",)
    assert str(came.decision.warnings[0].article).endswith("第二十五条")
    assert came.request is not None
    assert "transfer.verify_material" in came.request.warnings
    assert _from_beijing(p).decision.codes == ()


def test_art25_material_found_false_only_where_art25_bars_it(province: Province) -> None:
    """Found by the transfers review: ``material_false`` was taken on any transfer and
    the record cited Art 25 for it: a primary pupil's move within 合肥 was "refused
    on false material (Art 25)", which bars false material only for a transfer into a
    senior high of a city from another city (借读). Elsewhere it is bad input, nothing
    written: the authority refuses its stage plainly, with a note."""
    p = province
    pupil = p.register("A", 1)
    same_city = start_transfer(p, pupil.id, to="B", reason=TransferReason.ADDRESS_CHANGE)
    assert same_city.request is not None
    assert p.reg.approve(B, same_city.request.id).allowed
    senior = p.register("H2", 10, hukou_region="340202")  # 合肥八中 -> 合肥一中: same city
    within = p.reg.request_transfer(
        school_actor("H"), senior.id, to_school="H", to_class="H-10", reason=TransferReason.JOB_MOVE
    )
    assert within.request is not None
    assert p.reg.approve(school_actor("H"), within.request.id).allowed
    for rid, county in ((same_city.request.id, SHUSHAN), (within.request.id, authority("3401"))):
        before = (p.reg.request(PROVINCE, rid), len(p.log()))
        with pytest.raises(XuejiError) as e:
            p.reg.decide_transfer(county, rid, approve=False, material_false=True)
        assert e.value.code == "command.bad_input"
        assert "plain refusal" in e.value.message_en
        assert "第二十五条" in e.value.message_zh
        assert (p.reg.request(PROVINCE, rid), len(p.log())) == before
        refused = p.reg.decide_transfer(county, rid, approve=False, note="材料不符")
        assert refused.allowed
        assert refused.request is not None
        assert refused.request.state is RequestState.REJECTED
    # a transfer out of the province is not into this city's senior high either
    t = p.register("A", 1)
    out = p.reg.request_cross_province_out(A, t.id, to_school_name="江苏某小学", reason="随迁")
    assert out.request is not None
    with pytest.raises(XuejiError) as e:
        p.reg.decide_transfer(SHUSHAN, out.request.id, approve=False, material_false=True)
    assert e.value.code == "command.bad_input"
    # into 合肥's senior high from another city (芜湖), or from another province: Art 25
    wuhu = p.register("WH", 10, hukou_region="340202")
    borrow = p.reg.request_transfer(
        school_actor("H"), wuhu.id, to_school="H", to_class="H-10", reason=TransferReason.JOB_MOVE
    )
    assert borrow.request is not None
    p.reg.approve(school_actor("H"), borrow.request.id)
    found = p.reg.decide_transfer(
        authority("3401"), borrow.request.id, approve=False, material_false=True
    )
    assert found.decision.codes == ("transfer.false_material",)
    came = _into_h_from_jiangsu(p)
    assert came.request is not None, came.decision
    p.reg.approve(school_actor("H"), came.request.id)
    back = p.reg.decide_transfer(
        authority("3401"), came.request.id, approve=False, material_false=True
    )
    assert back.decision.codes == ("transfer.false_material",)


def _borrow_into_h(p: Province, student_id: str, to: str = "H"):  # type: ignore[no-untyped-def]
    return p.reg.request_transfer(
        school_actor(to),
        student_id,
        to_school=to,
        to_class=f"{to}-10",
        reason=TransferReason.OTHER,
        stated_reason="到合肥读书",
    )


def test_art25_a_refusal_on_false_material_bars_filing_the_transfer_again(
    province: Province,
) -> None:
    """Found by the transfers review: a transfer into 合肥's senior high refused on
    false material (一律不得办理, Art 25) left no trace but a note the authority could
    write over: the same transfer was filed again at once and, the authority silent,
    approved by default (Art 24). The refusal is recorded on the request (its payload)
    and its log entry cites Art 25; a new filing of the same student into a senior
    high of that city from another city is refused (``transfer.false_material``,
    Art 25, naming the refusal), under the profile's ``false_material_bars_refiling``
    (Anhui: true), so nothing is open for a default approval to move."""
    p = province
    s = p.register("WH", 10, hukou_region="340202")
    first = _borrow_into_h(p, s.id)
    assert first.decision.codes == ("transfer.verify_material",)
    assert first.request is not None
    rid = first.request.id
    assert p.reg.approve(school_actor("H"), rid).allowed
    refused = p.reg.decide_transfer(
        authority("3401"), rid, approve=False, material_false=True, note="居住证明系伪造"
    )
    assert refused.request is not None
    assert refused.request.state is RequestState.REJECTED
    stored = p.reg.request(PROVINCE, rid)
    assert stored.history[-1].note == "居住证明系伪造"  # the authority's own words
    assert stored.payload["false_material"] == "皖教基〔2013〕20号 第二十五条"
    assert stored.payload["false_material_city"] == "3401"
    entry = p.reg.history(PROVINCE, rid)[-1]
    assert entry.command == "reject_transfer"
    assert entry.basis == "皖教基〔2013〕20号 第二十五条"
    assert entry.after["false_material"] == "皖教基〔2013〕20号 第二十五条"
    # filed again, into the same school or another senior high of 合肥: refused
    for to in ("H", "H2"):
        before = len(p.log())
        again = _borrow_into_h(p, s.id, to)
        assert again.decision.codes == ("transfer.false_material",)
        assert again.request is None
        assert len(p.log()) == before
        (v,) = again.decision.violations
        assert v.article == anhui(25)
        assert dict(v.facts)["refused"] == rid
        step = again.decision.explain().steps[
            again.decision.explain().rules.index("transfer.false_material")
        ]
        assert [u.name for u in step.params] == ["false_material_bars_refiling"]
    # another student is not barred; nor is a plain refusal a bar
    t = p.register("WH", 10, hukou_region="340202")
    plain = _borrow_into_h(p, t.id)
    assert plain.request is not None
    assert p.reg.approve(school_actor("H"), plain.request.id).allowed
    assert p.reg.decide_transfer(authority("3401"), plain.request.id, approve=False).allowed
    assert "false_material" not in p.reg.request(PROVINCE, plain.request.id).payload
    assert _borrow_into_h(p, t.id).decision.codes == ("transfer.verify_material",)
    # the days run, nobody acts: nothing moves the barred student (Art 24 has nothing
    # to approve), while the other's transfer goes through by default
    for day in (D(2026, 10, 20), D(2026, 11, 30), D(2027, 1, 10)):
        p.at(day)
        p.reg.advance_clock(PROVINCE)
    assert p.reg.student(PROVINCE, s.id).school == "WH"
    assert p.reg.student(PROVINCE, t.id).school == "H"


def test_art25_false_material_bars_a_transfer_in_filed_again(province: Province) -> None:
    """A transfer in from another province into a senior high refused on false
    material: the same student (found by the 学籍号) filed again is refused."""
    p = province
    own = make_id(D(2010, 3, 1), region="320102")
    first = _into_h_from_jiangsu(p, own)
    assert first.request is not None, first.decision
    assert p.reg.approve(school_actor("H"), first.request.id).allowed
    p.reg.decide_transfer(authority("3401"), first.request.id, approve=False, material_false=True)
    again = _into_h_from_jiangsu(p, own)
    assert again.decision.codes == ("transfer.false_material",)
    assert dict(again.decision.violations[0].facts)["refused"] == first.request.id
    assert again.request is None


def test_art25_a_profile_may_let_a_new_filing_be_judged_on_its_own_material() -> None:
    """``false_material_bars_refiling = false``: the earlier refusal bars nothing; the
    new filing's material is verified again (``transfer.verify_material``), the step
    naming the earlier refusal."""
    open_ = attrs.evolve(
        ANHUI_2013,
        false_material_bars_refiling=Param(False, ANHUI_2013.false_material_bars_refiling.article),
    )
    p = Province(START, policies=(open_,))
    s = p.register("WH", 10, hukou_region="340202")
    first = _borrow_into_h(p, s.id).request
    assert first is not None
    assert p.reg.approve(school_actor("H"), first.id).allowed
    p.reg.decide_transfer(authority("3401"), first.id, approve=False, material_false=True)
    again = _borrow_into_h(p, s.id)
    assert again.allowed, again.decision
    assert again.decision.codes == ("transfer.verify_material",)
    explained = again.decision.explain()
    step = explained.steps[explained.rules.index("transfer.false_material")]
    assert dict(step.facts)["false_material_refusal"] == first.id


def test_art25_no_default_approval_moves_a_transfer_the_bar_holds_since() -> None:
    """A 借读 filed again under a profile that let it be (``false_material_bars_refiling
    = false``) and still open when a profile that bars it comes into force: its last
    stage is not approved by default (Art 24 approves what the party could, and the
    party could not: Art 25's 一律不得办理); it waits at its stage for the party, as
    one into a class since full does."""
    lenient = attrs.evolve(
        ANHUI_2013,
        valid_until=D(2026, 9, 30),
        false_material_bars_refiling=Param(False, ANHUI_2013.false_material_bars_refiling.article),
    )
    strict = attrs.evolve(ANHUI_2013, code="anhui-strict", valid_from=D(2026, 10, 1))
    p = Province(START, policies=(lenient, strict))
    s = p.register("WH", 10, hukou_region="340202")
    first = _borrow_into_h(p, s.id).request
    assert first is not None
    assert p.reg.approve(school_actor("H"), first.id).allowed
    p.reg.decide_transfer(authority("3401"), first.id, approve=False, material_false=True)
    again = _borrow_into_h(p, s.id).request  # allowed under the lenient profile
    assert again is not None
    for party in (school_actor("H"), authority("3401")):
        assert p.reg.approve(party, again.id).allowed
    p.at(D(2026, 9, 28))
    assert p.reg.approve(school_actor("WH"), again.id).allowed
    # the sending authority's 20 working days end under the strict profile, long past
    p.at(D(2026, 12, 1))
    # explained as held (found by the merge review: "approved by default" before)
    told = registry.explain_default_approval(p.reg, PROVINCE, again.id)
    assert not told.allowed
    assert told.codes == ("transfer.false_material",)
    assert told.violations[0].article.number == 25
    assert dict(told.violations[0].facts)["refused"] == first.id
    p.reg.advance_clock(PROVINCE)
    held = p.reg.request(PROVINCE, again.id)
    assert held.state is RequestState.AT_SENDING_AUTHORITY
    assert p.reg.student(PROVINCE, s.id).school == "WH"


def _opened_by(p: Province, request_id: str, unit: str) -> None:
    """Make ``unit`` the opener of the request, as a store written before an authority's
    filing of a transfer whose stage is its own was refused may hold it."""
    with p.store.unit_of_work() as uow:
        held = uow.requests.get(request_id)
        first = attrs.evolve(held.history[0], actor=unit)
        uow.requests.update(
            attrs.evolve(held, history=(first, *held.history[1:]), version=held.version + 1)
        )


def test_art31_an_authority_files_no_transfer_whose_stage_is_its_own(province: Province) -> None:
    """Found by the access review: a county filed a cross-border transfer out of its own
    school's pupil, let the school's stage pass by default (Art 24) and approved its own
    stage; another filed a transfer into its school, approved its own stage and let the
    sweep approve the rest: no school ever agreed (Arts 21, 23: the school files, its
    authority reviews). A unit whose stage a transfer would wait at (the receiving or
    the sending school's 学籍主管单位) may not file it: refused ``stage.own_filing``,
    citing the request's article, nothing written."""
    p = province
    s = p.register("A", 1)
    shushan, jinghu, hefei = authority("340104"), authority("340202"), authority("3401")
    # a primary school the city runs itself
    p.reg.add_school(
        PROVINCE, School("HP", "合肥市直小学", "3401", "340100", frozenset({Stage.PRIMARY}))
    )
    p.reg.add_class(hefei, SchoolClass("HP-1", "HP", "一年级1班", 1, "班主任", START))
    h = p.enroll("HP", 1)
    review = p.reg.submit(school_actor("HP"), h.id).request
    assert review is not None
    assert p.reg.approve(hefei, review.id).allowed
    before = len(p.log())
    outs = {
        23: p.reg.request_cross_border_out(
            shushan, s.id, destination="加拿大", leave_date=D(2026, 9, 20), reason="随父母出国"
        ),
        22: p.reg.request_cross_province_out(
            shushan, s.id, to_school_name="江苏某小学", reason="随迁"
        ),
        21: p.reg.request_transfer(
            jinghu, s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
        ),
        # the city files into its county's school, but is the sending school's authority
        -21: p.reg.request_transfer(
            hefei, h.id, to_school="A", to_class="A-1", reason=TransferReason.JOB_MOVE
        ),
    }
    outs[-22] = p.reg.transfer_in(
        jinghu,
        origin="境外",
        abroad=True,
        school="W",
        class_id="W-1",
        grade=1,
        name="丙",
        sex="F",
        birth_date=D(2019, 4, 1),
        hukou_region="340202",
        id_number=make_id(D(2019, 4, 1), "F"),
    )
    for article, out in outs.items():
        assert [v.code for v in out.decision.violations] == ["stage.own_filing"], article
        assert out.request is None
        if article > 0:
            assert out.decision.violations[0].article.number == article
    assert out.decision.violations[0].article.number == 23  # (a transfer in from abroad)
    assert len(p.log()) == before
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED


def test_art31_a_transfer_filed_by_a_unit_above_is_decided_by_the_parties(
    province: Province,
) -> None:
    """A unit above the receiving school's authority (a city, for its county's school)
    may file a transfer, its stages none of its own: the receiving school, the
    authorities and the sending school decide theirs, as when the school files it."""
    p = province
    s = p.register("A", 1)
    wuhu = authority("3402")
    out = p.reg.request_transfer(
        wuhu, s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    )
    assert out.allowed, out.decision
    assert out.request is not None
    rid = out.request.id
    assert p.reg.approve(wuhu, rid).decision.codes == ("stage.wrong_party",)
    for party in (W, WUHU, A, SHUSHAN):
        assert p.reg.approve(party, rid).allowed
    assert p.reg.student(PROVINCE, s.id).school == "W"
    came = p.reg.transfer_in(
        wuhu,
        origin="境外",
        abroad=True,
        school="W",
        class_id="W-1",
        grade=1,
        name="丙",
        sex="F",
        birth_date=D(2019, 4, 1),
        hukou_region="340202",
        id_number=make_id(D(2019, 4, 1), "F"),
    )
    assert came.allowed, came.decision
    assert came.request is not None
    for party in (W, WUHU):
        assert p.reg.approve(party, came.request.id).allowed
    assert p.reg.request(PROVINCE, came.request.id).state is RequestState.APPROVED


def test_art31_a_transfer_filed_by_its_authority_before_is_not_decided_by_it(
    province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transfer an authority filed with a stage of its own (in a store written before
    such a filing was refused): it decides none of its stages (``stage.own_filing``,
    citing the request's article), and the sweep does not approve that stage by default
    either (Art 24 deems the party's silence its consent, and the party is the unit
    that filed it): the request waits there, nothing written, until its filer
    withdraws it. The school's stage before it is the school's, decided or passed by
    default as ever."""
    p = province
    s, t = p.register("A", 1), p.register("A", 1)
    with monkeypatch.context() as m:  # an older library wrote these requests' entries,
        # without the request's digest (else the edit below is a change the log holds)
        m.setattr(registry, "_request_written", lambda req: {})
        out = p.reg.request_cross_border_out(
            A, s.id, destination="加拿大", leave_date=D(2026, 9, 20), reason="随父母出国"
        )
        move = p.reg.request_transfer(
            W, t.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
        )
    assert out.request is not None
    assert move.request is not None
    rid = out.request.id
    _opened_by(p, rid, SHUSHAN.unit)
    _opened_by(p, move.request.id, WUHU.unit)  # (W's county filed a transfer into W)
    assert p.reg.approve(SHUSHAN, rid).decision.codes == ("stage.wrong_party",)
    p.at(D(2026, 10, 20))  # the schools' 20 working days passed: approved by default
    p.reg.advance_clock(Actor.system())
    assert p.reg.request(PROVINCE, rid).state is RequestState.AT_SENDING_AUTHORITY
    assert p.reg.request(PROVINCE, move.request.id).state is RequestState.AT_RECEIVING_AUTHORITY
    for decide in (p.reg.approve, p.reg.reject):
        refused = decide(SHUSHAN, rid)
        assert [v.code for v in refused.decision.violations] == ["stage.own_filing"]
        assert refused.decision.violations[0].article.number == 23
    refused = p.reg.decide_transfer(WUHU, move.request.id, approve=True)
    assert [v.code for v in refused.decision.violations] == ["stage.own_filing"]
    assert refused.decision.violations[0].article.number == 21
    before = len(p.log())
    p.at(D(2026, 12, 20))  # the authorities' 20 working days passed too
    # explained as the sweep holds it (found by the merge review)
    for request_id, article in ((rid, 23), (move.request.id, 21)):
        told = registry.explain_default_approval(p.reg, PROVINCE, request_id)
        assert not told.allowed
        assert told.codes == ("stage.own_filing",)
        assert told.violations[0].article.number == article
    assert p.reg.advance_clock(Actor.system()) == []
    assert len(p.log()) == before
    assert p.reg.request(PROVINCE, rid).state is RequestState.AT_SENDING_AUTHORITY
    assert p.reg.request(PROVINCE, move.request.id).state is RequestState.AT_RECEIVING_AUTHORITY
    assert p.reg.student(PROVINCE, s.id).status is StudentStatus.REGISTERED
    assert p.reg.student(PROVINCE, t.id).school == "A"
    assert p.reg.withdraw(SHUSHAN, rid).allowed
    assert p.reg.withdraw(WUHU, move.request.id).allowed


def _store_of(kind: str, tmp_path: Path) -> SqlStore | None:
    return SqlStore.sqlite(str(tmp_path / "holds.sqlite3")) if kind == "sqlite" else None


def _edit_payload(p: Province, request_id: str) -> None:
    """Change a stored request outside the registry (Art 32(三)): a payload key."""
    with p.store.unit_of_work() as uow:
        held = uow.requests.get(request_id)
        payload = {**held.payload, "x": "1"}
        uow.requests.update(attrs.evolve(held, payload=payload, version=held.version + 1))


def _into_a_class_full_since(kind: str, tmp_path: Path) -> tuple[Province, str]:
    """A transfer into W-1 (primary classes of 2) at its last stage, the class filled
    since its filing (Art 16)."""
    p = _capped(2, kind, tmp_path)
    p.register("W", 1)
    s = p.register("A", 1)
    req = start_transfer(p, s.id).request
    assert req is not None
    p.register("W", 1)  # W-1 full now
    for party in (W, WUHU, A):
        assert p.reg.approve(party, req.id).allowed
    return p, req.id


def _hold_altered(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Province, str]:
    p = Province(START, store=_store_of(kind, tmp_path))
    s = p.register("A", 1)
    req = start_transfer(p, s.id).request
    assert req is not None
    _edit_payload(p, req.id)
    return p, req.id


def _hold_own_filing(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Province, str]:
    p = Province(START, store=_store_of(kind, tmp_path))
    s = p.register("A", 1)
    with monkeypatch.context() as m:  # (an older library: entries with no digest)
        m.setattr(registry, "_request_written", lambda req: {})
        out = p.reg.request_cross_border_out(
            A, s.id, destination="加拿大", leave_date=D(2026, 9, 20), reason="随父母出国"
        ).request
    assert out is not None
    _opened_by(p, out.id, SHUSHAN.unit)
    assert p.reg.approve(A, out.id).allowed  # at SHUSHAN's stage, its filer's
    return p, out.id


def _hold_class(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Province, str]:
    return _into_a_class_full_since(kind, tmp_path)


def _hold_false_material(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Province, str]:
    lenient = attrs.evolve(
        ANHUI_2013,
        valid_until=D(2026, 9, 30),
        false_material_bars_refiling=Param(False, ANHUI_2013.false_material_bars_refiling.article),
    )
    strict = attrs.evolve(ANHUI_2013, code="anhui-strict", valid_from=D(2026, 10, 1))
    p = Province(START, policies=(lenient, strict), store=_store_of(kind, tmp_path))
    s = p.register("WH", 10, hukou_region="340202")
    first = _borrow_into_h(p, s.id).request
    assert first is not None
    assert p.reg.approve(school_actor("H"), first.id).allowed
    p.reg.decide_transfer(authority("3401"), first.id, approve=False, material_false=True)
    again = _borrow_into_h(p, s.id).request  # allowed under the lenient profile
    assert again is not None
    for party in (school_actor("H"), authority("3401")):
        assert p.reg.approve(party, again.id).allowed
    p.at(D(2026, 9, 28))  # the sending authority's deadline ends under the strict profile
    assert p.reg.approve(school_actor("WH"), again.id).allowed
    return p, again.id


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
@pytest.mark.parametrize(
    ("setup", "code", "article", "said"),
    [
        (_hold_altered, "audit.request_altered", 32, "was changed outside the registry"),
        (_hold_own_filing, "stage.own_filing", 23, "the unit that filed it (Art 31)"),
        (_hold_class, "class.full", 16, "cannot take the student"),
        (_hold_false_material, "transfer.false_material", 25, "on false material"),
    ],
    ids=["altered", "own_filing", "class", "false_material"],
)
def test_art24_each_hold_the_explainer_names_the_sweep_keeps(
    setup: Any,
    code: str,
    article: int,
    said: str,
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each hold on a default approval (Arts 32(三), 31, 16, 25 over Art 24), one
    list read by both (``Registry._default_holds_of``): ``explain_default_approval``
    refuses naming it with its article, and the deadline sweep leaves the request at
    its stage, nothing written, saying that hold to the logger."""
    p, request_id = setup(kind, tmp_path, monkeypatch)
    p.at(D(2027, 3, 1))  # every deadline long past
    before = p.reg.request(PROVINCE, request_id)
    told = registry.explain_default_approval(p.reg, PROVINCE, request_id)
    assert not told.allowed
    assert told.codes == (code,)
    assert told.violations[0].article.number == article
    entries = len(p.log())
    with caplog.at_level("WARNING", logger="xueji.registry"):
        assert p.reg.advance_clock(Actor.system()) == []
    after = p.reg.request(PROVINCE, request_id)
    assert (after.state, after.version) == (before.state, before.version)
    assert len(p.log()) == entries
    held = [r.getMessage() for r in caplog.records if request_id in r.getMessage()]
    assert len(held) == 1
    assert said in held[0]


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art24_the_explainer_names_every_hold_the_sweep_says_the_first(
    kind: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A request two holds keep (changed outside the registry, Art 32(三), and into a
    class full since, Art 16): the explanation names both, in the sweep's order; the
    sweep stops at the first, and says that one alone."""
    p, request_id = _into_a_class_full_since(kind, tmp_path)
    _edit_payload(p, request_id)
    p.at(D(2027, 3, 1))
    told = registry.explain_default_approval(p.reg, PROVINCE, request_id)
    assert told.codes == ("audit.request_altered", "class.full")
    with caplog.at_level("WARNING", logger="xueji.registry"):
        assert p.reg.advance_clock(Actor.system()) == []
    held = [r.getMessage() for r in caplog.records if request_id in r.getMessage()]
    assert len(held) == 1
    assert "was changed outside the registry" in held[0]


def _closed_twice() -> Any:
    """Anhui's profile closing 寒假, 暑假 and a week over the new year to transfers."""
    from xueji.policy import MonthDay as M

    return attrs.evolve(
        ANHUI_2013,
        transfer_blackout=Param(
            ((M(1, 20), M(2, 10)), (M(7, 1), M(8, 20)), (M(12, 28), M(1, 3))),
            ANHUI_2013.transfer_blackout.article,
        ),
    )


@pytest.mark.parametrize(
    ("day", "period"),
    [
        (D(2027, 1, 25), ("2027-01-20", "2027-02-10")),  # 寒假
        (D(2027, 7, 20), ("2027-07-01", "2027-08-20")),  # 暑假
        (D(2027, 8, 20), ("2027-07-01", "2027-08-20")),  # its last day
        (D(2027, 5, 10), None),  # between them
        (D(2027, 8, 21), None),
        (D(2026, 12, 30), ("2026-12-28", "2027-01-03")),  # over the new year
        (D(2027, 1, 2), ("2026-12-28", "2027-01-03")),
        (D(2027, 1, 10), None),
    ],
)
def test_art25_a_profile_closes_transfers_in_more_than_one_period(
    day: dt.date, period: tuple[str, str] | None
) -> None:
    """A province that closes 寒假 and 暑假 (and a week over the new year) could not say
    so: ``transfer_blackout`` held one period. Each period of the list closes the
    system; the refusal names the one that holds the day."""
    from xueji.rules.transfers import check_timing

    decision = check_timing(day, policy=_closed_twice(), stated_reason="父母调往芜湖工作")
    blackout = [v for v in decision.violations if v.code == "transfer.blackout"]
    if period is None:
        assert blackout == []
        (step,) = [s for s in decision.explain().steps if s.rule == "transfer.blackout"]
        assert dict(step.facts)["periods"] == "01-20..02-10, 07-01..08-20, 12-28..01-03"
        return
    (v,) = blackout
    assert dict(v.facts) == {"on": day.isoformat(), "start": period[0], "end": period[1]}


def test_art25_a_registry_refuses_a_transfer_in_any_closed_period() -> None:
    p = Province(D(2026, 9, 1), policies=(_closed_twice(),))
    s = p.register("A", 1, birth=D(2018, 3, 1))
    p.at(D(2026, 12, 30))
    out = start_transfer(p, s.id, stated_reason="父母调往芜湖工作")
    assert [v.code for v in out.decision.violations] == ["transfer.blackout"]
    assert dict(out.decision.violations[0].facts)["start"] == "2026-12-28"
    assert out.request is None


# -- transfer_closed_grades: grades closed to transfers (初三、高三年级原则上不办理转学) ------


def _closing(grades: set[int], with_reason: bool = False) -> Any:
    """A province's profile: Anhui's, with ``grades`` closed to transfers (its Art 23)."""
    from xueji.articles import Article

    art = Article("某教基〔2027〕1号", 23)
    return attrs.evolve(
        ANHUI_2013,
        code="closing",
        transfer_closed_grades=Param(frozenset(grades), art),
        transfer_closed_grades_with_reason=Param(with_reason, art),
    )


def test_art25_a_profile_bars_transfers_in_its_closed_grades() -> None:
    """A province whose measures say 初三、高三年级原则上不办理转学 could not say so
    without editing the library. ``transfer_closed_grades`` refuses a transfer of a
    student in such a grade (``transfer.closed_grade``, citing the parameter's
    article); other grades transfer as before."""
    p = Province(policies=(_closing({9, 12}),))
    last, first = p.register("H", 12), p.register("H", 10)
    out = start_transfer(p, last.id, to="H2", grade=12, stated_reason="父母调往外地")
    assert out.decision.codes == ("transfer.closed_grade",)
    assert not out.allowed
    assert out.request is None
    assert str(out.decision.violations[0].article) == "某教基〔2027〕1号 第二十三条"
    step = next(s for s in out.decision.explain().steps if s.rule == "transfer.closed_grade")
    assert [u.name for u in step.params] == [
        "transfer_closed_grades",
        "transfer_closed_grades_with_reason",
    ]
    assert start_transfer(p, first.id, to="H2", grade=10).allowed


def test_art25_a_closed_grade_may_let_a_stated_reason_through_with_a_warning() -> None:
    """``transfer_closed_grades_with_reason`` reads 原则上 ("in principle"): a transfer
    in a closed grade with its reason stated in words goes through, warned (kept on
    the request); without one it is refused."""
    p = Province(policies=(_closing({12}, with_reason=True),))
    s = p.register("H", 12)
    bare = start_transfer(p, s.id, to="H2", grade=12)
    assert not bare.allowed
    assert bare.decision.codes == ("transfer.closed_grade",)
    ok = start_transfer(p, s.id, to="H2", grade=12, stated_reason="父母调往外地工作")
    assert ok.allowed, ok.decision
    assert ok.decision.codes == ("transfer.closed_grade",)
    assert ok.request is not None
    assert ok.request.warnings == ("transfer.closed_grade",)


def test_art25_a_closed_grade_bars_transfers_across_the_province_s_border() -> None:
    """A transfer in from another province and one out to another province are
    transfers too (as the term window and the blackout hold for them); a student
    leaving the country is not (its record is kept, Art 23)."""
    p = Province(policies=(_closing({12}),))
    s = p.register("H", 12)
    out = p.reg.request_cross_province_out(
        school_actor("H"), s.id, to_school_name="江苏某中学", reason="随迁"
    )
    assert out.decision.codes == ("transfer.closed_grade",)
    assert out.request is None
    born = D(2008, 5, 1)
    came = p.reg.transfer_in(
        school_actor("H"),
        origin="北京市某中学",
        abroad=False,
        school="H",
        class_id="H-12",
        grade=12,
        name="外省生",
        sex="F",
        birth_date=born,
        hukou_region="110105",
        registry_number="G" + make_id(born, "F", region="110105"),
    )
    assert "transfer.closed_grade" in [v.code for v in came.decision.violations]
    gone = p.reg.request_cross_border_out(
        school_actor("H"),
        s.id,
        destination="新加坡",
        leave_date=D(2026, 10, 1),
        reason="随父母出国",
    )
    assert gone.allowed, gone.decision


def test_art25_anhui_closes_no_grade_and_explains_no_such_step(province: Province) -> None:
    s = province.register("H", 12)
    out = start_transfer(province, s.id, to="H2", grade=12)
    assert out.allowed, out.decision
    assert "transfer.closed_grade" not in [step.rule for step in out.decision.explain().steps]
