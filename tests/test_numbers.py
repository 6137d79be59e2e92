"""Registry numbers (学籍号) and regional student numbers (xueji.numbers)."""

from __future__ import annotations

import datetime as dt
import threading

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xueji import ids, numbers
from xueji.articles import anhui
from xueji.errors import InvalidRegistryNumber, InvalidResidentId, NumberSpaceExhausted
from xueji.numbers import MemoryAllocator
from xueji.policy import ANHUI_2013, Param, Stage

TODAY = dt.date(2026, 11, 28)
CHILD_ID = "34010420190501001X"
GUARDIAN = "11010519491231002X"


def test_g_number_is_g_plus_id() -> None:
    g = numbers.issue_g(" 34010420190501001x ")
    assert g.text == "G" + CHILD_ID
    assert g.kind == "G"
    assert g.body == CHILD_ID
    assert g.area == "340104"
    assert g.birth_date == dt.date(2019, 5, 1)
    assert CHILD_ID not in repr(g)
    assert CHILD_ID not in str(g)
    assert numbers.parse("g" + CHILD_ID) == g


def test_j_numbers_for_twins_are_distinct_and_valid() -> None:
    alloc = MemoryAllocator()
    born = dt.date(2019, 5, 1)
    brother1 = numbers.issue_j("340104", born, "M", alloc)
    brother2 = numbers.issue_j("340104", born, "M", alloc)
    sister = numbers.issue_j("340104", born, "F", alloc)
    texts = {brother1.text, brother2.text, sister.text}
    assert len(texts) == 3
    for n in (brother1, brother2, sister):
        assert numbers.is_valid(n.text)
        assert n.kind == "J"
        assert n.area == "340104"
        assert n.birth_date == born
    # the sequence follows GB 11643's sex convention
    assert int(brother1.text[15:18]) % 2 == 1
    assert int(sister.text[15:18]) % 2 == 0
    with pytest.raises(ValueError, match="sex"):
        numbers.issue_j("340104", born, "X", alloc)  # type: ignore[arg-type]


def test_j_sequence_is_bounded() -> None:
    alloc = MemoryAllocator()
    for _ in range(499):  # girls get the even sequences 002..998
        numbers.issue_j("340104", dt.date(2019, 5, 1), "F", alloc)
    with pytest.raises(NumberSpaceExhausted):
        numbers.issue_j("340104", dt.date(2019, 5, 1), "F", alloc)


def test_art13_a_number_held_already_is_skipped_not_issued_again() -> None:
    """A J or L number taken in from outside (not from the allocator) is held: the
    sequence skips it (one person, one number), and a skipped number still counts
    towards the bound."""
    born = dt.date(2019, 5, 1)
    held = {"J34010420190501001X", "L340104201905010001", "L340104201905010002"}
    alloc = MemoryAllocator()
    j = numbers.issue_j("340104", born, "M", alloc, held=held.__contains__)
    assert j.text == "J340104201905010036"  # the second boy's: the first's is held
    assert numbers.issue_l("340104", born, alloc, held=held.__contains__).text == (
        "L340104201905010003"
    )
    rec = numbers.new_record(
        TODAY,
        guardian_id=GUARDIAN,
        area="340104",
        birth_date=born,
        sex="M",
        allocator=MemoryAllocator(),
        held=held.__contains__,
    )
    assert rec.current.text == "J340104201905010036"
    alloc = MemoryAllocator()
    for _ in range(498):  # girls 002..996
        numbers.issue_j("340104", born, "F", alloc)
    with pytest.raises(NumberSpaceExhausted):  # 998 held: none left
        numbers.issue_j("340104", born, "F", alloc, held=lambda t: t[15:18] == "998")


