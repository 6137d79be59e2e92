"""Who may do what (Art 28): every action as every kind of actor, inside and outside its
jurisdiction, compared with the permission matrix; and the generated matrix document."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.conftest import PROVINCE, D, Province, authority, make_id, school_actor
from xueji.access import PERMISSIONS, Scope, matrix_markdown
from xueji.errors import AccessDenied
from xueji.model import (
    Actor,
    ActorKind,
    InfoEntry,
    InfoGroup,
    Photo,
    SchoolClass,
    TransferReason,
    UnitLevel,
)
from xueji.model import School as SchoolValue
from xueji.model import Unit as UnitValue
from xueji.policy import Stage
from xueji.registry import Outcome, Registry

ROOT = Path(__file__).resolve().parent.parent
K = ActorKind
# where each school sits: school -> (county or None, city)
TREE = {"A": ("340104", "3401"), "W": ("340202", "3402"), "H": (None, "3401")}
OTHER = {"A": "W", "W": "A", "H": "WH"}


def actor_for(kind: ActorKind, school: str, inside: bool) -> Actor:
    """An actor of ``kind`` whose jurisdiction does (or does not) cover ``school``."""
    target = school if inside else OTHER[school]
    county, city = TREE.get(target, ("340202", "3402"))
    if kind is K.SCHOOL:
        return school_actor(target)
    if kind is K.COUNTY:
        return authority(county or ("340104" if not inside else "340202"))
    if kind is K.CITY:
        return authority(city)
    if kind is K.PROVINCE:
        return PROVINCE
    return Actor.system()


def _registered(p: Province, school: str = "A", grade: int = 1) -> str:
    return p.register(school, grade).id


def _new_student_request(p: Province, school: str) -> str:
    grade = 10 if school == "H" else 1
    s = p.enroll(school, grade)
    out = p.reg.submit(school_actor(school), s.id)
    assert out.request is not None
    return out.request.id


def _transfer_request(p: Province) -> str:
    sid = _registered(p)
    out = p.reg.request_transfer(
        school_actor("W"), sid, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    )
    assert out.request is not None
    return out.request.id


def _opened_by(p: Province, kind: ActorKind) -> tuple[str, Actor]:
    """A request opened by an actor of ``kind`` (a transfer in filed by the receiving
    side), and that actor. A county files none since the access review (it is the
    authority of each of its schools, whose stage it would decide: ``stage.own_filing``,
    Art 31): a county's is one a store written before may hold, the school's request
    with the county as its opener."""
    if kind is K.SCHOOL or kind in (K.PROVINCE, K.SYSTEM):
        return _transfer_request(p), school_actor("W")
    opener = authority("340202" if kind is K.COUNTY else "3402")
    out = p.reg.transfer_in(
        school_actor("W") if kind is K.COUNTY else opener,
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
    assert out.request is not None
    if kind is K.COUNTY:
        with p.store.unit_of_work() as uow:
            held = uow.requests.get(out.request.id)
            first = attrs.evolve(held.history[0], actor=opener.unit)
            uow.requests.update(
                attrs.evolve(held, history=(first, *held.history[1:]), version=held.version + 1)
            )
    return out.request.id, opener


def stage_case(
    p: Province, kind: ActorKind, inside: bool, *, transfer: bool = False
) -> tuple[str, Actor]:
    """A request waiting for a party of ``kind``, and an actor that is (or is not) it;
    with ``transfer``, a transfer (``decide_transfer`` decides no other request)."""
    if kind is K.SCHOOL:  # a transfer waits for the receiving school W
        return _transfer_request(p), actor_for(kind, "W", inside)
    if transfer and kind is K.CITY:  # into the city-run H: its city's stage
        sid = _registered(p, "WH", 10)
        out = p.reg.request_transfer(
            school_actor("H"), sid, to_school="H", to_class="H-10", reason=TransferReason.JOB_MOVE
        )
        assert out.request is not None
        p.reg.approve(school_actor("H"), out.request.id)
        return out.request.id, actor_for(kind, "H", inside)
    if transfer:  # into W: its county's stage
        rid = _transfer_request(p)
        p.reg.approve(school_actor("W"), rid)
        return rid, actor_for(kind, "W", inside)
    if kind is K.CITY:  # a senior high's review waits for its city
        return _new_student_request(p, "H"), actor_for(kind, "H", inside)
    return _new_student_request(p, "A"), actor_for(kind, "A", inside)


Case = Callable[[Province, Actor], object]


def _student_case(call: Callable[[Registry, Actor, str], object], grade: int = 1) -> Case:
    def run(p: Province, actor: Actor) -> object:
        return call(p.reg, actor, _registered(p, "A", grade))

    return run


CASES: dict[str, Case] = {
    "add_unit": lambda p, a: p.reg.add_unit(
        a, UnitValue("340111", "包河区", UnitLevel.COUNTY, "340111", "3401")
    ),
    "add_school": lambda p, a: p.reg.add_school(
        a, SchoolValue("N", "新校", "340104", "340104", frozenset({Stage.PRIMARY}))
    ),
    "add_class": lambda p, a: p.reg.add_class(
        a, SchoolClass("A-new", "A", "新班", 1, "班主任", D(2026, 9, 1))
    ),
    "enroll": lambda p, a: p.reg.enroll(
        a,
        school="A",
        class_id="A-1",
        grade=1,
        name="甲",
        sex="M",
        birth_date=D(2020, 3, 1),
        hukou_region="340104",
        id_number=make_id(D(2020, 3, 1)),
        photo=Photo(D(2026, 9, 1), "x"),
    ),
    "enroll_many": lambda p, a: p.reg.enroll_many(
        a,
        [
            {
                "school": "A",
                "class_id": "A-1",
                "grade": 1,
                "name": "甲",
                "sex": "M",
                "birth_date": D(2020, 3, 1),
                "hukou_region": "340104",
                "id_number": make_id(D(2020, 3, 1)),
                "photo": Photo(D(2026, 9, 1), "x"),
            }
        ],
    ),
    "update_student": lambda p, a: p.reg.update_student(a, p.enroll("A", 1).id, name="改"),
    "regrade": _student_case(
        lambda r, a, s: r.regrade(a, s, grade=2, class_id="A-2", reason="漏升级")
    ),
    "add_info": _student_case(
        lambda r, a, s: r.add_info(a, s, InfoGroup.AWARD, InfoEntry(D(2026, 9, 2), "奖"))
    ),
    "submit": lambda p, a: p.reg.submit(a, p.enroll("A", 1).id),
    "request_correction": _student_case(
        lambda r, a, s: r.request_correction(a, s, {"name": "新名"}, "更正")
    ),
    "graduate": lambda p, a: p.reg.graduate(a, _registered(p, "A", 6)),
    "complete": lambda p, a: p.reg.complete(a, _registered(p, "A", 6)),
    "request_transfer": lambda p, a: p.reg.request_transfer(
        a, _registered(p), to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    ),
    "transfer_in": lambda p, a: p.reg.transfer_in(
        a,
        origin="外省",
        abroad=True,
        school="W",
        class_id="W-1",
        grade=1,
        name="乙",
        sex="M",
        birth_date=D(2019, 3, 1),
        hukou_region="340202",
        id_number=make_id(D(2019, 3, 1)),
    ),
    "request_cross_province_out": _student_case(
        lambda r, a, s: r.request_cross_province_out(a, s, to_school_name="外省校", reason="随迁")
    ),
    "request_cross_border_out": _student_case(
        lambda r, a, s: r.request_cross_border_out(
            a, s, destination="新加坡", leave_date=D(2026, 10, 1), reason="出国"
        )
    ),
    "suspend": _student_case(lambda r, a, s: r.suspend(a, s, "病休")),
    "resume": lambda p, a: _resume(p, a),
    "record_dropout": _student_case(lambda r, a, s: r.record_dropout(a, s, "辍学")),
    "return_from_dropout": lambda p, a: _return(p, a),
    "void_record": lambda p, a: p.reg.void_record(a, p.enroll("A", 1).id, "误录"),
    "rollover": lambda p, a: (p.at(D(2027, 8, 1)), p.reg.rollover(a, 2027))[1],
    "advance_clock": lambda p, a: p.reg.advance_clock(a),
    "forget_idempotency_keys": lambda p, a: p.reg.forget_idempotency_keys(a, before=D(2026, 9, 1)),
    "student": _student_case(lambda r, a, s: r.student(a, s)),
    "students_of": lambda p, a: (_registered(p), p.reg.students_of(a, "A"))[1],
    "request": lambda p, a: p.reg.request(a, _new_student_request(p, "A")),
    "pending": lambda p, a: p.reg.pending(a),
    "history": _student_case(lambda r, a, s: r.history(a, s)),
    "migrant_dropouts": lambda p, a: p.reg.migrant_dropouts(
        a, start=D(2026, 9, 1), end=D(2027, 1, 31)
    ),
    "verify_log": lambda p, a: p.reg.verify_log(a),
    "checkpoint": lambda p, a: p.reg.checkpoint(a),
    "detect": lambda p, a: p.reg.detect(a),
    "public_class_list": lambda p, a: p.reg.public_class_list(a, "A"),
    "statistics": lambda p, a: p.reg.statistics(a),
    "national_export": lambda p, a: p.reg.national_export(a),
    "national_export_to": lambda p, a: p.reg.national_export_to(a, lambda r: None),
}
STAGE_CALLS = {
    "approve": lambda r, a, rid: r.approve(a, rid),
    "reject": lambda r, a, rid: r.reject(a, rid),
    "decide_transfer": lambda r, a, rid: r.decide_transfer(a, rid, approve=True),
}


def _resume(p: Province, a: Actor) -> object:
    sid = _registered(p)
    req = p.reg.suspend(school_actor("A"), sid, "病休").request
    assert req is not None
    p.reg.approve(authority("340104"), req.id)
    return p.reg.resume(a, sid, "复学")


def _return(p: Province, a: Actor) -> object:
    sid = _registered(p)
    req = p.reg.record_dropout(school_actor("A"), sid, "辍学").request
    assert req is not None
    p.reg.approve(authority("340104"), req.id)
    return p.reg.return_from_dropout(a, sid)


def _target(action: str) -> str:
    return "W" if PERMISSIONS[action].scope is Scope.RECEIVING else "A"


def _allowed(result: object) -> bool:
    from xueji.registry import BulkOutcome

    if isinstance(result, BulkOutcome):
        return result.allowed
    if isinstance(result, Outcome):
        assert "stage.wrong_party" not in result.decision.codes or not result.allowed
        return result.allowed or "stage.wrong_party" not in result.decision.codes
    return True


def expected(action: str, kind: ActorKind, inside: bool) -> bool:
    perm = PERMISSIONS[action]
    if kind not in perm.kinds:
        return False
    if kind in (K.PROVINCE, K.SYSTEM) or perm.scope in (
        Scope.SETUP,
        Scope.PROVINCE_WIDE,
        Scope.UNIT,
        Scope.INBOX,
    ):
        return True
    return inside


ALL = [
    (action, kind, inside)
    for action in PERMISSIONS
    for kind in ActorKind
    for inside in (True, False)
]


@pytest.mark.parametrize(
    ("action", "kind", "inside"),
    ALL,
    ids=[f"{a}-{k.value}-{'in' if i else 'out'}" for a, k, i in ALL],
)
def test_art28_every_action_by_every_actor(action: str, kind: ActorKind, inside: bool) -> None:
    p = Province()
    want = expected(action, kind, inside)
    if action in STAGE_CALLS:
        if kind in (K.PROVINCE, K.SYSTEM):
            rid, actor = _new_student_request(p, "A"), actor_for(kind, "A", inside)
        else:
            rid, actor = stage_case(p, kind, inside, transfer=action == "decide_transfer")
        call: Callable[[], object] = lambda: STAGE_CALLS[action](p.reg, actor, rid)  # noqa: E731
    elif action == "withdraw":
        rid, opener = _opened_by(p, kind)
        actor = (
            actor_for(kind, "W", inside)
            if kind in (K.PROVINCE, K.SYSTEM)
            else (opener if inside else actor_for(kind, "W", False))
        )
        call = lambda: p.reg.withdraw(actor, rid)  # noqa: E731
    else:
        actor = actor_for(kind, _target(action), inside)
        call = lambda: CASES[action](p, actor)  # noqa: E731
    marks: list[int] = []
    real = getattr(p.reg, action)

    def spy(*args: object, **kw: object) -> object:
        marks.append(len(p.log()))
        return real(*args, **kw)

    setattr(p.reg, action, spy)  # note where the action itself starts
    denied: AccessDenied | None = None
    try:
        result = call()
    except AccessDenied as e:
        denied, result = e, None
    got = denied is None and _allowed(result)
    assert got == want, f"{action} by {actor}: allowed={got}, matrix says {want} ({denied})"
    if denied is not None:
        assert denied.action == action
        assert str(PERMISSIONS[action].article) in str(denied)
    if not got:  # a refusal changes nothing
        assert len(p.log()) == marks[-1]


def test_no_action_is_missing_from_the_matrix() -> None:
    public = {
        name
        for name, fn in inspect.getmembers(Registry, inspect.isfunction)
        if not name.startswith("_") and name not in ("today", "policy", "authorize")
    }
    assert public == set(PERMISSIONS)
    assert set(PERMISSIONS) == set(CASES) | set(STAGE_CALLS) | {"withdraw"}


def test_the_matrix_document_is_generated() -> None:
    """The page holds the matrix ``xueji access`` prints, and says which of its parts
    are written by hand (found by the documentation review: it said "Generated by
    ``xueji access``" above notes and a section the command does not print, and the
    hint here said to overwrite the page with the command's output)."""
    text = (ROOT / "docs" / "access.md").read_text(encoding="utf-8")
    assert matrix_markdown() in text, "paste the matrix `xueji access` prints into docs/access.md"
    intro = text.split("\n\n", 2)[1]
    assert "written by hand" in intro


def test_art28_the_matrix_says_what_an_inbox_holds() -> None:
    """Found by the access review: the matrix said "✓ province-wide" for the
    province's ``pending``, which is always empty (no stage waits for the province:
    it decides none, Art 28). An inbox lists the requests whose stage waits for the
    actor, and the matrix says so, the province's empty."""
    from xueji.access import cell

    p = Province()
    _new_student_request(p, "A")
    _transfer_request(p)
    assert p.reg.pending(PROVINCE) == []
    assert "province-wide" not in cell("pending", K.PROVINCE)
    assert "empty" in cell("pending", K.PROVINCE)
    assert cell("pending", K.COUNTY) == cell("pending", K.SCHOOL) == "✓ its stages"
    assert [r.kind.value for r in p.reg.pending(authority("340104"))] == ["new_student"]
    assert [r.kind.value for r in p.reg.pending(school_actor("W"))] == ["transfer"]


def test_art7_a_central_school_manages_its_branches() -> None:
    p = Province()
    s = p.register("Z1", 1)
    central = school_actor("Z")
    assert p.reg.student(central, s.id).id == s.id
    assert p.reg.add_info(central, s.id, InfoGroup.AWARD, InfoEntry(D(2026, 9, 1), "奖")).allowed
    with pytest.raises(AccessDenied):
        p.reg.student(school_actor("Z1"), p.register("Z", 1).id)  # not the other way round


def test_a_city_covers_the_schools_it_runs_and_its_counties() -> None:
    p = Province()
    h = p.register("H", 10)
    a = p.register("A", 1)
    hefei = authority("3401")
    assert p.reg.student(hefei, h.id).school == "H"
    assert p.reg.student(hefei, a.id).school == "A"
    with pytest.raises(AccessDenied):
        p.reg.student(authority("3402"), a.id)
    with pytest.raises(AccessDenied):
        p.reg.student(authority("340104"), h.id)  # the county does not cover a city school


def test_art30_sensitive_reads_are_logged() -> None:
    p = Province()
    s = p.register("A", 1)
    reads_before = [e for e in p.log() if e.command == "read_sensitive"]
    p.reg.student(authority("340104"), s.id)
    reads = [e for e in p.log() if e.command == "read_sensitive"]
    assert len(reads) == len(reads_before) + 1
    assert (reads[-1].actor_unit, reads[-1].subject) == ("340104", s.id)
    assert reads[-1].after["fields"] == "id_number"
    assert all(s.id_number not in str(e) for e in p.log())  # masked in the log
    _ = dt


def test_art30_every_query_returning_full_numbers_logs_the_read_and_the_pages_name_it() -> None:
    """docs/privacy.md said full identity numbers are read "only through
    ``Registry.student`` and ``Registry.students_of``" (docs/audit.md named those two
    alone), but the national export returns them too (Art 5), its read logged. Each of
    the four returns the full number and logs one read, and both pages name the four."""
    p = Province()
    s = p.register("A", 1)
    county = authority("340104")

    def exported_to() -> list[Any]:
        got: list[Any] = []
        p.reg.national_export_to(county, got.append)
        return got

    queries: dict[str, Callable[[], Sequence[Any]]] = {
        "Registry.student": lambda: [p.reg.student(county, s.id)],
        "Registry.students_of": lambda: p.reg.students_of(county, "A"),
        "Registry.national_export": lambda: p.reg.national_export(county),
        "Registry.national_export_to": exported_to,
    }
    for name, query in queries.items():
        before = sum(1 for e in p.log() if e.command == "read_sensitive")
        assert s.id_number in {r.id_number for r in query()}, name
        assert sum(1 for e in p.log() if e.command == "read_sensitive") == before + 1, name
    for page in ("privacy.md", "audit.md"):
        text = (ROOT / "docs" / page).read_text(encoding="utf-8")
        assert all(f"`{name}`" in text for name in queries), page
        assert "only through `Registry.student` and `Registry.students_of`" not in text


def test_art28_the_receiving_school_of_a_transfer_is_not_handed_the_record() -> None:
    """A school of another city asked for a transfer of a student it does not hold and
    was handed the student's record, full identity number included, refused or not,
    with no read logged (Art 30)."""
    from xueji.model import TransferReason

    p = Province()
    s = p.register("A", 2)
    before = len(p.log())
    out = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    )
    assert out.student is None
    assert out.request is not None  # what it asked for: the request, not the record
    refused = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    )
    assert not refused.allowed
    assert refused.student is None
    assert [e.command for e in p.log()[before:]] == ["open_transfer"]  # no read to log


