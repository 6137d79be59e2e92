"""The tamper-evident change log (Arts 19, 31) and the Art 32 detectors."""

from __future__ import annotations

import collections
import itertools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import PROVINCE, D, Province, authority, make_id, rebuilt, school_actor
from tests.test_storage_contract import statements
from xueji import audit
from xueji.lifecycle import StudentStatus
from xueji.masking import IdMask, mask
from xueji.model import Actor, ChangeEntry, TransferReason

SYSTEM = Actor.system()


def busy_province() -> Province:
    p = Province()
    for _ in range(3):
        p.register("A", 1)
    s = p.register("A", 2)
    p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    )
    return p


def test_art19_the_log_verifies_and_links_per_subject() -> None:
    p = busy_province()
    entries = p.store.log.entries()
    assert audit.verify(entries).ok
    assert p.reg.verify_log(PROVINCE).checked == len(entries)
    # the subject with the most entries (a student: enrolled, submitted, registered),
    # so the per-subject links are walked (found by the test review: the last entry's
    # subject had one entry, and the loop below never ran)
    counts = collections.Counter(e.subject for e in entries)
    subject, n = counts.most_common(1)[0]
    mine = p.store.log.entries(subject)
    assert len(mine) == n > 1
    assert [e.seq for e in mine] == sorted(e.seq for e in mine)
    assert mine[0].prev_subject_hash == audit.GENESIS
    for earlier, later in itertools.pairwise(mine):
        assert later.prev_subject_hash == earlier.hash


@pytest.mark.parametrize("field", ["command", "actor_unit", "after", "on", "basis", "subject"])
def test_art31_an_edited_entry_is_named(field: str) -> None:
    p = busy_province()
    rows = p.store.log.rows
    k = len(rows) // 2
    value = {"after": {"status": "forged"}, "on": D(2020, 1, 1)}.get(field, "forged")
    rows[k] = attrs.evolve(rows[k], **{field: value})
    result = p.reg.verify_log(PROVINCE)
    assert (result.ok, result.seq, result.problem) == (False, k + 1, "altered")
    assert f"第 {k + 1} 条" in str(result)


def test_art31_a_re_hashed_forgery_breaks_the_next_link() -> None:
    p = busy_province()
    rows = p.store.log.rows
    k = 5
    forged = attrs.evolve(rows[k], after={"status": "forged"})
    rows[k] = attrs.evolve(forged, hash=audit.entry_hash(attrs.evolve(forged, hash="")))
    result = audit.verify(rows)
    assert (result.seq, result.problem) == (k + 2, "broken_link")


def test_art31_a_deleted_entry_is_named() -> None:
    p = busy_province()
    rows = p.store.log.rows
    del rows[7]
    result = audit.verify(rows)
    assert (result.ok, result.problem, result.seq) == (False, "removed", 9)
    assert "8" in result.message_en


def test_art31_the_last_entry_deleted_is_caught_by_a_checkpoint() -> None:
    p = busy_province()
    cp = p.reg.checkpoint(authority("340104"))
    exported = audit.Checkpoint.from_json(cp.to_json())
    assert exported == cp
    p.store.log.rows.pop()
    assert audit.verify(p.store.log.rows).ok  # a truncated chain still links ...
    result = audit.verify_checkpoint(p.store.log.rows, exported)
    assert (result.ok, result.problem, result.seq) == (False, "truncated", cp.seq)


def test_art31_removed_newest_entries_are_reported_as_removed_not_rewritten() -> None:
    """Found by the log audit: with the last 5 entries deleted, ``verify_checkpoint``
    said the checkpoint's entry "does not match ... history was rewritten", of an
    entry that was no longer there. It says where the log ends now, and that the
    newest entries were removed; a rewrite is still told apart."""
    p = busy_province()
    cp = p.reg.checkpoint(PROVINCE)
    end = cp.seq - 5
    del p.store.log.rows[end:]
    result = p.reg.verify_log(PROVINCE, checkpoint=cp)
    assert (result.ok, result.problem, result.seq, result.checked) == (
        False,
        "truncated",
        end + 1,
        end,
    )
    assert result.message_zh == (
        f"变更记录止于第 {end} 条，早于 {cp.taken_on} 第 {cp.seq} 条的检查点：最新的记录被删除"
    )
    assert f"the log ends at entry {end}, before the checkpoint at {cp.seq}" in result.message_en
    assert "rewritten" not in str(result)
    p.store.log.rows.clear()
    assert "the log is empty" in audit.verify_checkpoint([], cp).message_en
    assert audit.verify_checkpoint([], cp).problem == "truncated"


def test_art31_swapped_entries_are_named() -> None:
    p = busy_province()
    rows = p.store.log.rows
    rows[3], rows[4] = rows[4], rows[3]
    result = audit.verify(rows)
    assert (result.ok, result.problem, result.seq) == (False, "reordered", 5)


def test_art31_rewritten_history_fails_against_the_checkpoint() -> None:
    p = busy_province()
    cp = p.reg.checkpoint(PROVINCE)
    rows = p.store.log.rows
    # an insider rewrites an entry and re-seals the whole chain after it
    rows[2] = attrs.evolve(rows[2], after={"status": "forged"})
    for i in range(2, len(rows)):
        prev = rows[i - 1]
        mine = next((r for r in reversed(rows[:i]) if r.subject == rows[i].subject), None)
        rows[i] = audit.seal(rows[i], prev, mine)
    assert audit.verify(rows).ok  # the chain alone cannot tell ...
    assert audit.verify_checkpoint(rows, cp).problem == "checkpoint_mismatch"  # the checkpoint can


def test_art31_public_class_list_has_no_sensitive_field() -> None:
    p = Province()
    s = p.register("A", 1, name="张一")
    rows = p.reg.public_class_list(school_actor("A"), "A")
    assert [r.name for r in rows] == ["张一"]
    text = repr(rows)
    assert s.id_number not in text
    assert s.registry_number not in text
    assert str(s.birth_date) not in text
    from xueji.reports import PUBLIC_FIELDS

    assert set(PUBLIC_FIELDS) == {"class_id", "grade", "name", "sex", "status"}


def test_art32_detectors_report_per_unit() -> None:
    p = Province()
    late = p.enroll("A", 1)
    s = p.register("A", 2)
    t = p.register("W", 3)
    p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    )
    drop = p.reg.record_dropout(school_actor("W"), t.id, "辍学").request
    assert drop is not None
    p.at(D(2026, 10, 9))
    sub = p.reg.submit(school_actor("A"), late.id)  # after 30 September
    assert sub.request is not None
    p.at(D(2026, 11, 2))
    p.reg.advance_clock(SYSTEM)  # the receiving school let its 20 working days pass
    report = p.reg.detect(PROVINCE)
    assert report.log.ok
    kinds = {(f.kind, f.unit) for f in report.findings}
    assert ("default_approval", "W") in kinds
    assert ("late_entry", "A") in kinds
    assert ("overdue_approval", "340202") in kinds  # the dropout review, past 15 days
    counts = report.by_unit()
    assert counts["W"]["default_approval"] == 1
    p.reg.approve(authority("340202"), drop.id)  # decided, but late
    later = {(f.kind, f.unit) for f in p.reg.detect(PROVINCE).findings}
    assert ("late_decision", "340202") in later
    assert ("overdue_approval", "340202") not in later
    # a county sees the requests that concern its schools only: not Wuhu's dropout
    mine = {(f.kind, f.unit) for f in p.reg.detect(authority("340104")).findings}
    assert ("late_entry", "A") in mine
    assert ("overdue_approval", "340202") not in mine


def test_art32_altered_records_are_reported() -> None:
    p = busy_province()
    p.store.log.rows[1] = attrs.evolve(p.store.log.rows[1], basis="forged")
    report = p.reg.detect(PROVINCE)
    assert not report.log.ok
    assert any(f.kind == "altered_record" and f.subject == "log:2" for f in report.findings)


def test_art32_late_graduation_is_reported() -> None:
    p = Province(D(2026, 6, 1))
    s = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2026, 8, 5))
    assert p.reg.graduate(school_actor("A"), s.id).decision.codes == ("graduation.late",)
    report = p.reg.detect(PROVINCE)
    assert ("late_graduation", "A") in {(f.kind, f.unit) for f in report.findings}


def test_art32_late_graduation_is_that_of_the_school_year_the_student_finished(
    province: Province,
) -> None:
    """Found by the rollover review: detect read each graduation's deadline in the
    calendar year of its date, so a student held in the final grade at the rollover
    and graduated months later in the next June was never reported, and one moved up
    into it on 1 August and graduated (early) that month was. Art 18 and Art 32(四):
    the deadline is that of the school year the student finished, as the command read
    it (the rollover that moved it into the final grade, or its entry there)."""
    p = province
    a = school_actor("A")
    moved, held = p.register("A", 5), p.register("A", 6)
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(Actor.system(), 2027).allowed
    p.at(D(2027, 8, 20))
    assert p.reg.graduate(a, moved.id).decision.codes == ("graduation.early",)
    p.at(D(2028, 6, 10))
    assert p.reg.graduate(a, held.id).decision.codes == ("graduation.late",)
    found = [f for f in p.reg.detect(PROVINCE).findings if f.kind == "late_graduation"]
    assert [(f.subject, f.unit, f.on) for f in found] == [(held.id, "A", D(2028, 6, 10))]
    assert found[0].detail == "due 2027-07-31"