def test_l_numbers() -> None:
    alloc = MemoryAllocator()
    a = numbers.issue_l("340104", dt.date(2019, 5, 1), alloc)
    b = numbers.issue_l("340104", dt.date(2019, 5, 1), alloc)
    assert a.text == "L340104201905010001"
    assert b.text == "L340104201905010002"
    assert a.is_temporary
    assert numbers.parse(a.text) == a


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("G34010420190501001", "number.length"),
        ("X340104201905010013", "number.prefix"),
        ("G340104201905010013", "number.g_id"),
        ("J34010420190501001A", "number.format"),
        ("J340104201905010017", "number.checksum"),
        ("L340104201913010001", "number.birth_date"),
        ("L340104209905010001", "number.birth_date"),
        ("L999999201905010001", "number.area"),
        ("L3401042019050100x1", "number.format"),
    ],
)
def test_bad_numbers(text: str, code: str) -> None:
    with pytest.raises(InvalidRegistryNumber) as err:
        numbers.parse(text, today=TODAY)
    assert err.value.code == code
    assert not numbers.is_valid(text, today=TODAY)


def test_bad_g_number_message_is_masked() -> None:
    with pytest.raises(InvalidRegistryNumber) as err:
        numbers.parse("G340104201905010013")
    assert "340104201905010013" not in str(err.value)


def test_record_for_a_child_with_an_id() -> None:
    rec = numbers.new_record(TODAY, id_number=CHILD_ID)
    assert rec.current.text == "G" + CHILD_ID
    assert rec.id_number == CHILD_ID
    assert rec.guardian_id is None
    assert CHILD_ID not in repr(rec)


def test_a_record_of_a_number_validated_already_is_the_same_record() -> None:
    """``validated=True`` (the facade validated the row's number on input) skips the
    second validation and changes nothing else; the caller's promise is taken."""
    rec = numbers.new_record(TODAY, id_number=CHILD_ID)
    assert numbers.new_record(TODAY, id_number=CHILD_ID, validated=True) == rec
    with pytest.raises(InvalidResidentId):
        numbers.new_record(TODAY, id_number=CHILD_ID[:-1] + "0")
    bad = numbers.new_record(TODAY, id_number=CHILD_ID[:-1] + "0", validated=True)
    assert bad.current.text == "G" + CHILD_ID[:-1] + "0"


def test_guardian_identified_child_then_gets_an_id() -> None:
    alloc = MemoryAllocator()
    rec = numbers.new_record(
        dt.date(2025, 9, 1),
        guardian_id=GUARDIAN,
        area="340104",
        birth_date=dt.date(2019, 5, 1),
        sex="M",
        allocator=alloc,
    )
    j = rec.current
    assert j.kind == "J"
    assert rec.guardian_id == GUARDIAN
    assert rec.id_number is None
    assert GUARDIAN not in repr(rec)
    linked = numbers.link_resident_id(rec, CHILD_ID, TODAY)
    assert linked.current.text == "G" + CHILD_ID
    assert linked.all_numbers == (j, linked.current)  # history kept, nothing lost
    assert linked.answers_to(j.text)
    assert linked.answers_to("G" + CHILD_ID)
    assert rec.current == j  # the earlier record is unchanged
    assert numbers.link_resident_id(linked, CHILD_ID, TODAY) == linked  # idempotent
    with pytest.raises(InvalidRegistryNumber) as err:
        numbers.link_resident_id(linked, GUARDIAN, TODAY)
    assert err.value.code == "number.relink"


def test_a_child_with_no_id_needs_a_guardian() -> None:
    with pytest.raises(InvalidRegistryNumber) as err:
        numbers.new_record(TODAY)
    assert err.value.code == "number.no_identifier"
    with pytest.raises(InvalidResidentId):
        numbers.new_record(TODAY, guardian_id="123")
    with pytest.raises(ValueError, match="area"):
        numbers.new_record(TODAY, guardian_id=GUARDIAN)


def test_regional_numbers() -> None:
    alloc = MemoryAllocator()
    assert [g for g in range(1, 13) if numbers.needs_regional_number(g, ANHUI_2013)] == [1, 7, 10]
    a = numbers.issue_regional_number(
        ANHUI_2013, alloc, region="340104", year=2026, stage=Stage.PRIMARY
    )
    b = numbers.issue_regional_number(
        ANHUI_2013, alloc, region="340104", year=2026, stage=Stage.PRIMARY
    )
    c = numbers.issue_regional_number(
        ANHUI_2013, alloc, region="340181", year=2026, stage=Stage.PRIMARY
    )
    assert a == "3401042026100001"
    assert b == "3401042026100002"
    assert c == "3401812026100001"