def test_art30_a_transfer_filing_tells_an_outsider_no_fact_of_the_student() -> None:
    """Found by the access review: a school of another city, guessing a student id and
    passing a class of the wrong grade so that nothing was opened, was told the
    student's status, sending school, disability flag, 户籍 and grade in the refusal's
    facts (its steps and violations), nothing logged, where reading the student is
    denied. An actor who may not read the student (a receiving school or authority of
    another city) is told the rules' codes, articles and messages, refused or
    allowed, without their facts; one who may read it, everything as before. So for a
    transfer in of a record coming back that the receiving school may not read."""
    from xueji.model import TransferReason

    p = Province()
    s = p.register("A", 3, special_needs=True, migrant=True)
    before = len(p.log())
    secrets = ("340104", "special_needs", "hukou_region", "from_school", "'A'")
    record = {"status", "from_school", "from_city", "special_needs", "hukou_region", "grade"}

    def told(out: Outcome) -> str:
        return str(out.decision.to_dict()) + out.decision.explain().text("en")

    for actor in (school_actor("W"), authority("3402")):
        probe = p.reg.request_transfer(
            actor, s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
        )
        assert not probe.allowed
        assert not record & {k for v in probe.decision.violations for k, _ in v.facts}
        assert not record & {k for st in probe.decision.explain().steps for k, _ in st.facts}
        assert not [x for x in secrets if x in told(probe)], told(probe)
        with pytest.raises(AccessDenied):
            p.reg.student(actor, s.id)
    assert len(p.log()) == before
    # a decision asked of a guessed request it may not read: the party it waits for
    # (the student's school's authority) is not said either
    suspension = p.reg.suspend(school_actor("A"), s.id, "病休").request
    assert suspension is not None
    guess = p.reg.approve(school_actor("W"), suspension.id)
    assert guess.decision.codes == ("stage.wrong_party",)
    assert guess.request is None
    assert not [x for x in secrets if x in told(guess)], told(guess)
    assert p.reg.withdraw(school_actor("A"), suspension.id).allowed
    before = len(p.log())
    # allowed, the same: every rule said, none with its facts
    out = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-3", reason=TransferReason.JOB_MOVE
    )
    assert out.allowed
    assert out.request is not None
    assert "transfer.same_city_choice" in out.decision.explain().rules
    assert not [x for x in secrets if x in told(out)], told(out)
    assert p.reg.withdraw(school_actor("W"), out.request.id).allowed
    # the student's own county, filing a move into its own school, is told all
    mine = p.reg.request_transfer(
        authority("340104"), s.id, to_school="B", to_class="B-1", reason=TransferReason.JOB_MOVE
    )
    assert not mine.allowed
    assert any(step.facts for step in mine.decision.explain().steps)
    assert "340104" in told(mine)
    # a record coming back from abroad, brought back by a school of another city
    gone = p.reg.request_cross_border_out(
        school_actor("A"), s.id, destination="新加坡", leave_date=D(2026, 10, 1), reason="出国"
    ).request
    assert gone is not None
    for party in (school_actor("A"), authority("340104")):
        assert p.reg.approve(party, gone.id).allowed
    back = p.reg.transfer_in(
        school_actor("W"),
        origin="新加坡",
        abroad=True,
        school="W",
        class_id="W-3",
        grade=3,
        name=s.name,
        sex=s.sex,
        birth_date=s.birth_date,
        hukou_region="340202",
        id_number=s.id_number,
    )
    assert back.allowed, back.decision
    assert not {"requests", "open", "fields"} & {
        k for st in back.decision.explain().steps for k, _ in st.facts
    }