def test_art32_a_senior_graduation_the_authority_sat_on_is_the_authority_s_late_graduation(
    province: Province,
) -> None:
    """Found by the lifecycle review: a senior high's graduation request had no
    deadline; the city approved one filed in July months later with no warning, and
    ``detect`` named the school for the ``late_graduation`` though the school had
    filed in time. The request's deadline is the school year's graduation deadline
    (Art 18, ``graduation_deadline``): ``detect`` lists it overdue at the city while it
    waits past it, its approval after it warns ``graduation.late``, and the late
    graduation is charged to the city (filed in time) or the school (filed late)."""
    p = province
    h, k = p.register("H", 12), p.register("H", 12)
    school, city = school_actor("H"), p.authority_of("H")
    p.at(D(2027, 7, 20))
    filed = p.reg.graduate(school, h.id)
    assert filed.decision.codes == ()
    assert filed.request is not None
    assert filed.request.deadline == D(2027, 7, 31)
    p.at(D(2027, 8, 10))
    late_filed = p.reg.graduate(school, k.id)
    assert late_filed.decision.codes == ("graduation.late",)
    assert late_filed.request is not None
    assert late_filed.request.deadline == D(2027, 7, 31)
    p.at(D(2027, 10, 15))
    waiting = [f for f in p.reg.detect(PROVINCE).findings if f.kind == "overdue_approval"]
    # (the one filed late waits at the city too, but its lateness is the school's)
    assert [(f.subject, f.unit) for f in waiting] == [(filed.request.id, "3401")]
    for req in (filed.request, late_filed.request):
        out = p.reg.approve(city, req.id)
        assert out.decision.codes == ("graduation.late",)
        warned = out.decision.warnings[0]
        assert warned.article.number == 18
        assert dict(warned.facts)["deadline"] == "2027-07-31"
        step = next(s for s in out.decision.explain().steps if s.rule == "graduation.late")
        assert [u.name for u in step.params] == ["graduation_deadline"]
    found = {
        f.subject: f
        for f in p.reg.detect(PROVINCE).findings
        if f.kind in ("late_graduation", "late_decision")
    }
    assert {s: (f.kind, f.unit) for s, f in found.items()} == {
        h.id: ("late_graduation", "3401"),  # filed in time: the city sat on it
        k.id: ("late_graduation", "H"),  # filed late: the school's
    }
    assert found[h.id].detail == "due 2027-07-31"


@given(
    st.dictionaries(
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12),
        st.one_of(
            st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40),
            st.integers(min_value=-(2**53), max_value=2**53),
            st.none(),
            st.dictionaries(
                st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8),
                st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=20),
                max_size=4,
            ),
        ),
        max_size=8,
    )
)
@settings(max_examples=300, deadline=None)
def test_art31_the_fast_canonical_form_is_the_standard_one(data: dict[str, object]) -> None:
    """The hashed bytes do not depend on whether orjson is installed."""
    from xueji.audit import _canonical_json, _fast_canonical_json

    assert _fast_canonical_json(data) == _canonical_json(data)  # type: ignore[arg-type]


@pytest.mark.parametrize("damage", ["none", "altered", "removed", "reordered", "broken_link"])
def test_art31_verify_reads_its_entries_once_as_a_stream(damage: str) -> None:
    """``verify`` takes the store's stream (one pass, never a list of the whole log)
    and finds what it found in a list."""
    p = busy_province()
    rows = p.store.log.rows
    if damage == "altered":
        rows[4] = attrs.evolve(rows[4], after={"status": "forged"})
    elif damage == "removed":
        del rows[6]
    elif damage == "reordered":
        rows[3], rows[4] = rows[4], rows[3]
    elif damage == "broken_link":
        forged = attrs.evolve(rows[5], after={"status": "forged"})
        rows[5] = attrs.evolve(forged, hash=audit.entry_hash(attrs.evolve(forged, hash="")))
    reads = 0

    def once() -> Iterator[ChangeEntry]:
        nonlocal reads
        reads += 1
        yield from rows

    streamed = audit.verify(once())
    assert reads == 1
    assert streamed == audit.verify(list(rows))
    assert streamed.ok is (damage == "none")
    if damage != "none":
        assert streamed.problem == damage
    cp = audit.checkpoint(rows, taken_on=D(2026, 9, 1))
    assert audit.verify_checkpoint(once(), cp) == audit.verify_checkpoint(list(rows), cp)


def test_art32_late_graduation_is_reported_past_an_altered_entry() -> None:
    """One pass over the log both verifies it and finds late graduations: a broken
    chain early in the log must not hide a late graduation after it."""
    p = Province(D(2026, 6, 1))
    s = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2026, 8, 5))
    p.reg.graduate(school_actor("A"), s.id)
    p.store.log.rows[1] = attrs.evolve(p.store.log.rows[1], basis="forged")
    report = p.reg.detect(PROVINCE)
    kinds = {(f.kind, f.unit) for f in report.findings}
    assert ("altered_record", "province") in kinds
    assert ("late_graduation", "A") in kinds


def test_art32_detect_reads_students_a_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The requests' students are read with one query per ``REPORT_BATCH`` requests,
    not one (or two) per request: a province has a request per student."""
    from xueji import registry
    from xueji.storage.sql import SqlStore

    store = SqlStore.sqlite(tmp_path / "detect.sqlite3")
    p = Province(store=store)
    for _ in range(4):
        p.register("A", 1)
    s = p.register("A", 2)
    p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    )
    with store.unit_of_work() as uow:
        n = sum(1 for _ in uow.requests.all())
    assert n == 6
    monkeypatch.setattr(registry, "REPORT_BATCH", 2)
    queries = statements(store.engine)
    p.at(D(2026, 11, 2))  # the transfer is overdue at its first party, the receiving school
    report = p.reg.detect(PROVINCE)
    assert ("overdue_approval", "W") in {(f.kind, f.unit) for f in report.findings}
    # 6 requests' students, 2 a batch; then every record, in one stream, compared with
    # the log (the province's report); and the final grades, streamed (graduation_missing)
    assert sum("FROM xueji_students" in q for q in queries) == 3 + 1 + 1
    store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_countys_report_reads_only_its_own_students(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A county's report finds what the province's finds about its schools, and reads
    the records of its own students only: whether a request's student is inside is
    asked of the store's school column (``students.schools_of``) first."""
    import sqlalchemy as sa

    from xueji.storage.sql import SqlStore

    store = SqlStore.sqlite(tmp_path / "county.sqlite3") if kind == "sqlite" else None
    p = Province(store=store)
    shushan = [p.register("A", 1) for _ in range(3)]  # 蜀山 (340104)
    w = p.register("W", 2)  # 镜湖 (340202)
    late = p.enroll("W", 1)
    moving = p.register("A", 2)
    move = p.reg.request_transfer(
        school_actor("W"), moving.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    ).request
    drop = p.reg.record_dropout(school_actor("W"), w.id, "辍学").request
    assert move is not None
    assert drop is not None
    for s in shushan:
        assert p.reg.suspend(school_actor("A"), s.id, "病休").request is not None
    p.at(D(2026, 10, 9))
    p.reg.submit(school_actor("W"), late.id)  # after 30 September
    p.at(D(2026, 11, 20))
    read: list[str] = []  # the ids of the student records read
    if store is not None:

        def spy(*e: object) -> None:
            if "xueji_students.doc" in str(e[2]):
                read.append(repr(e[3]))

        sa.event.listen(store.engine, "before_cursor_execute", spy)
    else:
        get_many = p.store.students.get_many
        monkeypatch.setattr(
            p.store.students,
            "get_many",
            lambda ids: read.append(repr(sorted(ids))) or get_many(ids),
        )
    wuhu = p.reg.detect(authority("340202")).findings
    seen = " ".join(read)
    assert not [s.id for s in shushan if s.id in seen]  # Shushan's suspensions: not read
    assert moving.id in seen
    assert w.id in seen
    everyone = p.reg.detect(PROVINCE).findings
    subjects = {f.subject for f in wuhu}
    assert {(f.kind, f.subject) for f in wuhu} >= {
        ("overdue_approval", move.id),  # at the receiving school, W
        ("overdue_approval", drop.id),
        ("late_entry", next(f.subject for f in wuhu if f.kind == "late_entry")),
    }
    assert set(wuhu) <= set(everyone)
    assert not {f for f in everyone if f.subject in subjects} - set(wuhu)


def test_art32_a_request_without_history_is_read_not_crashed_on() -> None:
    """A request written outside the facade (a host's migration) may have no history:
    detect still reports what it can see (here: overdue), and, as no change-log entry
    names it, that it was written outside the registry (Art 32(三)), not a crash."""
    from xueji.lifecycle import RequestKind, RequestState
    from xueji.model import Request

    p = busy_province()
    student = p.reg.students_of(PROVINCE, "A")[0]
    bare = Request(
        id="R-imported",
        kind=RequestKind.SUSPENSION,
        student=student.id,
        state=RequestState.AT_AUTHORITY,
        opened_on=D(2026, 9, 1),
        stage_since=D(2026, 9, 1),
        deadline=D(2026, 9, 10),
    )
    with p.store.unit_of_work() as uow:
        uow.requests.add(bare)
    p.at(D(2026, 9, 20))
    mine = [f for f in p.reg.detect(PROVINCE).findings if f.subject == bare.id]
    assert [f.kind for f in mine] == ["overdue_approval", "altered_record"]