def test_regional_number_space_is_bounded_and_format_checked() -> None:
    tiny = attrs.evolve(
        ANHUI_2013, regional_number_format=Param("{region}{year}{stage}{seq:01d}", anhui(12))
    )
    alloc = MemoryAllocator()
    got = [
        numbers.issue_regional_number(tiny, alloc, region="340104", year=2026, stage=Stage.JUNIOR)
        for _ in range(9)
    ]
    assert len(set(got)) == 9
    with pytest.raises(NumberSpaceExhausted):
        numbers.issue_regional_number(tiny, alloc, region="340104", year=2026, stage=Stage.JUNIOR)
    # a profile with an unknown field is refused when it is made, not when a number
    # is first issued under it
    with pytest.raises(ValueError, match="KeyError: 'city'"):
        attrs.evolve(ANHUI_2013, regional_number_format=Param("{city}{seq}", anhui(12)))
    with pytest.raises(InvalidRegistryNumber) as err:
        numbers.format_regional_number(
            "{city}{seq}", region="340104", year=2026, stage=Stage.JUNIOR, seq=1
        )
    assert err.value.code == "number.format_spec"


def test_memory_allocator_is_thread_safe() -> None:
    alloc = MemoryAllocator()
    got: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [alloc.next("k") for _ in range(1000)]
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 4001))
    assert isinstance(alloc, numbers.SequenceAllocator)


@given(st.text(max_size=25))
def test_is_valid_never_raises(text: str) -> None:
    assert numbers.is_valid(text) in (True, False)


@given(st.dates(dt.date(2005, 1, 1), TODAY), st.sampled_from(["M", "F"]))
def test_issued_j_numbers_parse(born: dt.date, sex: str) -> None:
    n = numbers.issue_j("340104", born, sex, MemoryAllocator())  # type: ignore[arg-type]
    assert numbers.parse(n.text) == n
    assert ids.check_character(n.body[:17]) == n.body[17]


def test_a_bad_today_is_a_typed_error_and_today_is_china_s(monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by the review: ``parse``/``is_valid`` of a J or L number with ``today`` a
    str or a datetime raised a raw TypeError (``is_valid`` promises never to raise for
    a str), and without ``today`` a J or L number's birth date was checked against the
    server's local date, an identity number's against China Standard Time. Now as for
    identity numbers: China's today, a datetime taken as its date, anything else
    ``number.today`` (``is_valid``: False)."""
    j = numbers.issue_j("340104", dt.date(2019, 5, 1), "M", MemoryAllocator()).text
    el = numbers.issue_l("340104", dt.date(2019, 5, 1), MemoryAllocator()).text
    g = "G" + CHILD_ID
    for text in (j, el, g):
        for bad in ("2026-12-01", 20261201):
            with pytest.raises(InvalidRegistryNumber) as e:
                numbers.parse(text, today=bad)  # type: ignore[arg-type]
            assert e.value.code == "number.today"
            assert numbers.is_valid(text, today=bad) is False  # type: ignore[arg-type]
        assert numbers.parse(text, today=dt.datetime(2026, 12, 1, 10)).text == text
        assert numbers.is_valid(text, today=dt.datetime(2026, 12, 1, 10))
    # the default today is China Standard Time's, as for an identity number
    monkeypatch.setattr(ids, "_today_key", lambda: "20190501")
    born_next_day = numbers.issue_j("340104", dt.date(2019, 5, 2), "M", MemoryAllocator()).text
    assert numbers.is_valid(j)
    assert not numbers.is_valid(born_next_day)
    with pytest.raises(InvalidRegistryNumber) as e:
        numbers.parse(born_next_day)
    assert e.value.code == "number.birth_date"


def test_art30_a_refused_number_is_masked_whatever_its_letter() -> None:
    """An identity number typed with a digit too many, or behind a wrong letter, is
    masked in the refusal (it was shown whole: only a G number was masked)."""
    body = "34010420200301003"
    number = body + ids.check_character(body)
    for typed in (number + "1", "X" + number, "J" + number[:-1]):
        with pytest.raises(InvalidRegistryNumber) as e:
            numbers.parse(typed)
        for text in (e.value.message_zh, e.value.message_en, str(e.value)):
            assert number[:17] not in text
            assert number[6:14] not in text  # (the birth date)