def test_art30_a_returning_record_s_request_log_tells_its_receiver_no_fact_of_it() -> None:
    """Found by the merge review: the entry opening a transfer in of a record coming
    back logged the school the record was at (as every opening entry logs the
    student's), and the receiving school, which may not read the record before the
    return is approved, read it in the request's history. The entry leaves the
    earlier record's school out there; the Art 32 report still charges a request
    changed outside the registry to that school (the school the log had the student
    in)."""
    p = Province()
    s = p.register("A", 2, hukou_region="340104")
    gone = p.reg.request_cross_border_out(
        school_actor("A"), s.id, destination="美国", leave_date=D(2026, 9, 10), reason="出国"
    ).request
    assert gone is not None
    for party in (school_actor("A"), authority("340104")):
        assert p.reg.approve(party, gone.id).allowed
    p.at(D(2026, 9, 20))
    back = p.reg.transfer_in(
        school_actor("W"),
        origin="美国",
        abroad=True,
        school="W",
        class_id="W-2",
        grade=2,
        name=s.name,
        sex=s.sex,
        birth_date=s.birth_date,
        hukou_region="340104",
        id_number=s.id_number,
        stated_reason="回国",
    )
    assert back.allowed
    assert back.student is None
    assert back.request is not None
    rid = back.request.id
    for actor in (school_actor("W"), authority("340202")):
        with pytest.raises(AccessDenied):
            p.reg.student(actor, s.id)
        entries = p.reg.history(actor, rid)
        assert [e.command for e in entries] == ["open_cross_border_in"]
        logged = {**entries[0].before, **entries[0].after}
        assert not {"school", "from_school"} & set(logged), logged
        assert "A" not in logged.values(), logged
        assert logged["to_school"] == "W"  # what the receiving school gave is kept
    # the report charges the request, changed in the store, to the record's school
    rows = p.store.requests.t.rows
    rows[rid] = attrs.evolve(rows[rid], to_class="W-3")
    for actor in (PROVINCE, authority("340104")):
        found = [(f.subject, f.unit) for f in p.reg.detect(actor).findings]
        assert (rid, "A") in found, found