def test_art30_reading_an_unknown_school_is_not_found_and_logs_nothing() -> None:
    """A code typed wrong (here an identity number in the school's place) is an
    error, not an empty read logged under that text."""
    from xueji.errors import NotFound

    p = Province()
    before = len(p.log())
    typed = "340104202003011018"
    for read in (p.reg.students_of, p.reg.public_class_list):
        with pytest.raises(NotFound) as err:
            read(PROVINCE, typed)
        assert typed not in str(err.value)
    assert len(p.log()) == before


@pytest.mark.parametrize("bulk", [False, True])
def test_art30_the_change_log_masks_identity_numbers_with_the_profile_s_id_mask(
    bulk: bool,
) -> None:
    """A profile's ``id_mask`` was read by nothing: the log kept Anhui's first 6 and
    last 4 whatever the profile said. It masks with the profile's mask now, for one
    enrolment and a bulk one alike."""
    from tests.test_bulk import _row
    from xueji.masking import IdMask, mask
    from xueji.policy import ANHUI_2013, Param

    strict = IdMask(head=4, tail=2)
    other = attrs.evolve(
        ANHUI_2013, code="other", id_mask=Param(strict, ANHUI_2013.id_mask.article)
    )
    for policy, spec in ((ANHUI_2013, IdMask()), (other, strict)):
        p = Province(policies=(policy,))
        if bulk:
            out = p.reg.enroll_many(school_actor("A"), [_row(1)])
            assert out.allowed, out.refused
            s = out.applied[0]
        else:
            s = p.enroll("A", 1)
        assert s.id_number is not None
        entry = [e for e in p.log() if e.subject == s.id][-1]
        assert entry.after["registry_number"] == "G" + mask(s.id_number, spec)
        assert s.id_number not in str(entry)


@pytest.mark.parametrize("field", ["guardian_id", "id_number"])
def test_art30_a_correction_logs_the_number_record_with_the_profile_s_id_mask(
    field: str,
) -> None:
    """Found by the merge review: an approved correction of the guardian's or the
    student's identity number logged the number record (``numbers``) as its repr,
    whose numbers the library's default mask had masked (first 6 and last 4: region
    and sex), where the profile sets a stricter ``id_mask`` (Art 30). The record's
    numbers are logged with the profile's mask."""
    from xueji.masking import IdMask, mask
    from xueji.policy import ANHUI_2013, Param

    strict = IdMask(head=0, tail=2)
    other = attrs.evolve(
        ANHUI_2013, code="other", id_mask=Param(strict, ANHUI_2013.id_mask.article)
    )
    p = Province(policies=(other,))
    guardian = make_id(D(1990, 1, 1), "F")
    s = p.register("A", 1, id_number=None, guardian_id=guardian, birth=D(2020, 3, 1))
    new = make_id(D(1988, 5, 5), "M") if field == "guardian_id" else make_id(D(2020, 3, 1))
    fix = p.reg.request_correction(school_actor("A"), s.id, {field: new}, "录错")
    assert fix.request is not None
    assert p.reg.approve(authority("340104"), fix.request.id).allowed
    entry = p.log()[-1]
    assert entry.command == "correct"
    logged = entry.before["numbers"] + entry.after["numbers"]
    for number in (guardian, new):
        assert mask(number) not in logged, logged  # (the default mask's form)
        assert number[:6] not in logged, logged
    assert mask(guardian, strict) in entry.before["numbers"]


def test_art30_the_change_log_gives_no_masked_number_back_with_the_birth_date(
    province: Province,
) -> None:
    """Found by the privacy review: a key-field edit of a draft (``update_student``)
    and an approved correction logged the identity number masked beside the birth
    date, before and after, and the enrolment logs the 学籍号 (G + the number) masked:
    the mask hides exactly the birth date, so the log gave the numbers back. A birth
    date is logged hidden; the entry's record digest covers it."""
    from xueji.masking import HIDDEN_DATE

    a = school_actor("A")
    s = province.enroll("A", 1, birth=D(2020, 3, 1))
    new = make_id(D(2020, 3, 2))
    assert province.reg.update_student(a, s.id, id_number=new, birth_date=D(2020, 3, 2)).allowed
    sub = province.reg.submit(a, s.id)
    assert sub.request is not None
    assert province.reg.approve(authority("340104"), sub.request.id).allowed
    fix = {"id_number": make_id(D(2020, 3, 3)), "birth_date": D(2020, 3, 3)}
    out = province.reg.request_correction(a, s.id, fix, "户口本为准")
    assert out.request is not None
    assert province.reg.approve(authority("340104"), out.request.id).allowed
    assert province.reg.student(PROVINCE, s.id).birth_date == D(2020, 3, 3)
    entries = province.reg.history(PROVINCE, s.id)
    edits = [e for e in entries if "birth_date" in e.after]
    assert [e.command for e in edits] == ["update_student", "correct"]
    for e in edits:
        assert e.before["birth_date"] == e.after["birth_date"] == HIDDEN_DATE
    held = (s.id_number or "", new, str(fix["id_number"]))
    assert rebuilt(*(repr(e) for e in province.log()), of=held) == []
    assert province.reg.verify_log(PROVINCE).ok


def _sqlite_province(tmp_path: Path) -> Province:
    from xueji.storage.sql import SqlStore

    p = Province(store=SqlStore.sqlite(str(tmp_path / "r.sqlite3")))
    p.register("A", 1)
    p.register("A", 1)
    return p


def test_art32_an_unreadable_log_row_is_reported_not_raised(tmp_path: Path) -> None:
    """Found by the log audit: one log row edited past reading (bad JSON) made
    ``verify_log`` and ``detect`` raise ``CorruptRecord``, and the whole Art 32 report
    was lost with them. It is an altered entry now, named by its number."""
    p = _sqlite_province(tmp_path)
    seq = len(p.log()) - 1
    with p.store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE xueji_change_log SET doc = '{{not json' WHERE seq = {seq}")
    result = p.reg.verify_log(PROVINCE)
    assert (result.ok, result.problem, result.seq) == (False, "altered", seq)
    assert str(seq) in result.message_zh
    assert result.message_en
    report = p.reg.detect(PROVINCE)
    assert report.log == result
    assert [f.subject for f in report.findings if f.kind == "altered_record"] == [f"log:{seq}"]


def test_art31_a_log_row_re_pointed_to_another_subject_is_caught(tmp_path: Path) -> None:
    """Found by the log audit: the ``subject`` column, which a student's history is
    read by, was never checked against the entry: re-pointed by hand, it hid the
    entry from its student's history and the chain still verified."""
    p = _sqlite_province(tmp_path)
    last = p.log()[-1]
    other = next(
        e.subject for e in p.log() if e.subject.startswith("S") and e.subject != last.subject
    )
    with p.store.engine.begin() as conn:
        conn.exec_driver_sql(
            f"UPDATE xueji_change_log SET subject = '{other}' WHERE seq = {last.seq}"
        )
    result = p.reg.verify_log(PROVINCE)
    assert (result.ok, result.seq) == (False, last.seq)


def _strict_province() -> tuple[Province, IdMask]:
    """A province whose profile masks with ``IdMask(0, 2)`` (not the library's default)."""
    from xueji.policy import ANHUI_2013, Param

    strict = IdMask(head=0, tail=2)
    other = attrs.evolve(
        ANHUI_2013, code="other", id_mask=Param(strict, ANHUI_2013.id_mask.article)
    )
    return Province(policies=(other,)), strict


def test_art30_free_text_in_the_change_log_is_masked_with_the_profile_s_mask(
    tmp_path: Path,
) -> None:
    """Found by the privacy audit: an info entry's text (typed, or an Excel import's 内容
    column) went into the log as it was, an identity number in it whole. Every log
    value is searched now, and masked with the profile's mask."""
    from tests.test_excel import INFO_HEADER, workbook
    from xueji import excel
    from xueji.model import InfoEntry, InfoGroup

    p, strict = _strict_province()
    s = p.enroll("A", 1)
    quoted = make_id(D(2020, 3, 1))
    out = p.reg.add_info(
        school_actor("A"), s.id, InfoGroup.AWARD, InfoEntry(D(2026, 9, 1), f"证 {quoted}")
    )
    assert out.allowed
    assert p.log()[-1].after["award"] == f"证 {mask(quoted, strict)}"
    assert p.log()[-1].after["award"].endswith("*" + quoted[-2:])
    row = ["A", s.registry_number, None, "奖励", "2026-09-01", f"证书 G{quoted}", None, None]
    path = workbook(tmp_path / "info.xlsx", INFO_HEADER, [row])
    assert excel.import_info(p.reg, school_actor("A"), path).committed
    assert p.log()[-1].after["award"] == f"证书 G{mask(quoted, strict)}"
    assert all(quoted not in str(e) for e in p.log())


def test_art30_a_scenario_s_log_masked_check_holds_for_free_text(tmp_path: Path) -> None:
    """The scenario check ``log_masked: true`` failed on an info entry quoting an
    identity number (the log held it whole)."""
    from tests.test_scenarios import ENROL, _write
    from xueji import scenarios

    body = ENROL + (
        "  - do: add_info\n    by: 实验小学\n    student: 小明\n"
        "    with: {group: award, entry: {on: 2026-09-01, text: '证 340104201903010112'}}\n"
        "    expect: {allowed: true}\n"
        "  - do: check\n    expect: {log_masked: true}\n"
    )
    result = scenarios.run(scenarios.load(_write(tmp_path, body)))
    assert result.ok, result.report()


