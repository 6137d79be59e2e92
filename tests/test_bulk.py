"""Bulk enrolment (Art 12) through the write-behind path of ``Registry.enroll_many``:
every row is decided by the same rules as ``enroll``, in chunks, and nothing is lost."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import PROVINCE, Province, enrol_kwargs, make_id, school_actor
from xueji import registry
from xueji.articles import ANHUI_2013_MEASURES, Article
from xueji.errors import AccessDenied, ConcurrencyConflict, StorageError, XuejiError
from xueji.masking import IdMask
from xueji.model import School, SchoolClass, Student
from xueji.policy import ANHUI_2013, NATIONAL_2013, Stage
from xueji.rules import enrolment
from xueji.storage.sql import SqlStore
from xueji.testing import strategies as xst

D = dt.date
A = school_actor("A")


BORN = D(2020, 3, 1)


def _row(i: int, birth: dt.date = BORN, **kw: Any) -> dict[str, Any]:
    return enrol_kwargs(birth, **{"name": f"批量{i}", **kw})


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of three rows, so that a handful of rows crosses chunk boundaries."""
    monkeypatch.setattr(registry, "BULK_CHUNK", 3)


@pytest.mark.usefixtures("small_chunks")
def test_art12_bulk_rows_are_decided_like_single_enrolments(province: Province) -> None:
    known = province.enroll("A", 1, birth=D(2020, 3, 1))
    rows = [_row(i) for i in range(10)]
    rows[1] = {**rows[1], "id_number": rows[0]["id_number"]}  # twice in one chunk
    rows[4] = {**rows[4], "id_number": rows[2]["id_number"]}  # again in the next chunk
    rows[5] = {**rows[5], "id_number": known.id_number}  # already in the store
    rows[6] = _row(6, id_number=None, guardian_id=make_id(D(1990, 1, 1)))  # J number
    rows[7] = {**rows[7], "shoe_size": 38}  # a field enroll does not know
    rows[8] = {**rows[8], "school": "NOPE"}
    rows[9] = {**rows[9], "class_id": "A-NOPE"}
    out = province.reg.enroll_many(A, rows, all_or_nothing=False)
    assert out.committed
    refused = {i: tuple(v.code for v in d.violations) for i, d in out.refused}
    assert refused == {
        1: ("enrolment.duplicate",),
        4: ("enrolment.duplicate",),
        5: ("enrolment.duplicate",),
        7: ("command.bad_input",),
        8: ("not_found.school",),
        9: ("not_found.class",),
    }
    assert [s.name for s in out.applied] == ["批量0", "批量2", "批量3", "批量6"]  # row order
    by_name = {s.name: s for s in out.applied}
    assert (by_name["批量6"].registry_number or "").startswith("J")
    assert by_name["批量0"].registry_number == "G" + rows[0]["id_number"]
    numbers = [s.registry_number for s in out.applied] + [known.registry_number]
    regional = [s.regional_number for s in out.applied] + [known.regional_number]
    ids = [s.id for s in out.applied] + [known.id]
    assert len(set(numbers)) == len(set(regional)) == len(set(ids)) == 5
    assert len(province.reg.students_of(A, "A")) == 5
    assert province.reg.verify_log(PROVINCE).ok
    for s in out.applied:  # each record is logged once and stored as returned
        assert [e.command for e in province.reg.history(PROVINCE, s.id)] == ["enroll"]
        assert province.reg.student(A, s.id) == s


@pytest.mark.usefixtures("small_chunks")
def test_art16_bulk_enrolment_keeps_the_class_size_cap(province: Province) -> None:
    for _ in range(40):
        province.enroll("A", 1)
    out = province.reg.enroll_many(A, [_row(i) for i in range(8)], all_or_nothing=False)
    assert len(out.applied) == 5  # 45 seats in a primary class
    assert {i: tuple(v.code for v in d.violations) for i, d in out.refused} == dict.fromkeys(
        (5, 6, 7), ("class.full",)
    )