def test_art28_an_actor_s_kind_must_be_its_unit_s_level() -> None:
    """ "county 34" (the province's own code) was given a county's data maintenance over
    every school of the province; a city acting under a county's code likewise."""
    from xueji.model import ActorKind

    p = Province()
    s = p.register("W", 2)
    before = len(p.log())
    for wrong in (Actor(ActorKind.COUNTY, "34"), Actor(ActorKind.CITY, "340104")):
        with pytest.raises(AccessDenied):
            p.reg.update_student(wrong, s.id, migrant=True)
        with pytest.raises(AccessDenied):
            p.reg.record_dropout(wrong, s.id, "x")
    assert len(p.log()) == before


def test_art28_a_stage_approved_by_default_is_nobody_s_to_repeat() -> None:
    """After the sweep's final default approval the last party recorded is the system:
    an actor whose unit was called "system" repeated it, and got the record back."""
    from xueji.model import ActorKind, TransferReason

    p = Province()
    s = p.register("A", 2)
    out = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    )
    assert out.request is not None
    p.at(D(2027, 6, 1))
    p.reg.advance_clock(Actor.system())
    again = p.reg.approve(Actor(ActorKind.SCHOOL, "system"), out.request.id)
    assert again.decision.codes == ("stage.wrong_party",)
    assert again.student is None