def test_art30_an_actor_s_name_quoting_an_identity_number_is_logged_masked(
    province: Province,
) -> None:
    """Found by the scenarios' review: the registry sealed the actor's name into each
    entry as given, and an account is often named by its holder's identity number.
    The name is logged with ID-like text masked, by one command and by a bulk import;
    an entry written before keeps its name, and the log verifies with both."""
    from tests.test_bulk import _row
    from xueji.model import ActorKind

    holder = make_id(D(1980, 1, 1))
    named = Actor(ActorKind.SCHOOL, "A", f"王某 {holder}（1980年1月1日生）")
    logged = f"王某 {mask(holder)}（****-**-**生）"
    with province.store.unit_of_work() as uow:  # an entry written before the fix
        last = uow.log.last()
        uow.log.append(
            audit.make_entry(
                (last.seq if last else 0) + 1, province.today(), "school", "A", "note",
                "A", {}, {}, "", named.name, last, uow.log.last("A"),
            )
        )  # fmt: skip
    out = province.reg.enroll(named, **_row(1))
    assert out.allowed, out.decision
    bulk = province.reg.enroll_many(named, [_row(2), _row(3)])
    assert bulk.allowed, bulk.refused
    new = [e for e in province.log() if e.command == "enroll"]
    assert [e.actor_name for e in new] == [logged] * 3
    assert holder not in str(new)
    assert province.log()[-4].actor_name == named.name  # (the old entry, as written)
    assert province.reg.verify_log(PROVINCE).ok


def test_art30_an_actor_s_name_is_logged_with_the_profile_s_mask() -> None:
    p, strict = _strict_province()
    holder = make_id(D(1980, 1, 1))
    a = Actor(school_actor("A").kind, "A", holder)
    s = p.enroll("A", 1)
    assert p.reg.update_student(a, s.id, name="乙").allowed
    assert p.log()[-1].actor_name == mask(holder, strict)
    assert p.reg.verify_log(PROVINCE).ok


def test_art30_an_actor_s_name_quoting_a_number_in_groups_is_logged_masked() -> None:
    """Found by the privacy review: an actor's name holding a number copied with dots,
    underscores or in groups other than 6-8-4 and 6-4-4-4 was logged whole
    (``340104.19800101.0011``, ``3401041980 01010011``). It is masked in its groups,
    with the profile's mask."""
    p, strict = _strict_province()
    holder = make_id(D(1980, 1, 1))
    s = p.enroll("A", 1)
    for name, written in zip(
        "乙丙丁戊",
        (
            f"{holder[:6]}.{holder[6:14]}.{holder[14:]}",
            f"{holder[:6]}_{holder[6:14]}_{holder[14:]}",
            f"{holder[:10]} {holder[10:]}",
            " ".join((holder[:2], holder[2:6], holder[6:10], holder[10:14], holder[14:])),
        ),
        strict=True,
    ):
        a = Actor(school_actor("A").kind, "A", f"王老师{written}")
        # (a new name each time: an edit that changes nothing writes no entry)
        assert p.reg.update_student(a, s.id, name=name).allowed
        logged = p.log()[-1].actor_name
        assert logged.startswith("王老师"), logged
        assert re.sub(r"[ ._]", "", logged[3:]) == mask(holder, strict), logged
        assert [len(g) for g in re.split(r"[ ._]", logged[3:])] == [
            len(g) for g in re.split(r"[ ._]", written)
        ]  # in its groups
    assert p.reg.verify_log(PROVINCE).ok


def test_art30_a_consent_s_guardian_number_is_logged_with_the_profile_s_mask() -> None:
    """Found by the privacy audit: a consent went into the log through its ``repr``,
    which masks the guardian's number with the library's default mask (first 6 and
    last 4 shown) whatever the profile said."""
    from xueji.model import Consent

    p, strict = _strict_province()
    s = p.enroll("A", 1)
    guardian = make_id(D(1990, 5, 1), "F")
    consent = Consent("guardian_consent", "王芳", D(2026, 9, 1), guardian_id=guardian)
    out = p.reg.update_student(school_actor("A"), s.id, consent=consent)
    assert out.allowed, out.decision
    logged = p.log()[-1].after["consent"]
    assert logged == (
        "Consent(basis='guardian_consent', given_by='王芳', "
        f"given_on=datetime.date(2026, 9, 1), guardian_id='{mask(guardian, strict)}')"
    )
    assert guardian[:6] not in logged


def test_art30_the_default_mask_logs_a_consent_as_its_repr_and_a_photo_whole() -> None:
    """Under the default mask a consent is logged as before (its ``repr``); a photo's
    digest is a hash, not text, and is not searched for identity numbers."""
    from xueji.model import Consent, Photo

    p = Province()
    s = p.enroll("A", 1)
    consent = Consent("guardian_consent", "王芳", D(2026, 9, 1), make_id(D(1990, 5, 1), "F"))
    digest = "sha256:" + make_id(D(2020, 3, 1))
    photo = Photo(D(2026, 9, 1), digest)
    assert p.reg.update_student(school_actor("A"), s.id, consent=consent, photo=photo).allowed
    after = p.log()[-1].after
    assert after["consent"] == repr(consent)
    assert after["photo"] == f"2026-09-01|{digest}"


def _rewrite_from(rows: list[ChangeEntry], k: int) -> None:
    """An insider edits entry ``k + 1`` and re-seals the whole chain after it."""
    rows[k] = attrs.evolve(rows[k], after={"status": "forged"})
    for i in range(k, len(rows)):
        prev = rows[i - 1] if i else None
        mine = next((r for r in reversed(rows[:i]) if r.subject == rows[i].subject), None)
        rows[i] = audit.seal(rows[i], prev, mine)


def test_art31_verify_log_and_detect_take_a_checkpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the log audit: the facade could not be given a checkpoint, so a
    rewritten history or removed newest entries (which only a checkpoint shows) were
    never found through ``verify_log`` or ``detect``. Both take one now, and still
    read the log once."""
    p = busy_province()
    cp = p.reg.checkpoint(PROVINCE)
    assert p.reg.verify_log(PROVINCE, checkpoint=cp).ok
    assert p.reg.detect(PROVINCE, checkpoint=cp).log.ok
    _rewrite_from(p.store.log.rows, 2)
    assert p.reg.verify_log(PROVINCE).ok  # the chain alone cannot tell
    streams = 0
    stream = p.store.log.stream

    def counted() -> Iterator[ChangeEntry]:
        nonlocal streams
        streams += 1
        return stream()

    monkeypatch.setattr(p.store.log, "stream", counted)
    result = p.reg.verify_log(PROVINCE, checkpoint=cp)
    assert (result.ok, result.problem, streams) == (False, "checkpoint_mismatch", 1)
    report = p.reg.detect(PROVINCE, checkpoint=cp)
    assert streams == 2
    assert report.log == result
    assert [f.subject for f in report.findings if f.kind == "altered_record"] == [f"log:{cp.seq}"]
    p.store.log.rows[-2:] = []  # and the newest entries removed
    assert not p.reg.verify_log(PROVINCE, checkpoint=cp).ok
    assert not p.reg.detect(PROVINCE, checkpoint=cp).log.ok


def _resealed(entry: ChangeEntry, **changes: object) -> ChangeEntry:
    """``entry`` changed and its own hash recomputed (a forgery re-hashed in place)."""
    forged = attrs.evolve(entry, **changes)
    return attrs.evolve(forged, hash=audit.entry_hash(forged))


def test_art31_a_broken_link_says_which_entry_is_suspect() -> None:
    """Found by the log audit: entry 88 edited and re-hashed was reported as "entry
    89 does not follow its predecessor", which reads as if entry 89 were at fault.
    The entry named is still the first that fails (89), but the message says the
    link that failed and so names the suspect: entry 88, or the subject's previous
    entry."""
    p = busy_province()
    pristine = p.store.log.entries()
    rows = list(pristine)
    k = 5  # seq 6 forged, seq 7 fails
    rows[k] = _resealed(rows[k], after={"status": "forged"})
    result = audit.verify(rows)
    assert (result.problem, result.seq) == ("broken_link", k + 2)
    assert result.message_zh == (
        f"第 {k + 2} 条变更记录与前一条不衔接：前一条（第 {k + 1} 条）被替换或改动"
    )
    assert result.message_en == (
        f"entry {k + 2} does not follow its predecessor: entry {k + 1} was replaced or altered"
    )
    # an entry moved to another subject and re-hashed fails its own subject link
    rows = list(pristine)
    last = rows[-1]
    other = next(e.subject for e in rows if e.subject.startswith("S") and e.subject != last.subject)
    rows[-1] = _resealed(last, subject=other)
    result = audit.verify(rows)
    assert (result.problem, result.seq) == ("broken_link", last.seq)
    assert f"the previous entry of subject {other}" in result.message_en
    assert f"对象 {other} 的前一条记录" in result.message_zh
    # a first entry that does not start the chain
    rows = list(pristine)
    rows[0] = _resealed(rows[0], prev_hash="1" * 64)
    result = audit.verify(rows)
    assert (result.problem, result.seq) == ("broken_link", 1)
    assert result.message_en.startswith("entry 1 does not start the log")


def test_art30_a_broken_link_masks_an_identity_number_in_the_subject() -> None:
    """The subject named in a broken subject link is whatever the row says: a forger
    could put an identity number there; it is masked in the message."""
    p = busy_province()
    rows = p.store.log.entries()
    number = "340104202003011018"
    k = max(i for i, e in enumerate(rows) if e.prev_subject_hash != audit.GENESIS)
    rows[k] = _resealed(rows[k], subject=number)
    result = audit.verify(rows)
    assert result.problem == "broken_link"
    assert number not in str(result)
    assert "340104********1018" in result.message_en


@pytest.mark.parametrize("damage", ["altered", "broken_link"])
def test_art31_no_checkpoint_is_taken_of_a_broken_log(
    damage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the log audit: ``Registry.checkpoint`` certified the head of a chain
    that was already broken, so the tampering became the history a higher authority
    later checks against. It verifies the log first (one streamed pass) and refuses
    with ``audit.broken``, naming the first bad entry."""
    import pickle

    from xueji.errors import BrokenLog

    p = busy_province()
    streams = 0
    stream = p.store.log.stream

    def counted() -> Iterator[ChangeEntry]:
        nonlocal streams
        streams += 1
        return stream()

    monkeypatch.setattr(p.store.log, "stream", counted)
    cp = p.reg.checkpoint(PROVINCE)  # a sound log: its head, from the one pass
    assert streams == 1
    assert (cp.seq, cp.hash) == (p.store.log.rows[-1].seq, p.store.log.rows[-1].hash)
    rows = p.store.log.rows
    if damage == "altered":
        rows[3] = attrs.evolve(rows[3], basis="forged")
    else:
        rows[3] = _resealed(rows[3], basis="forged")
    with pytest.raises(BrokenLog) as err:
        p.reg.checkpoint(PROVINCE)
    assert streams == 2
    bad = 4 if damage == "altered" else 5
    assert (err.value.code, err.value.seq, err.value.problem) == ("audit.broken", bad, damage)
    assert f"第 {bad} 条" in err.value.message_zh
    assert f"entry {bad}" in err.value.message_en
    again = pickle.loads(pickle.dumps(err.value))
    assert (again.code, again.seq, str(again)) == ("audit.broken", bad, str(err.value))


