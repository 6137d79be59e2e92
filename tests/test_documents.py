"""The SQL store's documents: the fast encoding (orjson writing dates and enumerations
itself) is, byte for byte, the model converter's JSON, and reads back as the value."""

from __future__ import annotations

import datetime as dt
import json

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from xueji import audit
from xueji.model import ChangeEntry, InfoEntry, InfoGroup, Request, Student, converter
from xueji.storage import sql
from xueji.testing import strategies as xs


def _reference(value: object) -> str:
    """The document as the standard library writes the model converter's form."""
    return json.dumps(converter.unstructure(value), ensure_ascii=False, separators=(",", ":"))


_STUDENTS = (
    xs.province_trees()
    .flatmap(xs.schools)
    .flatmap(lambda school: xs.classes(school).flatmap(lambda klass: xs.students(school, klass)))
)


@settings(max_examples=150, deadline=None)
@given(_STUDENTS)
def test_a_student_document_is_the_converters_json(student: Student) -> None:
    doc = sql._dump(student)
    assert doc == _reference(student)
    assert sql._load(Student, "t", "id", student.id, doc) == student


@settings(max_examples=50, deadline=None)
@given(_STUDENTS, st.sampled_from(InfoGroup), st.text(max_size=6))
def test_a_document_with_keys_that_are_not_plain_text(
    student: Student, group: InfoGroup, text: str
) -> None:
    """A student's information groups are keyed by a StrEnum, which orjson's fast
    path refuses (only an exact ``str`` key): the document is still the converter's."""
    s = attrs.evolve(student, info={group: (InfoEntry(dt.date(2026, 9, 1), text),)})
    doc = sql._dump(s)
    assert doc == _reference(s)
    assert sql._load(Student, "t", "id", s.id, doc) == s


@settings(max_examples=50, deadline=None)
@given(
    st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=12), max_size=4),
    st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
)
def test_a_log_entry_document_is_the_converters_json(after: dict[str, str], on: dt.date) -> None:
    entry = audit.make_entry(
        7, on, "school", "A", "enroll", "S1", {}, after, "第十二条", "", None, None
    )
    doc = sql._dump(entry)
    assert doc == _reference(entry)
    assert sql._load(ChangeEntry, "t", "seq", "7", doc) == entry


def test_a_request_document_is_the_converters_json() -> None:
    from xueji.lifecycle import RequestKind, RequestState

    r = Request(
        id="R1",
        kind=RequestKind.TRANSFER,
        student="S1",
        state=RequestState.AT_SENDING_AUTHORITY,
        opened_on=dt.date(2027, 8, 1),
        stage_since=dt.date(2027, 8, 1),
        deadline=dt.date(2027, 8, 27),
        from_school="A",
        to_school="B",
        to_class="B-1",
    )
    assert sql._dump(r) == _reference(r)
    assert sql._dump(attrs.evolve(r, deadline=None)) == _reference(attrs.evolve(r, deadline=None))