def test_art21_only_the_opener_of_its_kind_withdraws() -> None:
    """The opener was compared by its code alone: a county actor under the code of
    the school that opened a transfer withdrew it."""
    from xueji.model import ActorKind, TransferReason

    p = Province()
    s = p.register("A", 2)
    out = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    )
    assert out.request is not None
    before = len(p.log())
    posing = p.reg.withdraw(Actor(ActorKind.COUNTY, "W"), out.request.id)
    assert posing.decision.codes == ("stage.wrong_party",)
    assert len(p.log()) == before
    assert p.reg.withdraw(school_actor("W"), out.request.id).allowed


def test_art21_an_authority_stage_is_decided_by_a_unit_of_its_kind() -> None:
    """An authority's stage was matched on the acting unit's code alone (``withdraw``
    checked the kind, approvals did not): a county actor under the city's code
    approved the Hefei city stage. It is refused now, nothing written; the city
    decides it."""
    p = Province()
    s = p.register("WH", 10, hukou_region="340202")
    out = p.reg.request_transfer(
        school_actor("H"), s.id, to_school="H", to_class="H-10", reason=TransferReason.JOB_MOVE
    )
    assert out.request is not None
    assert p.reg.approve(school_actor("H"), out.request.id).allowed
    posing = Actor(ActorKind.COUNTY, "3401", "not a county")
    before = (p.reg.request(PROVINCE, out.request.id), len(p.log()))
    for decide in (p.reg.approve, p.reg.reject):
        assert decide(posing, out.request.id).decision.codes == ("stage.wrong_party",)
    no = p.reg.decide_transfer(posing, out.request.id, approve=True)
    assert no.decision.codes == ("stage.wrong_party",)
    assert (p.reg.request(PROVINCE, out.request.id), len(p.log())) == before
    assert out.request not in p.reg.pending(posing)
    assert [r.id for r in p.reg.pending(authority("3401"))] == [out.request.id]
    done = p.reg.approve(authority("3401"), out.request.id)
    assert done.request is not None
    assert done.request.state.value == "at_sending_school"