def test_art32_every_finding_is_said_in_chinese_too() -> None:
    """Found by the log audit: a finding's text (``detail``) was English only, in a
    report shown to Chinese schools and authorities. Each finding has its Chinese
    text too (``detail_zh``); ``detail`` stays the English."""
    import re

    p = Province(D(2026, 6, 1))
    grad = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2026, 9, 1))
    late = p.enroll("A", 1)
    s = p.register("A", 2)
    t = p.register("W", 3)
    p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    )
    drop = p.reg.record_dropout(school_actor("W"), t.id, "辍学").request
    assert drop is not None
    p.at(D(2026, 10, 9))
    p.reg.submit(school_actor("A"), late.id)  # after 30 September
    p.at(D(2026, 11, 2))
    p.reg.advance_clock(SYSTEM)  # the receiving school let its 20 working days pass
    p.reg.approve(authority("340202"), drop.id)  # decided, but late
    p.reg.graduate(school_actor("A"), grad.id)  # after 31 July
    p.store.log.rows[1] = attrs.evolve(p.store.log.rows[1], basis="forged")
    p.at(D(2026, 11, 20))
    findings = p.reg.detect(PROVINCE).findings
    kinds = {f.kind for f in findings}
    assert kinds >= {"late_entry", "default_approval", "late_decision", "late_graduation"}
    assert "altered_record" in kinds
    for f in findings:
        assert f.detail
        assert re.search(r"[\u4e00-\u9fff]", f.detail_zh), f
    zh = {f.kind: f.detail_zh for f in findings}
    assert zh["late_decision"].startswith("辍学于 ")
    assert "审核通过" in zh["late_decision"]
    assert "系统默认审批同意" in zh["default_approval"]
    assert zh["altered_record"] == "第 2 条变更记录被篡改"
    assert zh["late_graduation"].startswith("毕业（结业）于 ")
    assert "期限 " in zh["late_graduation"]


def test_art32_an_overdue_approval_is_said_in_chinese() -> None:
    """The Chinese of an overdue request names its kind and the stage it waits at."""
    p = busy_province()
    p.at(D(2026, 11, 20))
    overdue = [f for f in p.reg.detect(PROVINCE).findings if f.kind == "overdue_approval"]
    assert overdue
    assert all(f.detail_zh.startswith("省内转学自 ") for f in overdue)
    assert all("待转入学校审核，期限 " in f.detail_zh for f in overdue)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_record_changed_outside_the_library_is_found(kind: str, tmp_path: Path) -> None:
    """Art 32(三) (伪造、改动学籍数据): every entry that writes a record carries the
    record's digest, so a record edited in the database (a name in its document, a
    status column, a row deleted) is found by the report, though the log itself is
    intact; a school year of every kind of command (the demo) gives no such finding."""
    import json

    import sqlalchemy as sa

    from xueji import demo
    from xueji.lifecycle import StudentStatus
    from xueji.model import ActorKind
    from xueji.storage.memory import MemoryStore
    from xueji.storage.sql import SqlStore, students_t

    store: Any = SqlStore.sqlite(tmp_path / "y.sqlite3") if kind == "sqlite" else MemoryStore()
    reg = demo.school_year(echo=lambda _: None, store=store)
    province = Actor(ActorKind.PROVINCE, "34")
    clean = reg.detect(province)
    assert clean.log.ok
    assert [f for f in clean.findings if f.kind == "altered_record"] == []
    with store.unit_of_work() as uow:
        a, b, c = sorted(uow.students.all(), key=lambda s: s.id)[:3]
        authority_of_a = uow.schools.get(a.school).authority
    if kind == "sqlite":
        with store.engine.begin() as conn:
            doc = json.loads(
                conn.execute(sa.select(students_t.c.doc).where(students_t.c.id == a.id)).scalar()
            )
            doc["name"] = "改名"
            conn.execute(
                students_t.update()
                .where(students_t.c.id == a.id)
                .values(doc=json.dumps(doc, ensure_ascii=False))
            )
            conn.execute(
                students_t.update().where(students_t.c.id == b.id).values(status="graduated")
            )
            conn.execute(students_t.delete().where(students_t.c.id == c.id))
    else:
        rows = store.students.t.rows
        rows[a.id] = attrs.evolve(a, name="改名")
        rows[b.id] = attrs.evolve(b, status=StudentStatus.GRADUATED)
        del rows[c.id]
    report = reg.detect(province)
    assert report.log.ok  # the log is intact: the records changed behind it
    altered = {f.subject: f.unit for f in report.findings if f.kind == "altered_record"}
    assert altered == {a.id: a.school, b.id: b.school, c.id: c.school}  # as the log says
    county = reg.detect(Actor(ActorKind.COUNTY, authority_of_a))
    assert a.id in {f.subject for f in county.findings if f.kind == "altered_record"}
    with store.unit_of_work() as uow:
        c_county = uow.schools.get(c.school).authority
    seen = {f.subject for f in county.findings}
    assert (c.id in seen) == (c_county == authority_of_a)  # deleted: its county sees it
    assert all(a.name not in f.detail_zh + f.detail for f in report.findings)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_grade_changed_outside_the_library_is_found(kind: str, tmp_path: Path) -> None:
    """The grade is not in the record's digest (the rollover moves it set-based, with
    one entry for the year), so detect follows it: the grade the record's last entry
    wrote, moved up by each rollover since whose rule (statuses, final grades, held
    students) the rollover's entry records. A school year with a rollover gives no
    finding; a grade edited in the database is one."""
    from xueji import demo
    from xueji.lifecycle import StudentStatus
    from xueji.model import ActorKind
    from xueji.storage.memory import MemoryStore
    from xueji.storage.sql import SqlStore, students_t

    store: Any = SqlStore.sqlite(tmp_path / "g.sqlite3") if kind == "sqlite" else MemoryStore()
    reg = demo.school_year(echo=lambda _: None, store=store)
    province = Actor(ActorKind.PROVINCE, "34")
    rollovers = [e for e in reg.history(province, "year:2026") if e.command == "rollover"]
    # (records under first-entry review move up with their class: Arts 16, 18(2))
    assert [e.after["statuses"] for e in rollovers] == ["draft,pending_review,registered"]
    clean = reg.detect(province)
    assert [f for f in clean.findings if f.kind == "altered_record"] == []
    with store.unit_of_work() as uow:
        every = sorted(uow.students.all(), key=lambda s: s.id)
    moved_up = [s for s in every if s.status is StudentStatus.REGISTERED and s.grade < 6]
    assert moved_up  # (the demo's rollover moved students up: the case followed)
    a = moved_up[0]
    if kind == "sqlite":
        with store.engine.begin() as conn:
            conn.execute(
                students_t.update().where(students_t.c.id == a.id).values(grade=a.grade + 1)
            )
    else:
        store.students.t.rows[a.id] = attrs.evolve(a, grade=a.grade + 1)
    found = [f for f in reg.detect(province).findings if f.kind == "altered_record"]
    assert [f.subject for f in found] == [a.id]
    assert f"grade {a.grade + 1};" in found[0].detail
    assert f"put it in grade {a.grade}:" in found[0].detail
    assert f"{a.grade} 年级" in found[0].detail_zh