def test_art12_bulk_enrolment_is_the_same_as_one_by_one(tmp_path: Any) -> None:
    """The write-behind path writes exactly what single enrolments write: the same
    records, numbers and change-log entries, hash for hash."""
    rows = [_row(i, birth=D(2019 + i % 2, 1 + i % 8, 1 + i % 28)) for i in range(25)]
    one = Province(store=SqlStore.sqlite(str(tmp_path / "one.sqlite3")))
    many = Province(store=SqlStore.sqlite(str(tmp_path / "many.sqlite3")))
    singles = [one.reg.enroll(A, **row).unwrap().student for row in rows]
    bulk = many.reg.enroll_many(A, rows)
    assert bulk.allowed
    assert list(bulk.applied) == singles
    assert [e.hash for e in many.log()] == [e.hash for e in one.log()]


@pytest.mark.usefixtures("small_chunks")
def test_art14_bulk_decisions_of_repeated_facts_are_those_of_single_enrolments(
    tmp_path: Any,
) -> None:
    """A bulk import decides the rules whose facts repeat (birth date, photo, entry
    date, school) once per call and reuses the decision: each row's decision, its
    warnings and its explanation are still those of its own single enrolment."""
    young, old = D(2022, 3, 1), D(2019, 5, 1)
    rows = [
        _row(0, birth=young),  # too young (Art 14)
        _row(1, birth=young),  # the same refusal, decided once
        _row(2, birth=old, photo=None),  # no photo (Art 12)
        _row(3, birth=old, photo=None),
        _row(4, birth=old),  # allowed, with the consent warning
        _row(5, birth=young, photo=None),  # both
        _row(6, birth=old),
    ]
    one = Province(store=SqlStore.sqlite(str(tmp_path / "one.sqlite3")))
    many = Province(store=SqlStore.sqlite(str(tmp_path / "many.sqlite3")))
    singles = [one.reg.enroll(A, **row).decision for row in rows]
    bulk = many.reg.enroll_many(A, rows, all_or_nothing=False)
    refused = dict(bulk.refused)
    assert sorted(refused) == [0, 1, 2, 3, 5]
    for i, decision in refused.items():
        assert decision == singles[i]
        assert decision.explain().to_dict() == singles[i].explain().to_dict()
    assert refused[5].codes[:2] == ("enrolment.too_young", "enrolment.photo_missing")
    assert [s.name for s in bulk.applied] == ["批量4", "批量6"]
    assert all(singles[i].allowed for i in (4, 6))
    # the rows applied with warnings are listed with them (they were dropped before)
    warned = dict(bulk.warned)
    assert sorted(warned) == [4, 6]
    for i, decision in warned.items():
        assert decision.allowed
        assert decision.warnings == singles[i].warnings
        assert decision.codes == ("privacy.consent_missing",)


@pytest.mark.usefixtures("small_chunks")
def test_art15_bulk_rows_entered_late_are_applied_with_their_warnings(tmp_path: Any) -> None:
    """Rows entered after the Art 15 deadline are applied, each with the warnings its
    single enrolment gives (late, and the missing consent of a minor): several rules
    warn at once, and a row that warns is listed whichever path decided it."""
    on = D(2026, 10, 20)
    rows = [_row(i, birth=D(2019, 1 + i % 5, 1), entry_date=D(2026, 9, 1)) for i in range(7)]
    rows[3] = {**rows[3], "consent": None, "birth_date": D(2008, 1, 1), "grade": 10}
    rows[3] = {**rows[3], "id_number": make_id(D(2008, 1, 1)), "class_id": "A-1"}
    rows[5] = {**rows[5], "idempotency_key": "late-5"}  # decided one by one
    one = Province(on, store=SqlStore.sqlite(str(tmp_path / "one.sqlite3")))
    many = Province(on, store=SqlStore.sqlite(str(tmp_path / "many.sqlite3")))
    singles = [one.reg.enroll(A, **row).decision for row in rows]
    bulk = many.reg.enroll_many(A, rows, all_or_nothing=False)
    assert [i for i, _ in bulk.refused] == [i for i, d in enumerate(singles) if not d.allowed]
    applied = [i for i, d in enumerate(singles) if d.allowed]
    assert len(bulk.applied) == len(applied) >= 5
    warned = dict(bulk.warned)
    assert sorted(warned) == [i for i in applied if singles[i].warnings]
    for i in warned:
        assert warned[i].warnings == singles[i].warnings
    assert "enrolment.late" in warned[0].codes
    assert "privacy.consent_missing" in warned[0].codes  # two rules warned
    assert 5 in warned