def test_art7_a_central_school_decides_its_branch_s_stages() -> None:
    """A 学区中心校 manages its 分校's students (Art 7): it reads them and files their
    changes, but a stage waiting for the branch was the branch's code alone, and the
    central school was refused (``stage.wrong_party``). It decides the branch's
    stages now, finds them among its own (``pending``) and withdraws what the branch
    filed; the branch still decides its own; neither another school nor the branch
    for its central school."""
    p = Province()
    central, branch = school_actor("Z"), school_actor("Z1")
    s, t = p.register("Z1", 1, hukou_region="340121"), p.register("Z1", 1, hukou_region="340121")
    ids = []
    for x in (s, t):
        out = p.reg.request_transfer(
            school_actor("W"), x.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
        )
        assert out.request is not None
        for actor in (school_actor("W"), authority("340202")):
            assert p.reg.approve(actor, out.request.id).allowed
        ids.append(out.request.id)
    assert sorted(r.id for r in p.reg.pending(central)) == sorted(ids)
    assert p.reg.approve(school_actor("A"), ids[0]).decision.codes == ("stage.wrong_party",)
    by_central = p.reg.approve(central, ids[0])
    assert by_central.allowed, by_central.decision
    assert by_central.request is not None
    assert by_central.request.state.value == "at_sending_authority"
    assert by_central.request.history[-1].actor == "Z"
    assert p.reg.reject(branch, ids[1]).allowed  # the branch decides its own as before
    # the central school's own stage is not the branch's
    u = p.register("Z", 1, hukou_region="340121")
    mine = p.reg.request_transfer(
        school_actor("W"), u.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    ).request
    assert mine is not None
    for actor in (school_actor("W"), authority("340202")):
        p.reg.approve(actor, mine.id)
    assert p.reg.approve(branch, mine.id).decision.codes == ("stage.wrong_party",)
    # a change the branch filed: the central school may withdraw it
    filed = p.reg.suspend(branch, t.id, "病休").request
    assert filed is not None
    assert p.reg.withdraw(central, filed.id).allowed