def test_art32_detect_follows_grades_through_rollovers_that_hold_students() -> None:
    """Two rollovers under ``hold``: a student held for an open transfer stays, a
    grade-6 one goes no further than grade 6 (the final grade), the rest go up each
    time; detect expects exactly that, and finds a held student moved up by hand."""
    from xueji.articles import anhui
    from xueji.policy import ANHUI_2013, Param

    hold = attrs.evolve(ANHUI_2013, rollover_open_transfers=Param("hold", anhui(18, 2)))
    p = Province(D(2026, 6, 1), policies=(hold,))
    moving, held = (p.register("A", 4, birth=D(2016, 3, 1)) for _ in range(2))
    last = p.register("A", 5, birth=D(2015, 3, 1))
    jm = TransferReason.JOB_MOVE
    assert p.reg.request_transfer(
        school_actor("W"), held.id, to_school="W", to_class="W-4", reason=jm, stated_reason="调动"
    ).allowed
    p.at(D(2026, 8, 1))
    assert p.reg.rollover(Actor.system(), 2026).allowed
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(Actor.system(), 2027).allowed
    grades = {s.id: p.reg.student(PROVINCE, s.id).grade for s in (moving, held, last)}
    assert grades == {moving.id: 6, held.id: 4, last.id: 6}
    entry = p.reg.history(PROVINCE, "year:2026")[-1]
    assert entry.after["held"] == held.id
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    record = p.reg.student(PROVINCE, held.id)
    p.store.students.t.rows[held.id] = attrs.evolve(record, grade=6)  # as if it had gone up
    found = [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"]
    assert [(f.subject, "put it in grade 4" in f.detail) for f in found] == [(held.id, True)]


def test_art32_a_record_moved_or_broken_in_the_database_is_reported_not_raised(
    tmp_path: Path,
) -> None:
    """Found by the session review: a record moved to another school in the table was
    charged to the school it was moved to, and the county it was taken from saw
    nothing; a mirrored column edited alone (``class_id``) made the record unreadable,
    and ``detect`` raised instead of reporting it. Now the finding is charged to the
    school the log names and seen by both counties, and an unreadable record is a
    finding of its own."""
    import json

    import sqlalchemy as sa

    from xueji import demo
    from xueji.model import ActorKind
    from xueji.storage.sql import SqlStore, students_t

    store = SqlStore.sqlite(tmp_path / "y.sqlite3")
    reg = demo.school_year(echo=lambda _: None, store=store)
    with store.unit_of_work() as uow:
        movable = [s for s in uow.students.all() if s.status.value == "registered"]
        moved, broken = movable[0], movable[1]
        home = uow.schools.get(moved.school).authority
        away = next(
            sch for sch in uow.schools.list() if uow.schools.get(sch.code).authority != home
        )
    c = students_t.c
    with store.engine.begin() as conn:
        doc = json.loads(conn.execute(sa.select(c.doc).where(c.id == moved.id)).scalar())
        doc["school"] = away.code
        conn.execute(
            students_t.update()
            .where(c.id == moved.id)
            .values(school=away.code, doc=json.dumps(doc, ensure_ascii=False))
        )
        conn.execute(students_t.update().where(c.id == broken.id).values(class_id="X-1"))
    report = reg.detect(Actor(ActorKind.PROVINCE, "34"))
    altered = {f.subject: f for f in report.findings if f.kind == "altered_record"}
    assert set(altered) == {moved.id, broken.id}
    assert altered[moved.id].unit == moved.school  # the school the log names
    assert away.code in altered[moved.id].detail
    assert "cannot be read" in altered[broken.id].detail
    for unit in (home, away.authority):
        county = reg.detect(Actor(ActorKind.COUNTY, unit))
        assert moved.id in {f.subject for f in county.findings}, unit
    store.engine.dispose()


_SCALAR = st.one_of(
    st.none(),
    st.text(),
    st.booleans(),
    st.dates(),
    st.sampled_from(list(StudentStatus)),
)


@given(
    st.lists(
        st.one_of(
            _SCALAR,
            st.lists(st.text(), max_size=2),
            st.lists(st.text(), max_size=2).map(tuple),
            st.lists(st.one_of(_SCALAR, st.lists(st.lists(_SCALAR, max_size=3))), max_size=5),
        ),
        max_size=20,
    )
)
@settings(max_examples=200, deadline=None)
def test_art32_the_record_digest_is_the_same_with_or_without_orjson(data: list[Any]) -> None:
    """:func:`audit.record_digest` hashes a list of text, null, booleans, dates,
    statuses and lists (and tuples) of them; orjson (the fast path) and the standard
    library must write the same bytes, or a log written on one machine would find
    every record altered on another."""
    import orjson

    assert orjson.dumps(data) == audit._json_list(data)


@pytest.mark.parametrize("damage", ["unreadable", "deleted"])
def test_art32_a_broken_record_graduated_late_is_reported_not_raised(
    damage: str, tmp_path: Path
) -> None:
    """Found by the third review: a record graduated after 31 July (a late_graduation
    finding) that could not be read, or was deleted, made the report raise (or fail
    an assertion) while it charged the graduation."""
    from xueji.storage.sql import SqlStore, students_t

    store = SqlStore.sqlite(tmp_path / "g.sqlite3")
    p = Province(D(2026, 6, 1), store=store)
    s = p.register("A", 6, birth=D(2014, 3, 1))
    p.at(D(2026, 8, 3))
    assert p.reg.graduate(school_actor("A"), s.id).allowed
    c = students_t.c
    with store.engine.begin() as conn:
        if damage == "unreadable":
            conn.execute(students_t.update().where(c.id == s.id).values(class_id="X-1"))
        else:
            conn.execute(students_t.delete().where(c.id == s.id))
    for actor in (PROVINCE, authority("340104")):
        report = p.reg.detect(actor)
        found = [f for f in report.findings if f.subject == s.id]
        assert [f.kind for f in found] == ["altered_record"], (actor, found)
    store.engine.dispose()


@pytest.mark.parametrize("damage", ["unreadable", "deleted", "no_school"])
def test_art32_a_broken_record_with_requests_is_reported_not_raised(
    damage: str, tmp_path: Path
) -> None:
    """Found by the second review: a record with a request that could not be read, or
    was deleted, made the report raise while it charged the request (it read the
    student again), and a county's report raised on a record moved to a school that
    does not exist. Each is now an ``altered_record`` finding."""
    import json

    import sqlalchemy as sa

    from xueji.storage.sql import SqlStore, students_t

    store = SqlStore.sqlite(tmp_path / "b.sqlite3")
    p = Province(store=store)
    s = p.register("A", 2)
    tr = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-2", reason=TransferReason.JOB_MOVE
    )
    assert tr.request is not None
    p.at(D(2026, 11, 2))  # the transfer's first stage is overdue
    c = students_t.c
    with store.engine.begin() as conn:
        if damage == "unreadable":
            conn.execute(students_t.update().where(c.id == s.id).values(class_id="X-1"))
        elif damage == "deleted":
            conn.execute(students_t.delete().where(c.id == s.id))
        else:  # moved, document and column alike, to a school that does not exist
            doc = json.loads(conn.execute(sa.select(c.doc).where(c.id == s.id)).scalar())
            doc["school"] = "NOPE"
            conn.execute(
                students_t.update()
                .where(c.id == s.id)
                .values(school="NOPE", doc=json.dumps(doc, ensure_ascii=False))
            )
    for actor in (PROVINCE, authority("340104")):
        report = p.reg.detect(actor)
        assert s.id in {f.subject for f in report.findings if f.kind == "altered_record"}, (
            actor,
            report.findings,
        )
        assert tr.request.id in {f.subject for f in report.findings}  # still charged
    store.engine.dispose()


def test_art32_the_record_digest_covers_exactly_its_record_fields() -> None:
    """``audit.RECORD_FIELDS`` says what ``record_digest`` covers, which lists the
    fields by hand (its fast path): every one of them changes the digest (the number
    record through its current number, its history and its voided numbers), and the
    fields left out (the grade the rollover moves, the version) do not. The version 1
    digest, which a log written before version 2 carries, covers
    ``RECORD_FIELDS_V1`` and still matches by ``digest_matches``."""
    import datetime as dt

    from xueji.model import Photo, Student
    from xueji.numbers import NumberChange, RegistryNumber, new_record
    from xueji.policy import Stage

    born = dt.date(2019, 3, 1)
    s = Student(
        "S1",
        "A",
        "A-1",
        1,
        Stage.PRIMARY,
        StudentStatus.REGISTERED,
        "张三",
        "M",
        born,
        "340104",
        dt.date(2026, 9, 1),
        numbers=new_record(dt.date(2026, 9, 1), id_number=make_id(born)),
        regional_number="3401042026100002",
        regional_numbers=("3401042026100002",),
    )
    assert s.numbers is not None
    number = make_id(born)
    other_number = new_record(dt.date(2026, 9, 1), id_number=number)
    again = NumberChange(dt.date(2026, 9, 2), RegistryNumber("G" + number), "issued")
    other = {
        "name": "张珊",
        "sex": "F",
        "birth_date": dt.date(2019, 3, 2),
        "id_number": number,
        "guardian_id": make_id(dt.date(1990, 1, 1)),
        "photo": Photo(dt.date(2026, 9, 1), "p"),
        "status": StudentStatus.SUSPENDED,
        "school": "B",
        "class_id": "B-1",
        "stage": Stage.SPECIAL,
        "numbers": other_number,  # registry_number
        "regional_number": "3401042026100001",
        "regional_numbers": ("3401042026100001", "3401042026100002"),
        "entry_date": dt.date(2026, 9, 2),
        "hukou_region": "340202",
        "migrant": True,
        "special_needs": True,
        "submitted": True,
    }
    base = audit.record_digest(s)
    assert (base[:2], len(base)) == ("2:", 34)
    changed = {
        f for f, v in other.items() if audit.record_digest(attrs.evolve(s, **{f: v})) != base
    }
    assert changed == set(other) == set(audit.RECORD_FIELDS)
    for numbers in (  # the number record's other parts: its history, the numbers voided
        attrs.evolve(s.numbers, history=(*s.numbers.history, again)),
        attrs.evolve(s.numbers, voided=("G" + number,)),
    ):
        assert audit.record_digest(attrs.evolve(s, numbers=numbers)) != base
    for kept in ({"grade": 2}, {"version": 5}):
        assert audit.record_digest(attrs.evolve(s, **kept)) == base
    v1 = audit.record_digest_v1(s)
    assert (len(v1), audit.digest_matches(s, v1), audit.digest_matches(s, base)) == (32, True, True)
    changed_v1 = {
        "registry_number" if f == "numbers" else f
        for f, v in other.items()
        if not audit.digest_matches(attrs.evolve(s, **{f: v}), v1)
    }
    assert changed_v1 == set(audit.RECORD_FIELDS_V1)
    assert not audit.digest_matches(s, "3:" + base[2:])  # (a version it does not know)