def test_bulk_outcome_lists_no_warnings_when_nothing_was_committed(province: Province) -> None:
    out = province.reg.enroll_many(A, [_row(0), _row(1, school="NOPE")])
    assert not out.committed
    assert out.warned == ()


def test_art12_a_graduate_continues_through_a_bulk_import() -> None:
    p = Province(D(2026, 6, 1))
    s = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2026, 7, 10))
    assert p.reg.graduate(school_actor("A"), s.id).allowed
    p.at(D(2026, 9, 1))
    row = _row(0, birth=D(2014, 3, 1), school="J", class_id="J-7", grade=7)
    out = p.reg.enroll_many(school_actor("J"), [{**row, "id_number": s.id_number}])
    assert out.allowed
    assert out.applied[0].id == s.id
    assert out.applied[0].registry_number == s.registry_number


def test_art12_an_empty_import_changes_nothing(province: Province) -> None:
    before = len(province.log())
    out = province.reg.enroll_many(A, iter(()))
    assert out.allowed
    assert out.applied == ()
    assert len(province.log()) == before


def test_art12_a_refused_bulk_import_gives_its_numbers_back(province: Province) -> None:
    rows = [_row(i) for i in range(3)] + [_row(3, birth=D(2023, 1, 1))]  # too young
    assert not province.reg.enroll_many(A, rows).committed
    again = province.reg.enroll_many(A, rows[:3])
    assert [s.id for s in again.applied] == [f"S{n:07d}" for n in (1, 2, 3)]


def test_the_collector_pause_leaves_the_host_as_it_was(province: Province) -> None:
    """A bulk command pauses the cyclic collector and hands its surviving objects to
    the oldest generation on the way out, without releasing what the host froze."""
    import gc

    out = province.reg.enroll_many(A, [_row(0)])
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    student = out.applied[0]
    assert id(student) in {id(o) for o in gc.get_objects(generation=2)}
    gc.disable()  # a host that runs with the collector off keeps it off
    try:
        province.reg.enroll_many(A, [_row(1)])
        assert not gc.isenabled()
    finally:
        gc.enable()
    held = [[i] for i in range(3)]  # a host's own frozen objects stay frozen
    gc.freeze()
    try:
        province.reg.enroll_many(A, [_row(2)])
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0
        tracked = {id(o) for o in gc.get_objects()}  # the permanent generation is not listed
        assert not any(id(x) in tracked for x in held)
    finally:
        gc.unfreeze()
    assert any(id(x) == id(held[0]) for x in gc.get_objects())