def test_art28_a_province_actor_must_be_the_store_s_province() -> None:
    """A province actor sees every school: one whose unit did not exist ("province
    99") read full identity numbers province-wide and added units. A fresh store,
    with no province-level unit yet, lets its province add its own."""
    from xueji.model import ActorKind, UnitLevel
    from xueji.storage import MemoryStore

    p = Province()
    s = p.register("A", 2)
    before = len(p.log())
    stranger = Actor(ActorKind.PROVINCE, "99")
    with pytest.raises(AccessDenied):
        p.reg.student(stranger, s.id)
    with pytest.raises(AccessDenied):
        p.reg.add_unit(stranger, UnitValue("3403", "蚌埠市教育局", UnitLevel.CITY, "340300", "34"))
    with pytest.raises(AccessDenied):  # a city's code under the province's kind
        p.reg.statistics(Actor(ActorKind.PROVINCE, "3401"))
    assert len(p.log()) == before
    assert p.reg.student(PROVINCE, s.id).id == s.id
    fresh = Registry(MemoryStore())
    assert fresh.add_unit(
        PROVINCE, UnitValue("34", "安徽省教育厅", UnitLevel.PROVINCE, "340000")
    ).allowed
    with pytest.raises(AccessDenied):  # set up: now only that province
        fresh.add_unit(stranger, UnitValue("3401", "合肥市教育局", UnitLevel.CITY, "340100", "34"))


def test_art18_who_may_run_the_rollover_is_asked_before_its_date() -> None:
    """A school that runs the rollover is refused access whatever the day: before 1
    August it was told the date (``rollover.date``), as if it might run it later."""
    p = Province(D(2027, 7, 1))
    for actor in (school_actor("A"), authority("340104")):
        with pytest.raises(AccessDenied):
            p.reg.rollover(actor, 2027)
    assert p.reg.rollover(PROVINCE, 2027).decision.codes == ("rollover.date",)


def test_art30_a_request_holding_a_new_identity_number_logs_its_read() -> None:
    """A correction's payload holds the new identity number whole (its approval applies
    it), and ``Registry.request`` and ``Registry.pending`` returned it with no read
    logged (a known limit in docs/privacy.md). Each now logs one read, naming the
    payload's fields; a request with no identity number in it logs none."""
    p = Province()
    s = p.register("A", 1)
    county = authority("340104")
    school = school_actor("A")
    assert s.id_number is not None
    new = make_id(s.birth_date, s.sex)
    fix = p.reg.request_correction(school, s.id, {"id_number": new}, "号码有误").request
    assert fix is not None

    def reads() -> list[Any]:
        return [e for e in p.log() if e.command == "read_sensitive"]

    before = len(reads())
    assert p.reg.request(county, fix.id).payload["id_number"] == new
    assert len(reads()) == before + 1
    assert (reads()[-1].subject, reads()[-1].after["fields"]) == (fix.id, "payload.id_number")
    assert [r.id for r in p.reg.pending(county)] == [fix.id]
    assert len(reads()) == before + 2
    assert reads()[-1].after["records"] == "1"
    assert all(new not in str(e) for e in p.log())  # the log masks it
    renamed = p.reg.request_correction(school, s.id, {"name": "新名"}, "改名").request
    assert renamed is not None
    count = len(reads())
    p.reg.request(county, renamed.id)
    assert len(reads()) == count  # no identity number in it: no read to log
    assert p.reg.reject(county, fix.id).allowed
    assert [r.id for r in p.reg.pending(county)] == [renamed.id]
    assert len(reads()) == count