def test_art32_a_rollover_entry_edited_past_reading_is_the_broken_log() -> None:
    """Found by the privacy review: detect raised ValueError on a rollover entry whose
    rule was edited in the database (it reads the rule before the chain is verified);
    the report now says the log does not verify."""
    p = Province()
    p.register("A", 1)
    p.at(D(2027, 9, 1))
    assert p.reg.rollover(Actor.system(), 2027).allowed
    rows = p.store.log.rows
    i = next(i for i, e in enumerate(rows) if e.command == "rollover")
    bad = attrs.evolve(rows[i], after={**rows[i].after, "final_grades": "junior:9,primary:six"})
    rows[i] = bad
    p.store.log.by_subject[bad.subject][-1] = bad
    report = p.reg.detect(PROVINCE)
    assert not report.log.ok
    assert any(f.subject.startswith("log:") for f in report.findings)


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_graduation_entry_redated_is_reported_not_raised(kind: str, tmp_path: Path) -> None:
    """Found by the fourth review: ``detect`` looked up the graduation deadline of every
    graduation entry before the chain's check reached it, and a ``graduate`` entry
    whose date was edited to one no policy covers (2010) made it raise
    ``PolicyNotInForce``, while ``verify_log`` rightly said the entry was altered. The
    report now says so too."""
    import json

    import sqlalchemy as sa

    from xueji.storage.sql import SqlStore, log_t

    store = SqlStore.sqlite(str(tmp_path / "r.sqlite3")) if kind == "sqlite" else None
    p = Province(D(2026, 6, 1), store=store) if store else Province(D(2026, 6, 1))
    s = p.register("A", 6, birth=D(2014, 3, 1))
    assert p.reg.graduate(school_actor("A"), s.id).allowed
    seq = next(e.seq for e in p.log() if e.command == "graduate")
    if store is None:
        rows = p.store.log.rows
        rows[seq - 1] = attrs.evolve(rows[seq - 1], on=D(2010, 7, 1))
    else:
        with store.engine.begin() as conn:
            doc = json.loads(
                conn.execute(sa.select(log_t.c.doc).where(log_t.c.seq == seq)).scalar()
            )
            doc["on"] = "2010-07-01"
            conn.execute(
                log_t.update()
                .where(log_t.c.seq == seq)
                .values(doc=json.dumps(doc, ensure_ascii=False))
            )
    result = p.reg.verify_log(PROVINCE)
    assert (result.ok, result.problem, result.seq) == (False, "altered", seq)
    report = p.reg.detect(PROVINCE)
    assert report.log == result
    assert f"log:{seq}" in {f.subject for f in report.findings if f.kind == "altered_record"}


@pytest.mark.parametrize("first", ["removed", "altered"])
def test_art31_a_broken_entry_before_an_unreadable_row_is_reported_not_raised(
    first: str, tmp_path: Path
) -> None:
    """Found by the fourth review: a missing sequence number made ``verify_log`` look
    ahead for the entry (to tell a removal from a reordering), and a row edited past
    reading further on made it raise ``CorruptRecord``; ``detect``, which reads the log
    to its end after a broken entry, raised at that row too. Both report the first
    broken entry now."""
    import json

    import sqlalchemy as sa

    from xueji.storage.sql import log_t

    p = _sqlite_province(tmp_path)
    p.register("A", 1)
    n = len(p.log())
    broken = n - 5
    with p.store.engine.begin() as conn:
        if first == "removed":
            conn.execute(log_t.delete().where(log_t.c.seq == broken))
        else:
            where = log_t.c.seq == broken
            doc = json.loads(conn.execute(sa.select(log_t.c.doc).where(where)).scalar())
            doc["basis"] = "改动"
            conn.execute(log_t.update().where(where).values(doc=json.dumps(doc)))
        conn.execute(log_t.update().where(log_t.c.seq == n - 1).values(doc="{broken"))
    result = p.reg.verify_log(PROVINCE)
    assert (result.ok, result.problem) == (False, first)
    assert result.seq == (broken + 1 if first == "removed" else broken)  # (the entry after a gap)
    assert f"第 {broken} 条" in result.message_zh
    report = p.reg.detect(PROVINCE)
    assert report.log == result