def test_art14_repeating_rules_are_decided_once_a_day_across_bulk_calls(
    province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The memo of repeating rules outlives one ``enroll_many``: a province imports in
    many calls on one day under one policy. A new date starts a new memo, and so
    does one past ``RULE_MEMO_SIZE``."""
    from xueji.rules import privacy

    calls: list[object] = []
    real = privacy.check_consent

    def counted(*a: Any, **kw: Any) -> Any:
        calls.append(a)
        return real(*a, **kw)

    monkeypatch.setattr(privacy, "check_consent", counted)
    assert province.reg.enroll_many(A, [_row(0)]).allowed
    assert province.reg.enroll_many(A, [_row(1)]).allowed  # the same birth date
    assert len(calls) == 1
    province.at(province.today() + dt.timedelta(days=1))
    assert province.reg.enroll_many(A, [_row(2)]).allowed
    assert len(calls) == 2
    monkeypatch.setattr(registry, "RULE_MEMO_SIZE", 0)  # full after one decision
    assert province.reg.enroll_many(A, [_row(3)]).allowed
    assert province.reg.enroll_many(A, [_row(4)]).allowed
    assert len(calls) == 4


def test_art2_a_kept_stage_decision_is_keyed_by_the_school_s_stages(province: Province) -> None:
    """A memo kept across commands holds every fact its rule reads: the same school
    code with other stages is decided afresh."""
    from xueji.policy import ANHUI_2013, Stage

    reg = province.reg
    with reg.store.unit_of_work() as uow:
        sch, klass = uow.schools.get("A"), uow.classes.get("A-1")
    assert sch is not None
    assert klass is not None
    on = province.today()
    memo = reg._rule_memo(ANHUI_2013, on)
    args = (1, Stage.PRIMARY, BORN, "M", make_id(BORN), 0, memo)
    before = reg._admission(ANHUI_2013, on, on, sch, klass, *args)
    changed = attrs.evolve(sch, stages=frozenset({Stage.SENIOR}))
    after = reg._admission(ANHUI_2013, on, on, changed, klass, *args)
    assert before[2].allowed
    assert after[2].codes == ("enrolment.stage_mismatch",)
    assert reg._rule_memo(ANHUI_2013, on) is memo


@given(
    virtual=st.booleans(),
    head=st.sampled_from(["班主任", "", "  "]),
    school=st.sampled_from(["A", "B"]),
    grade=st.integers(1, 12),
    stage=st.sampled_from(list(Stage)),
    size=st.integers(0, 80),
)
def test_art16_the_bulk_class_predicate_is_the_rule(
    virtual: bool, head: str, school: str, grade: int, stage: Stage, size: int
) -> None:
    """A bulk row asks ``class_admits`` and builds the decision of ``check_class`` only
    when it says no: the two must agree on every class."""
    klass = SchoolClass("A-1", "A", "一(1)班", 3, head, D(2026, 9, 1), virtual=virtual)
    for policy in (ANHUI_2013, NATIONAL_2013):
        kw: dict[str, Any] = {
            "school": school,
            "grade": grade,
            "stage": stage,
            "size": size,
            "policy": policy,
        }
        assert enrolment.class_admits(klass, **kw) == enrolment.check_class(klass, **kw).allowed


@given(birth=st.dates(D(1990, 1, 1), D(2024, 12, 31)), sex=st.sampled_from(["M", "F"]))
def test_art29_the_bulk_id_predicate_is_the_rule(birth: dt.date, sex: str) -> None:
    """``id_agrees`` (asked per bulk row) agrees with ``check_id_agreement``, for numbers
    that agree and numbers of the other sex or another birth date."""
    for number in (make_id(birth, sex), make_id(birth, "F" if sex == "M" else "M")):
        for claimed in (birth, birth + dt.timedelta(days=1)):
            rule = enrolment.check_id_agreement(
                number, sex=sex, birth_date=claimed, today=D(2026, 9, 1), validated=True
            )
            assert enrolment.id_agrees(number, sex=sex, birth_date=claimed) == rule.allowed


_SCHOOL = School("A", "甲小学", "340104", "340104", frozenset({Stage.PRIMARY}))
_CLASS = SchoolClass("A-1", "A", "一(1)班", 1, "王老师", D(2026, 9, 1))


@given(
    student=xst.students(_SCHOOL, _CLASS),
    school=st.sampled_from(["A", "3401042020030110180000"]),  # a long code: masked
    spec=st.sampled_from([None, IdMask(head=0, tail=2)]),
)
def test_art30_a_bulk_row_logs_what_a_single_enrolment_logs(
    student: Student, school: str, spec: IdMask | None
) -> None:
    """The values a bulk import logs of each new record, written out for speed, are
    those of the general conversion (identity numbers masked with the profile's mask,
    in the registry number and in a code that holds one)."""
    for s in (
        student,
        attrs.evolve(student, school=school),
        attrs.evolve(student, numbers=None, regional_number=None),
    ):
        assert registry._new_record_fields(s, spec) == registry._fields(
            registry._record_after(s), spec
        )


def test_art16_a_row_decided_alone_keeps_its_place_for_the_last_seat(province: Province) -> None:
    """A row decided on its own (an idempotency key) is decided in its place: with one
    seat left, it goes to the earlier row, as when each row is enrolled in turn (it
    went to the later row, decided with its chunk first)."""
    from xueji.policy import ANHUI_2013

    cap = ANHUI_2013.class_size_caps.value[Stage.PRIMARY]
    filler = [_row(100 + i, id_number=make_id(BORN, n=200 + i)) for i in range(cap - 1)]
    assert province.reg.enroll_many(A, filler).allowed
    rows = [
        _row(0, id_number=make_id(BORN, n=1), idempotency_key="k0"),
        _row(1, id_number=make_id(BORN, n=2)),
    ]
    out = province.reg.enroll_many(A, rows, all_or_nothing=False)
    assert [s.name for s in out.applied] == ["批量0"]
    assert [(i, [v.code for v in d.violations]) for i, d in out.refused] == [(1, ["class.full"])]


def test_art14_an_identity_number_goes_to_the_earlier_row(province: Province) -> None:
    """The same identity number in a row with an idempotency key and in a later plain
    row: the earlier row is enrolled and the later one refused as a duplicate (the
    later one was written first, and the earlier refused)."""
    number = make_id(BORN, n=7)
    rows = [_row(0, id_number=number, idempotency_key="k0"), _row(1, id_number=number)]
    out = province.reg.enroll_many(A, rows, all_or_nothing=False)
    assert [s.name for s in out.applied] == ["批量0"]
    assert [(i, d.violations[0].code) for i, d in out.refused] == [(1, "enrolment.duplicate")]
    again = province.reg.enroll_many(A, [rows[0]])  # the key's repeat: found, not warned
    assert again.allowed
    assert [s.name for s in again.applied] == ["批量0"]
    assert again.warned == ()


def test_art12_a_repeated_key_whose_student_moved_away_is_neither_applied_nor_refused(
    province: Province,
) -> None:
    """A row repeated by its idempotency key after its student was transferred to a
    school the actor cannot read: ``enroll`` says allowed, no record; the bulk call
    refused it with that allowing decision and undid an all-or-nothing import. It is
    listed in ``repeated``, nothing written, and the rest of the import applies."""
    from xueji.model import TransferReason

    row = _row(0, idempotency_key="k-moved")
    s = province.reg.enroll(A, **row).unwrap().student
    assert s is not None
    sub = province.reg.submit(A, s.id).request
    assert sub is not None
    province.reg.approve(province.authority_of("A"), sub.id)
    w = school_actor("W")
    req = province.reg.request_transfer(
        w, s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    ).request
    assert req is not None
    for who in (w, province.authority_of("W"), A, province.authority_of("A")):
        out = province.reg.approve(who, req.id)
        assert out.request is not None
        req = out.request
    assert province.reg.student(PROVINCE, s.id).school == "W"
    log = len(province.log())
    bulk = province.reg.enroll_many(A, [row, _row(1)])
    assert bulk.allowed
    assert bulk.repeated == (0,)
    assert [x.name for x in bulk.applied] == ["批量1"]
    assert bulk.refused == ()
    assert len(province.log()) == log + 1  # the new row only


@pytest.mark.usefixtures("small_chunks")
def test_art12_a_keyed_row_with_bad_input_is_answered_as_enroll_answers_it(
    province: Province,
) -> None:
    """A row reusing an idempotency key with other (here unreadable) input: ``enroll``
    answers the key first (``idempotency.mismatch``); the bulk call read the row first
    and gave the field's error. A keyed row is now decided by ``enroll`` whatever its
    input; a bad row with a key never seen still gets the field's error."""
    good = _row(0, idempotency_key="k0")
    rows = [good, {**good, "id_number": "12345"}, _row(2, id_number="12345", idempotency_key="k2")]
    singles = []
    twin = Province()
    for row in rows:
        try:
            singles.append(twin.reg.enroll(A, **row).decision.codes)
        except XuejiError as e:
            singles.append((e.code,))
    bulk = province.reg.enroll_many(A, rows, all_or_nothing=False)
    refused = {i: d.codes for i, d in bulk.refused}
    assert refused == {1: singles[1], 2: singles[2]}
    assert singles[1] == ("idempotency.mismatch",)
    assert singles[2] == ("id.length",)
    assert [s.name for s in bulk.applied] == ["批量0"]


@pytest.mark.usefixtures("small_chunks")
def test_art28_a_bulk_row_naming_no_school_is_its_own_refusal_whichever_path(
    province: Province,
) -> None:
    """A row whose school does not exist is refused by itself (``not_found.school``)
    whether it is decided with the others or alone (no ID number, an idempotency
    key): it does not stop the import with ``AccessDenied`` as a school of another
    jurisdiction does, since no one is inside a school that does not exist."""
    guardian = make_id(D(1990, 1, 1))
    rows = [
        _row(0, school="NOPE"),
        _row(1, school="", id_number=None, guardian_id=guardian),  # alone: no ID
        _row(2, school="NOPE", idempotency_key="k-2"),  # alone: keyed
        _row(3),
    ]
    out = province.reg.enroll_many(A, rows, all_or_nothing=False)
    assert {i: d.codes for i, d in out.refused} == dict.fromkeys((0, 1, 2), ("not_found.school",))
    assert [s.name for s in out.applied] == ["批量3"]
    with pytest.raises(AccessDenied):  # a real school of another unit still stops it
        province.reg.enroll_many(A, [_row(4, school="B", id_number=None, guardian_id=guardian)])


@pytest.mark.usefixtures("small_chunks")
def test_art13_a_bulk_row_refused_for_its_identity_number_cites_article_13(
    province: Province,
) -> None:
    """Found by the explanation review: a row refused for its input cited an empty
    article, shown ``— （input）``, a bad identity number included. An identity number
    (the student's, or the guardian's that identifies a child with none) cites Art 13,
    whose 学籍号 is made from it, whichever path decides the row (with the others, or
    alone: no ID number of its own, a key); input no article governs (an unknown field,
    a school that does not exist) keeps the neutral note."""
    good = make_id(BORN)
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")  # a wrong check character
    rows = [
        _row(0, id_number=make_id(BORN)[:17]),  # 17 characters: id.length
        _row(1, id_number=wrong),  # id.checksum
        _row(2, id_number=None, guardian_id="1101051949123100"),  # alone: the guardian's
        _row(3, id_number="12345", idempotency_key="k-3"),  # alone: keyed
        _row(4, nickname="x"),  # an unknown field: no article
        _row(5, school="NOPE"),  # no such school: no article
        _row(6),
    ]
    bulk = province.reg.enroll_many(A, rows, all_or_nothing=False)
    cited = {i: (d.codes, d.violations[0].article) for i, d in bulk.refused}
    art13 = Article(ANHUI_2013_MEASURES, 13)
    assert sorted(cited) == [0, 1, 2, 3, 4, 5]
    assert [cited[i][0][0] for i in range(4)] == [
        "id.length",
        "id.checksum",
        "id.length",
        "id.length",
    ]
    assert all(cited[i][1] == art13 for i in range(4)), cited
    for i in (4, 5):
        assert cited[i][1] == Article("", 0, note="input"), cited[i]
    text = bulk.refused[0][1].explain().text("zh")
    assert text.splitlines()[1].endswith("— 皖教基〔2013〕20号 第十三条")
    # under another province's profile it is Anhui's article, marked inherited
    national = Province(policies=(NATIONAL_2013,))
    out = national.reg.enroll_many(A, rows[:1], all_or_nothing=False)
    (refusal,) = out.refused
    assert refusal[1].violations[0].article == attrs.evolve(art13, inherited_from="anhui-2013")


@pytest.mark.parametrize("all_or_nothing", [False, True])
@pytest.mark.parametrize(
    "error",
    [
        ConcurrencyConflict("storage.conflict", "已被修改", "changed by another command"),
        StorageError("storage.unavailable", "连接已断开", "connection lost"),
    ],
    ids=["conflict", "storage"],
)
def test_art12_a_store_failure_under_a_row_decided_alone_rolls_the_import_back(
    province: Province,
    monkeypatch: pytest.MonkeyPatch,
    error: XuejiError,
    all_or_nothing: bool,
) -> None:
    """Found by the bulk review: a row decided alone (here: an idempotency key) whose
    write failed in the store (a lost race, a connection gone) was reported as the row's
    own input refusal (``storage.conflict （input）``) and the other rows committed in
    partial mode. A store failure is no fault of the row: it leaves the bulk command,
    the whole unit rolled back, and the caller runs it again (docs/storage.md)."""
    before = province.log()
    with province.store.unit_of_work() as uow:
        log_type = type(uow.log)
    real = log_type.append
    failing = [len(before) + 2]  # row 1's entry (row 0's is written first, with its chunk)

    def append(self: Any, entry: Any) -> Any:
        if entry.seq in failing:
            failing.clear()  # once: the row's own write, not the next row's
            raise error
        return real(self, entry)

    monkeypatch.setattr(log_type, "append", append)
    rows = [_row(0), _row(1, idempotency_key="k1"), _row(2)]
    with pytest.raises(type(error)) as raised:
        province.reg.enroll_many(A, rows, all_or_nothing=all_or_nothing)
    assert raised.value.code == error.code
    monkeypatch.undo()
    assert province.log() == before
    assert province.reg.students_of(A, "A") == []
    assert province.reg.enroll_many(A, rows).allowed  # run again: every row applies


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art13_rows_left_without_a_regional_number_are_refused_whichever_path(
    kind: str, tmp_path: Any
) -> None:
    """Found by the bulk review: with one regional number left, a row decided alone (a
    guardian's ID only) got it and the next rows were refused ``number.exhausted``; rows
    numbered together with their chunk raised it out of the whole import, in partial
    mode too. Now every path refuses the rows that get no number: the others apply in
    partial mode, exactly as when each row is enrolled in turn (the same records, ids
    and log entries), and an all-or-nothing import is refused whole, as for any
    refused row."""
    from xueji import numbers

    key = numbers.regional_key("340104", 2026, Stage.PRIMARY)

    def province(name: str) -> Province:
        store = SqlStore.sqlite(str(tmp_path / f"{name}.sqlite3")) if kind == "sqlite" else None
        p = Province(store=store)
        with p.store.unit_of_work() as uow:
            uow.allocator.reserve({key: 99998})  # one number left: ...99999
        return p

    guardian = make_id(D(1985, 1, 1))
    refusals = []
    for rows in (
        [_row(i) for i in range(3)] + [_row(3, birth=D(2023, 1, 1))],  # with the chunk
        [_row(i, id_number=None, guardian_id=guardian) for i in range(3)],  # alone
    ):
        one = province(f"one-{len(rows)}")
        first = one.reg.enroll(A, **rows[0]).unwrap().student
        for row in rows[1:3]:  # enroll says so by raising it
            with pytest.raises(XuejiError) as raised:
                one.reg.enroll(A, **row)
            assert raised.value.code == "number.exhausted"
        many = province(f"many-{len(rows)}")
        log = len(many.log())
        whole = many.reg.enroll_many(A, rows)
        assert not whole.committed
        assert [i for i, _ in whole.refused] == [1, 2, 3][: len(rows) - 1]
        assert len(many.log()) == log
        bulk = many.reg.enroll_many(A, rows, all_or_nothing=False)
        assert bulk.committed
        assert list(bulk.applied) == [first]  # the same record, id and numbers
        refused = dict(bulk.refused)
        assert [refused[i].codes for i in (1, 2)] == [("number.exhausted",)] * 2
        assert refused[1].violations[0].article == Article("", 0, note="input")
        refusals.append(refused[1])
        assert [e.hash for e in many.log()] == [e.hash for e in one.log()]
    assert refusals[0] == refusals[1]  # the same refusal, whichever path