def test_art30_a_query_that_logs_its_read_is_retried_like_a_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``Registry.request`` and ``Registry.pending`` log the read of a correction's new
    identity number, and so append to the log: one that lost the race to another
    writer raised ``ConcurrencyConflict`` to a plain reader, where ``Registry.student``
    (the same read, logged) runs again (found by the review of the merged changes)."""
    from xueji import registry as regmod
    from xueji.errors import ConcurrencyConflict

    p = Province()
    s = p.register("A", 2)
    fix = p.reg.request_correction(
        school_actor("A"), s.id, {"id_number": make_id(s.birth_date, s.sex)}, "号码有误"
    ).request
    assert fix is not None
    real = regmod.Registry._read
    lost = {"n": 0}

    def racing(self: Registry, *a: Any, **kw: Any) -> None:
        if lost["n"] == 0:
            lost["n"] += 1
            raise ConcurrencyConflict.version("change log", "1", 1, 2)
        real(self, *a, **kw)

    monkeypatch.setattr(regmod.Registry, "_read", racing)
    assert p.reg.request(PROVINCE, fix.id).id == fix.id
    assert lost["n"] == 1
    lost["n"] = 0
    assert [r.id for r in p.reg.pending(authority("340104"))] == [fix.id]
    assert lost["n"] == 1


def test_art30_a_decision_hands_back_only_what_the_actor_may_read() -> None:
    """Found by the access review: a decision refused to a unit that was not its party
    (another city's school, another city's authority, asking by a guessed request id)
    handed it the whole request, a correction's new identity number included; and a
    transfer's receiving school and county, approving their stages, were handed the
    record of the student still at the other school, full ID number included, with no
    read logged. An outcome now holds the request and the student only where the
    actor may read them (Arts 28, 30)."""

    p = Province()
    s = p.register("A", 1)
    new = make_id(s.birth_date, s.sex)
    fix = p.reg.request_correction(school_actor("A"), s.id, {"id_number": new}, "号码有误").request
    assert fix is not None
    for outsider, decide in (
        (school_actor("W"), p.reg.reject),
        (authority("3402"), p.reg.approve),
        (school_actor("W"), p.reg.withdraw),
    ):
        out = decide(outsider, fix.id)
        assert not out.allowed
        assert out.request is None
        assert out.student is None
    own = p.reg.approve(authority("340104"), fix.id)  # its party sees it
    assert own.allowed
    assert own.request is not None
    t = p.register("A", 2)
    moving = p.reg.request_transfer(
        school_actor("W"), t.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    ).request
    assert moving is not None
    refused = p.reg.decide_transfer(school_actor("B"), moving.id, approve=False, note="x")
    assert not refused.allowed
    assert refused.request is None
    first = p.reg.approve(school_actor("W"), moving.id)
    assert first.allowed
    assert first.request is not None  # (its own stage: W is one of its schools)
    assert first.student is None  # the student is still at A
    second = p.reg.approve(authority("340202"), moving.id)
    assert second.allowed
    assert second.student is None


def test_art28_an_actor_kind_given_as_text_is_bad_input() -> None:
    """Found by the access review: ``Actor("province", "99")`` passed every kind test
    but the province's own (``is ActorKind.PROVINCE``), so another province's actor
    read a student's history and a class list; it is bad input now. And ``pending``
    checks that a province actor is the store's province, as every other query does."""
    from xueji.errors import XuejiError

    p = Province()
    s = p.register("A", 1)
    stranger = Actor("province", "99")  # type: ignore[arg-type]
    for query in (
        lambda: p.reg.history(stranger, s.id),
        lambda: p.reg.public_class_list(stranger, "A"),
        lambda: p.reg.student(stranger, s.id),
    ):
        with pytest.raises(XuejiError) as err:
            query()
        assert err.value.code == "command.bad_input"
    for province in (Actor(ActorKind.PROVINCE, "99"), Actor(ActorKind.PROVINCE, "3401")):
        with pytest.raises(AccessDenied):
            p.reg.pending(province)
    assert p.reg.pending(PROVINCE) == []


def test_art28_a_denied_read_of_a_province_level_subject_names_it_in_words() -> None:
    """Found by the privacy review: ``history`` of a subject that is no school's (a
    unit's, or a text that names nothing, such as an identity number) was refused
    naming the registry's internal marker, a NUL byte and "province", in the message
    (``超出管辖范围：\\0province``). It says 省级 / province-level subject."""
    p = Province()
    s = p.register("A", 1)
    assert s.id_number is not None
    for subject in (s.id_number, "340104"):
        with pytest.raises(AccessDenied) as denied:
            p.reg.history(school_actor("A"), subject)
        e = denied.value
        for text in (str(e), e.message_zh, e.message_en):
            assert "\0" not in text, text
            assert "\\0" not in text, text
        assert "超出管辖范围：省级" in e.message_zh
        assert "outside the actor's jurisdiction: a province-level subject" in e.message_en
    assert p.reg.history(PROVINCE, "340104") is not None  # the province reads it


def test_art30_a_read_log_entry_names_the_identity_fields_the_records_hold() -> None:
    """Found by the privacy review: reading a student identified by a guardian's
    number (Art 13: no id_number, a J 学籍号) was logged as a read of ``id_number``,
    which the record does not hold; what was read whole was the guardian's number and
    the J number. ``students_of`` likewise named ``id_number`` alone. The entry names
    the identity fields the records read hold: ``id_number``, ``guardian_id``, and
    ``registry_number`` for a 学籍号 the identity number does not give (a J or L
    number, an earlier or voided one; a G number is ``G`` + the ``id_number``). The
    national export, logged before it reads, names its three identity columns."""
    p = Province()
    own = p.register("A", 1)
    guardian = make_id(D(1990, 5, 5), "M")
    kept = p.register("A", 1, id_number=None, guardian_id=guardian, name="李二")
    assert kept.registry_number is not None
    assert kept.registry_number[0] == "J"
    county = authority("340104")

    def last_read() -> dict[str, str]:
        reads = [e for e in p.log() if e.command == "read_sensitive"]
        return dict(reads[-1].after)

    p.reg.student(county, own.id)
    assert last_read() == {"fields": "id_number", "records": "1"}
    p.reg.student(county, kept.id)
    assert last_read() == {"fields": "guardian_id,registry_number", "records": "1"}
    p.reg.students_of(county, "A")
    assert last_read() == {"fields": "id_number,guardian_id,registry_number", "records": "2"}
    p.reg.national_export(county)
    assert last_read()["fields"] == "id_number,guardian_id,registry_number"
    assert guardian not in str(p.log())
    assert kept.registry_number not in str(p.log())