def _edit_record(p: Province, student_id: str, **changes: Any) -> None:
    """Change a stored record behind the library's back (the memory store's row, or the
    SQLite row's document)."""
    import json

    import sqlalchemy as sa

    from xueji.storage.sql import SqlStore, students_t

    if not isinstance(p.store, SqlStore):
        rows = p.store.students.t.rows
        rows[student_id] = attrs.evolve(rows[student_id], **changes)
        return
    where = students_t.c.id == student_id
    with p.store.engine.begin() as conn:
        doc = json.loads(conn.execute(sa.select(students_t.c.doc).where(where)).scalar())
        doc.update(changes)
        conn.execute(students_t.update().where(where).values(doc=json.dumps(doc)))


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_key_field_lock_removed_in_the_database_is_found(kind: str, tmp_path: Path) -> None:
    """Found by the fourth review: the Art 29 lock (``submitted``) was outside the
    record's digest, so a registered record unlocked in the database went unreported,
    and ``update_student`` then changed its name with no approved correction. The lock
    (with the entry date, 户籍, the migrant and special-needs marks and the number
    record's history) is in the digest now (version 2), and a record past the draft is
    locked whatever its flag says."""
    from xueji.storage.sql import SqlStore

    store = SqlStore.sqlite(str(tmp_path / "r.sqlite3")) if kind == "sqlite" else None
    p = Province(store=store) if store else Province()
    s = p.register("A", 1, name="张三")
    other = p.register("A", 1)
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    _edit_record(p, s.id, submitted=False)
    _edit_record(p, other.id, hukou_region="340202")
    found = {f.subject: f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"}
    assert set(found) == {s.id, other.id}
    assert found[s.id].unit == "A"
    out = p.reg.update_student(school_actor("A"), s.id, name="李四")
    assert out.decision.codes == ("correction.locked",)
    assert p.reg.student(PROVINCE, s.id).name == "张三"


def test_art32_a_log_of_version_1_digests_keeps_verifying(monkeypatch: pytest.MonkeyPatch) -> None:
    """A log written before the digest's version 2 carries version 1 digests (32 hex
    characters): each record is compared by the version its last entry wrote, so the
    old log raises no false finding and still finds what version 1 covers; the next
    command that writes a record writes a version 2 digest, which covers the lock."""
    p = Province()
    with monkeypatch.context() as m:  # an older library wrote these entries
        m.setattr(audit, "record_digest", audit.record_digest_v1)
        old, named, written = (p.register("A", 1) for _ in range(3))
    assert all(
        len(e.after["record_digest"]) == 32 for e in p.reg.history(PROVINCE, old.id) if e.after
    )
    assert p.reg.detect(PROVINCE).log.ok
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    assert p.reg.update_student(school_actor("A"), written.id, hukou_region="340202").allowed
    assert p.reg.history(PROVINCE, written.id)[-1].after["record_digest"].startswith("2:")
    assert [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"] == []
    _edit_record(p, old.id, submitted=False)  # (outside version 1: not seen until rewritten)
    _edit_record(p, named.id, name="改名")
    _edit_record(p, written.id, submitted=False)
    found = {f.subject for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"}
    assert found == {named.id, written.id}


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_a_record_no_log_entry_names_is_found(kind: str, tmp_path: Path) -> None:
    """Found by the fourth review: ``detect`` compared only the records the log wrote
    a digest for, so a record inserted in the store with no entry at all (a forged
    registered student: 空挂学籍, Art 32(三)) went unreported, though statistics count
    it. It is an ``altered_record`` finding now, charged to its school, in the
    province's report and its county's; a record whose entry carries no digest (a log
    from before the digests) is named by the log and is not one."""
    from xueji.model import ActorKind, ChangeEntry
    from xueji.numbers import new_record
    from xueji.storage.sql import SqlStore

    store = SqlStore.sqlite(str(tmp_path / "r.sqlite3")) if kind == "sqlite" else None
    p = Province(store=store) if store else Province()
    real = p.register("A", 1)

    def fake(sid: str, n: int) -> Any:
        number = make_id(D(2020, 4, 4))
        return attrs.evolve(
            real,
            id=sid,
            name="空挂",
            id_number=number,
            numbers=new_record(D(2026, 9, 1), id_number=number),
            regional_number=f"34010420261999{n:02d}",
            regional_numbers=(f"34010420261999{n:02d}",),
            version=0,
        )

    forged, legacy = fake("S9999998", 1), fake("S9999999", 2)
    with p.store.unit_of_work() as uow:  # rows written behind the library's back
        uow.students.add(forged)
        uow.students.add(legacy)
        entry = ChangeEntry(
            0, D(2026, 9, 1), "school", "A", "enroll", legacy.id, {}, {"status": "registered"}
        )
        last = uow.log.last()
        assert last is not None
        uow.log.append(audit.seal(attrs.evolve(entry, seq=last.seq + 1), last, None))
    assert p.reg.verify_log(PROVINCE).ok
    found = [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"]
    assert [(f.subject, f.unit) for f in found] == [(forged.id, "A")]
    assert "no entry" in found[0].detail
    assert "没有" in found[0].detail_zh
    county = p.reg.detect(authority("340104")).findings
    assert [f.subject for f in county if f.kind == "altered_record"] == [forged.id]
    other = p.reg.detect(authority("340202")).findings  # (school W's county)
    assert [f for f in other if f.kind == "altered_record"] == []
    city = p.reg.detect(Actor(ActorKind.CITY, "3401")).findings  # (the city above A)
    assert [f.subject for f in city if f.kind == "altered_record"] == [forged.id]


def test_art32_a_record_no_entry_names_after_an_unreadable_one_is_found(tmp_path: Path) -> None:
    """The province's report reads the records in one stream, which stops at a row it
    cannot read; a record with no log entry after that row is still found (the rest's
    ids are listed by school), and said once."""
    from xueji.numbers import new_record
    from xueji.storage.sql import SqlStore, students_t

    p = Province(store=SqlStore.sqlite(str(tmp_path / "r.sqlite3")))
    early = p.register("A", 1)
    p.register("A", 1)
    number = make_id(D(2020, 4, 4))
    forged = attrs.evolve(
        early,
        id="S9999999",
        name="空挂",
        id_number=number,
        numbers=new_record(D(2026, 9, 1), id_number=number),
        regional_number="3401042026199999",
        regional_numbers=("3401042026199999",),
        version=0,
    )
    before = attrs.evolve(forged, id="S0000000", regional_number="3401042026199998")
    with p.store.unit_of_work() as uow:
        uow.students.add(forged)
        uow.students.add(before)  # (met by the stream before the unreadable row)
    with p.store.engine.begin() as conn:  # a mirrored column changed alone: unreadable
        where = students_t.c.id == early.id
        conn.execute(students_t.update().where(where).values(class_id="X-1"))
    found = [f for f in p.reg.detect(PROVINCE).findings if f.kind == "altered_record"]
    assert sorted(f.subject for f in found) == [before.id, early.id, forged.id]
    p.store.engine.dispose()


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_art32_reading_a_forged_record_does_not_hide_it(kind: str, tmp_path: Path) -> None:
    """Found by the review of the merged changes: ``Registry.student`` logs its read
    (``read_sensitive``) under the record's id, and ``detect`` then counted the record
    as named by the log: an auditor opening the flagged record made the finding go
    away. Only an entry that wrote the record names it."""
    from xueji.numbers import new_record
    from xueji.storage.sql import SqlStore

    store = SqlStore.sqlite(str(tmp_path / "r.sqlite3")) if kind == "sqlite" else None
    p = Province(store=store) if store else Province()
    real = p.register("A", 1)
    number = make_id(D(2020, 4, 4))
    forged = attrs.evolve(
        real,
        id="S9999998",
        name="空挂",
        id_number=number,
        numbers=new_record(D(2026, 9, 1), id_number=number),
        regional_number="3401042026199901",
        regional_numbers=("3401042026199901",),
        version=0,
    )
    with p.store.unit_of_work() as uow:
        uow.students.add(forged)

    def altered(actor: Actor) -> list[str]:
        return [f.subject for f in p.reg.detect(actor).findings if f.kind == "altered_record"]

    assert altered(PROVINCE) == [forged.id]
    p.reg.student(PROVINCE, forged.id)  # an auditor looks at it: the read is logged
    assert altered(PROVINCE) == [forged.id]
    assert altered(authority("340104")) == [forged.id]


def test_art32_a_request_edited_past_reading_is_reported_not_raised(tmp_path: Path) -> None:
    """Bad data from the database is reported with its key (issue 5): a request row
    edited by hand past reading stopped the province's Art 32 report with
    ``CorruptRecord`` (the deadline sweep already read past it). The report now reads
    the other requests and names the unreadable one as an altered record; a county's
    report, which cannot tell whose it is, reads past it."""
    from xueji.storage.sql import SqlStore, requests_t

    p = Province(store=SqlStore.sqlite(str(tmp_path / "r.sqlite3")))
    a, b = p.register("A", 1), p.register("A", 1)
    first = p.reg.suspend(school_actor("A"), a.id, "病休").request
    second = p.reg.suspend(school_actor("A"), b.id, "病休").request
    assert first is not None
    assert second is not None
    with p.store.engine.begin() as conn:  # a document no longer JSON
        conn.execute(requests_t.update().where(requests_t.c.id == first.id).values(doc="{"))
    report = p.reg.detect(PROVINCE)
    altered = [f for f in report.findings if f.kind == "altered_record"]
    assert [f.subject for f in altered] == [first.id]
    assert "cannot be read" in altered[0].detail
    assert altered[0].unit == "province"
    assert report.log.ok
    county = p.reg.detect(authority("340104"))  # (read past; said in the province's)
    assert first.id not in [f.subject for f in county.findings]
    p.store.engine.dispose()


def test_art32_a_request_edited_past_reading_leaves_the_inbox_working(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A request row edited past reading stopped every unit's inbox (``pending``)
    with ``CorruptRecord``: one bad row anywhere in the province, and no county could
    list what waits for it. The inbox now lists the others and the logger says which
    was left out."""
    import logging

    from xueji.storage.sql import SqlStore, requests_t

    p = Province(store=SqlStore.sqlite(str(tmp_path / "r.sqlite3")))
    a, b = p.register("A", 1), p.register("A", 1)
    first = p.reg.suspend(school_actor("A"), a.id, "病休").request
    second = p.reg.suspend(school_actor("A"), b.id, "病休").request
    assert first is not None
    assert second is not None
    with p.store.engine.begin() as conn:
        conn.execute(requests_t.update().where(requests_t.c.id == first.id).values(doc="{"))
    with caplog.at_level(logging.WARNING, logger="xueji"):
        waiting = p.reg.pending(authority("340104"))
    assert [r.id for r in waiting] == [second.id]
    assert any(first.id in m and "cannot be read" in m for m in caplog.messages)
    p.store.engine.dispose()


def test_art32_a_final_grade_student_left_ungraduated_past_the_deadline_is_found(
    province: Province,
) -> None:
    """Found by the status review: ``detect`` found only graduations logged late; a
    final-grade student held at the rollover and never graduated was never reported.
    Art 18 with Art 32(四): a registered student in a final grade whose graduation
    deadline (that of the school year it finished, ``graduation_window``) has passed
    ``graduation_missing``, charged to the school, dated the report's day: one finding
    per school and deadline, counting its students (``detect`` streams the final
    grades; a finding a student would hold the report's memory to the number of
    students held), its subject the school; once graduated it is the
    ``late_graduation`` instead. One moved up into the final grade by the rollover is
    not due until the next 31 July."""
    p = province
    a = school_actor("A")
    held, moved = p.register("A", 6), p.register("A", 5)
    other = p.register("A", 6)
    p.register("B", 6)
    p.at(D(2027, 8, 1))
    assert p.reg.rollover(Actor.system(), 2027).allowed
    p.at(D(2027, 11, 2))
    assert p.reg.graduate(a, other.id).decision.codes == ("graduation.late",)
    found = [f for f in p.reg.detect(PROVINCE).findings if f.kind == "graduation_missing"]
    assert [(f.subject, f.unit, f.on) for f in found] == [
        ("A", "A", D(2027, 11, 2)),
        ("B", "B", D(2027, 11, 2)),
    ]
    assert found[0].detail == "1 final-grade student(s) not graduated, due 2027-07-31"
    assert found[0].detail_zh == "1 名毕业年级学生未办理毕业（结业），期限 2027-07-31"
    county = [f.kind for f in p.reg.detect(authority("340104")).findings]
    assert "graduation_missing" in county
    assert "graduation_missing" not in [f.kind for f in p.reg.detect(authority("3402")).findings]
    assert p.reg.graduate(a, held.id).decision.codes == ("graduation.late",)
    kinds = {(f.kind, f.subject) for f in p.reg.detect(PROVINCE).findings}
    assert ("late_graduation", held.id) in kinds
    assert ("graduation_missing", "A") not in kinds
    assert ("graduation_missing", "B") in kinds
    assert moved.id not in {f.subject for f in p.reg.detect(PROVINCE).findings}
