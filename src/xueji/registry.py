"""The :class:`Registry`: the one door through which every command travels.

A command takes the acting user (:class:`~xueji.model.Actor`), opens a unit of work,
loads the facts, asks the pure rules for a :class:`~xueji.decision.Decision` under the
policy in force on the command's date (Art 33), fires the transition table, and writes
the new state with its change-log entry in the same unit of work. A refused command
returns its decision and writes nothing.

>>> import datetime as dt
>>> from xueji.clock import ManualClock
>>> from xueji.storage import MemoryStore
>>> reg = Registry(MemoryStore(), clock=ManualClock(dt.date(2026, 9, 1)))
>>> reg.policy().code
'anhui-2013'
"""

from __future__ import annotations

import collections
import contextlib
import datetime as _dt
import enum
import functools
import gc
import hashlib
import itertools
import json
import logging
import operator
import random
import re
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, Concatenate, Literal, NoReturn, ParamSpec, TypeVar

import attrs

from xueji import access, audit, ids, regions
from xueji import numbers as _numbers
from xueji.articles import ANHUI_2013_MEASURES, Article, anhui, chinese_numeral
from xueji.clock import Clock, SystemClock
from xueji.decision import Decision, Violation
from xueji.errors import (
    AccessDenied,
    BrokenLog,
    CalendarNotCovered,
    CannotComplete,
    ConcurrencyConflict,
    CorruptRecord,
    DuplicateKey,
    NotFound,
    NumberSpaceExhausted,
    PolicyNotInForce,
    Refused,
    StaleVersion,
    StorageError,
    StoreBusy,
    XuejiError,
    kind_zh,
)
from xueji.explain import Step, Verdict, mask_ids
from xueji.lifecycle.tables import (
    REQUEST_TABLES,
    SEATED,
    STUDENT,
    RequestKind,
    RequestState,
    StudentStatus,
)
from xueji.masking import HIDDEN_DATE, IdMask, birth_dates_of, hide_birth_dates, mask, remask
from xueji.model import (
    DATE_RANGE,
    SCHOOL_MAINTAINED,
    Actor,
    ActorKind,
    ChangeEntry,
    Consent,
    InfoEntry,
    InfoGroup,
    Photo,
    Request,
    RequestEvent,
    School,
    SchoolClass,
    Student,
    TransferReason,
    Unit,
    UnitLevel,
    final_grade,
    stage_of_grade,
)
from xueji.policy import ANHUI_2013, Policy, check_profiles, policy_in_force
from xueji.policy.model import PERSON_FIELDS
from xueji.policy.values import SIX_THREE_THREE, Stage
from xueji.reports import PublicListRow, public_class_list
from xueji.rules import (
    approvals,
    corrections,
    enrolment,
    graduation,
    privacy,
    transfers,
    tree,
)
from xueji.rules import changes as change_rules
from xueji.rules._base import RULE_CODES, Checks, cite_decision, rule_article, violation
from xueji.statistics import (
    NATIONAL_EXCLUDED,
    NationalRecord,
    Statistics,
    national_record,
    tabulate_tally,
)
from xueji.storage.protocols import RequestRepository, Store, UnitOfWork
from xueji.storage.writebehind import WriteBehind
from xueji.workdays import WorkdayCalendar, default_calendar

__all__ = [
    "DEFAULT_APPROVAL_NOTE",
    "RAN_ON_KEY",
    "BulkOutcome",
    "Outcome",
    "Registry",
    "default_approval_note",
    "explain_default_approval",
    "latest_log_day",
]

DEFAULT_APPROVAL_NOTE = "系统默认审批同意（第二十四条）"
"""What the record says when a stage is approved because its deadline passed, under
the Anhui measures (:func:`default_approval_note` for any profile)."""


def default_approval_note(policy: Policy) -> str:
    """What the record says of a stage approved by default under ``policy``: its
    ``transfer_default_approval`` article (a province's profile cited Anhui's Art 24
    here whatever its own article was), with its document (``系统默认审批同意（苏教基
    〔2014〕5号 第二十一条）``), so that a history spanning two measures says which
    one's article each default approval was (found by the province review: the
    number alone, under 苏教基〔2014〕5号 and then 〔2026〕9号). Under the Anhui
    measures' own profile, by number, as their records have always said it
    (:data:`DEFAULT_APPROVAL_NOTE`).

    >>> from xueji.policy import ANHUI_2013
    >>> default_approval_note(ANHUI_2013) == DEFAULT_APPROVAL_NOTE
    True
    """
    # an Anhui parameter a profile of another instrument took from its base: marked
    article = policy.as_cited(policy.transfer_default_approval.article)
    plain = article.paragraph is None and article.item is None and not article.note
    own = policy.instrument == ANHUI_2013_MEASURES
    if own and article.instrument == policy.instrument and plain and article.number:
        return f"系统默认审批同意（第{chinese_numeral(article.number)}条）"
    return f"系统默认审批同意（{article}）"


R = RequestState
St = StudentStatus
_LOG = logging.getLogger("xueji.registry")
_COMPLETES: Mapping[RequestKind, str] = {
    RequestKind.NEW_STUDENT: "approve",
    RequestKind.TRANSFER: "transfer",
    RequestKind.CROSS_PROVINCE_OUT: "transfer_out_of_province",
    RequestKind.CROSS_BORDER_OUT: "transfer_abroad",
    RequestKind.SUSPENSION: "suspend",
    RequestKind.RESUMPTION: "resume",
    RequestKind.DROPOUT: "drop_out",
    RequestKind.GRADUATION: "graduate",
    RequestKind.CORRECTION: "correct",
}
"""The event a request's final approval fires on its student's record (the transfers
in: ``approve`` for a new record under review, else ``return``)."""


def _completion_event(req: Request) -> str | None:
    """The event ``req``'s final approval fires (:data:`_COMPLETES`; a senior-high
    结业 is a graduation request whose payload says ``outcome = complete``)."""
    if req.kind is RequestKind.GRADUATION and req.payload.get("outcome") == "complete":
        return "complete"
    return _COMPLETES.get(req.kind)


def _check_completes(req: Request, student: Student) -> None:
    """Raise :class:`CannotComplete` if the student's record no longer accepts the
    event the request's final approval fires (checked before anything is written)."""
    event = _completion_event(req)
    if event is None:  # a transfer in
        event = "approve" if student.status is St.PENDING_REVIEW else "return"
    if STUDENT.get(student.status, event) is None:
        state = student.status
        raise CannotComplete(req.id, req.kind.value, state.value, state.zh, event)


_TRANSFER_KINDS = frozenset(
    {
        RequestKind.TRANSFER,
        RequestKind.CROSS_PROVINCE_IN,
        RequestKind.CROSS_PROVINCE_OUT,
        RequestKind.CROSS_BORDER_IN,
        RequestKind.CROSS_BORDER_OUT,
    }
)
_INCOMING_KINDS = frozenset({RequestKind.CROSS_PROVINCE_IN, RequestKind.CROSS_BORDER_IN})
_HELD_AT = "held_at_rollover"
"""The payload key the rollover writes, under ``rollover_open_transfers = "hold"``, on
an open transfer whose student it held in their grade: the school years (comma-
separated) of the rollovers that held them. The transfer's end moves the student up
by as many grades (Art 18(2); :meth:`Registry._catch_up`)."""
_HELD_SEAT = "held_seat:"
"""The meta key prefix of a seat a student held for an open transfer keeps in the class
that went up without them (under ``rollover_open_transfers = "hold"``): one key a held
student, ``held_seat:<class>/<student>``, its value the transfer. Set by the rollover
that holds them in a class that goes up (:meth:`Registry.rollover`), removed when the
transfer ends however it ends (approved, by default too, refused or withdrawn). Art
16: while the transfer is open the student keeps their seat: a class counts it in its
size (:func:`_held_seats`), so a newcomer cannot take it and the withdrawal that brings
them back does not put the class over its cap. Found by the rollover review: the class
counted only the pupils of its own grade, a newcomer took the seat, and the withdrawal
left the class one over its cap (a ``class.full`` warning only)."""
_HELD_SEATS_ANY = "held_seats:any"
"""The meta key set while any seat is held (:data:`_HELD_SEAT`): written with the first
key, removed with the last. A kept seat counts until its transfer ends whatever profile
is in force (Art 16: found by the second rollover review, a successor profile with
``"promote"`` stopped counting it, a newcomer took it and the withdrawal seated the
held student over the cap), so every class-size check reads this one key
(:func:`_holds_seats`, once a command or a bulk chunk), and the held seats only where
it is set: a store that never held anyone reads nothing more. (Not under the
:data:`_HELD_SEAT` prefix, whose keys are one a seat.)"""


def _release_held_seat(uow: UnitOfWork, req: Request, s: Student) -> None:
    """The transfer ``req`` ends (approved, by default too, refused or withdrawn): the
    seat its student kept in their class while it was open (:data:`_HELD_SEAT`) is
    theirs no longer, or theirs again as a pupil of its grade (:meth:`Registry._catch_up`
    moves them up into it): either way no longer held. Only a transfer a rollover held
    them for (:data:`_HELD_AT`) has one."""
    if req.kind in _TRANSFER_KINDS and _HELD_AT in req.payload:
        uow.meta.delete([_held_seat_key(s.class_id, s.id)])
        if next(uow.meta.prefixed(_HELD_SEAT), None) is None:  # (the last one: a rare read)
            uow.meta.delete([_HELD_SEATS_ANY])


def _keep_held_seats(uow: UnitOfWork, marked: Sequence[tuple[Student, Request]]) -> None:
    """The rollover held each of ``marked`` for their open transfer: where their class
    went up without them, they keep their seat in it until the transfer ends
    (:data:`_HELD_SEAT`, Art 16). A class that stayed at their grade counts them as
    its pupil already. A few records: the held students' classes, read in one query."""
    classes = uow.classes.get_many({s.class_id for s, _ in marked})
    for s, r in marked:
        klass = classes.get(s.class_id)
        if klass is not None and klass.grade != s.grade:
            uow.meta.set(_held_seat_key(klass.id, s.id), r.id)
            uow.meta.set(_HELD_SEATS_ANY, "1")


def _holds_seats(uow: UnitOfWork, policy: Policy) -> bool:
    """Whether a class-size check must read the held seats (:data:`_HELD_SEAT`): where
    any is held (:data:`_HELD_SEATS_ANY`, one key read), whatever profile is in force;
    under a profile that holds, also where the flag is missing (a store whose seats
    were kept before it was written: read as before)."""
    if policy.rollover_open_transfers.value == "hold":
        return True
    return uow.meta.get(_HELD_SEATS_ANY) is not None


def _held_seat_key(class_id: str, student: str) -> str:
    """The :data:`_HELD_SEAT` key of ``student``'s seat in ``class_id``."""
    return f"{_HELD_SEAT}{class_id}/{student}"


def _held_seats(uow: UnitOfWork, class_id: str | None = None) -> collections.Counter[str]:
    """The seats held for open transfers (:data:`_HELD_SEAT`), by class: of
    ``class_id`` only where given (its keys' prefix, one read), else of every class
    (one read, for a bulk enrolment's classes)."""
    prefix = _HELD_SEAT if class_id is None else f"{_HELD_SEAT}{class_id}/"
    found: collections.Counter[str] = collections.Counter()
    for key, _ in uow.meta.prefixed(prefix):
        klass = key[len(_HELD_SEAT) :].rpartition("/")[0]  # (a student id holds no "/")
        if class_id is None or klass == class_id:
            found[klass] += 1
    return found


def _held_years(req: Request) -> tuple[int, ...]:
    """The school years of the rollovers that held ``req``'s student (see :data:`_HELD_AT`)."""
    text = req.payload.get(_HELD_AT, "")
    return tuple(int(y) for y in text.split(",") if y.strip().isdigit())


_SYSTEM = Actor.system()


def _sweep_runner(actor: Actor) -> Actor:
    """The system actor of a deadline sweep run by ``actor`` (:meth:`Registry.advance_clock`):
    kind and unit ``system`` (Art 24: the approval is deemed, no unit gave it), its name
    saying who ran it, ``系统（NAME 运行） system (run by NAME)``, NAME the person (for
    ``--as system --operator 王科长``), or the unit and the person
    (``province:34 省管理员``); ``Actor.system()`` itself, or a system actor with no
    name, as before (系统)."""
    if actor.kind is ActorKind.SYSTEM:
        who = "" if actor.name in ("", _SYSTEM.name) else actor.name
    else:
        who = f"{actor.kind.value}:{actor.unit} {actor.name}".strip()
    if not who:
        return _SYSTEM
    return attrs.evolve(_SYSTEM, name=f"{_SYSTEM.name}（{who} 运行） system (run by {who})")


_CHANGE_ACTIONS = {
    RequestKind.SUSPENSION: "suspend",
    RequestKind.RESUMPTION: "resume",
    RequestKind.DROPOUT: "record_dropout",
}
_SCHOOL_STAGES = frozenset({R.AT_SCHOOL, R.AT_RECEIVING_SCHOOL, R.AT_SENDING_SCHOOL})


@attrs.frozen
class Outcome:
    """What a command returns: its decision and the records it wrote (or would have)."""

    decision: Decision
    student: Student | None = None
    request: Request | None = None

    @property
    def allowed(self) -> bool:
        """True if the command was carried out."""
        return self.decision.allowed

    def unwrap(self) -> Outcome:
        """Return self, or raise :class:`~xueji.errors.Refused` if refused: its message
        gives each violation's code with its message, in Chinese and in English (the
        ``decision`` holds the articles and facts)."""
        if not self.allowed:
            zh = "；".join(f"[{v.code}] {v.message_zh}" for v in self.decision.violations)
            en = "; ".join(f"[{v.code}] {v.message_en}" for v in self.decision.violations)
            raise Refused(self.decision, f"命令被拒绝：{zh}", f"command refused: {en}")
        return self


_SENSITIVE = frozenset({"id_number", "guardian_id", "registry_number"})


# numbers the library issues from the profile's format, never typed text and never an
# identity number: not searched (an 18-digit format would otherwise be masked as one)
_ISSUED = frozenset(
    {"regional_number", "record_digest", "request_digest", "held", "statuses", "final_grades"}
)


def _fields(
    values: Mapping[str, object], spec: IdMask | None = None, born: set[str] | None = None
) -> dict[str, str]:
    """Log values as text, identity numbers masked (Art 30) with ``spec``: the
    ``id_mask`` of the profile in force (the library's default where none is).

    The sensitive fields are masked whole; in every other value (free text such as an
    info entry's, a name, a consent) whatever looks like an identity number is masked
    where it stands. Only a text of 15 characters or more can hold one, so the short
    values of a bulk enrolment cost one length test. A photo's digest is a hash, not
    text, and is kept whole. A birth date is hidden (``HIDDEN_DATE``): the default mask
    hides exactly the birth date of the number it masks, and a subject's history shows
    its number masked (found by the privacy review: a key-field edit logged both, and
    together they gave the number back); the record's digest covers it. A value that
    is no text (the number record a correction changes) is logged as its repr, whose
    numbers the library masked with its default: they are masked again with ``spec``
    (found by the merge review).

    ``born``: the birth dates (:func:`~xueji.masking.birth_dates_of`) of the identity
    numbers the entry or its record holds, hidden in every free text of the entry in
    any common spelling (:func:`~xueji.masking.hide_birth_dates`). Before, a
    correction's reason, ``出生日期 2020-03-02 错录为 2020-03-01``, was logged in clear
    beside the masked new number, which the two gave back (found by the enrolment
    review)."""
    out = {}
    for k, v in values.items():
        text = v if type(v) is str else _s(v)  # (most values are text already)
        if k in _SENSITIVE:
            text = _masked_whole(text, spec)
        elif k == "birth_date" and text:
            text = HIDDEN_DATE
        elif born and type(v) is str and k not in _ISSUED:
            text = hide_birth_dates(mask_ids(text, spec), born)
        elif len(text) >= 15 and k not in _ISSUED:
            if isinstance(v, Consent):
                text = _consent_text(v, spec)
            if type(v) is str:
                text = mask_ids(text, spec)
            elif not isinstance(v, Photo):
                # a value's repr (the number record's) masked its numbers with the
                # library's default: masked again with the profile's (Art 30)
                text = remask(text, spec)
        out[k] = text
    return out


def _born_in(
    before: Mapping[str, object], after: Mapping[str, object], *records: Student | None
) -> set[str]:
    """The birth dates of the identity numbers an entry holds (old and new:
    ``id_number``, ``guardian_id``, a G ``registry_number``) and its records hold,
    which its free text must not show beside them (Art 30, :func:`_fields`)."""
    numbers: list[str | None] = [
        v for m in (before, after) for k in _SENSITIVE if isinstance(v := m.get(k), str)
    ]
    for r in records:
        if r is not None:
            numbers += (r.id_number, r.guardian_id, r.registry_number)
    return birth_dates_of(numbers)


def _masked_whole(text: str, spec: IdMask | None) -> str:
    """A sensitive value (an identity number, a 学籍号) as the log records it, masked
    whole with ``spec``: a registry number after its letter, whatever the letter."""
    if not text:
        return text
    if text[0] in "GJL":
        return _numbers.mask_number(text, every_kind=True, spec=spec)
    return mask(text, spec)


def _consent_text(consent: Consent, spec: IdMask | None) -> str:
    """A consent as the log records it: its fields, the guardian's number masked with
    the profile's ``spec`` (its ``repr`` would use the library's default mask)."""
    guardian = consent.guardian_id and mask(consent.guardian_id, spec)
    return (
        f"Consent(basis={consent.basis!r}, given_by={consent.given_by!r}, "
        f"given_on={consent.given_on!r}, guardian_id={guardian!r})"
    )


def _s(value: object) -> str:
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Photo):
        return f"{value.taken_on.isoformat()}|{value.digest}"
    return "" if value is None else str(value)


def _bad_input(zh: str, en: str) -> XuejiError:
    return XuejiError("command.bad_input", zh, en)


EDITABLE_FIELDS = (*PERSON_FIELDS, "consent")
"""The fields :meth:`Registry.update_student` edits (the key fields of Art 29 only
before the record is submitted); a correction's ``changes`` take the same."""

KEY_MAX_LENGTH = 64
"""The longest code of a unit, school or class, and the longest idempotency key, a
command accepts: the SQL store keeps them in ``VARCHAR(64)`` columns. Checked by the
facade, so every store gives the same answer (before, a longer code passed in memory
and on SQLite and failed in PostgreSQL's or MariaDB's driver)."""


def _a(noun: str) -> str:
    """``noun`` with its indefinite article (an idempotency key, a unit code)."""
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


def _check_key(what_zh: str, what_en: str, key: str) -> None:
    """Refuse an empty key, one longer than :data:`KEY_MAX_LENGTH`, or one holding a
    control character (PostgreSQL cannot store a NUL; a tab or newline in a code is
    a typing slip)."""
    if not key or len(key) > KEY_MAX_LENGTH:
        raise _bad_input(
            f"{what_zh}须为 1 至 {KEY_MAX_LENGTH} 个字符（现为 {len(key)} 个）",
            f"{_a(what_en)} must have 1 to {KEY_MAX_LENGTH} characters, not {len(key)}",
        )
    if _BAD_TEXT.search(key):  # (defined below)
        raise _bad_input(
            f"{what_zh}不得含控制字符或残缺字符",
            f"{_a(what_en)} must not hold control characters or unpaired surrogates",
        )


P = ParamSpec("P")
_T = TypeVar("_T")


@attrs.frozen
class _IdemRecord:
    """What an idempotency record in the meta store holds: the command, the records it
    wrote, and who ran it with which arguments (``actor``, ``args``: absent from the
    records written before they were kept, which then match any repeat)."""

    command: str
    student: str | None
    request: str | None
    actor: str | None = None
    args: str | None = None
    on: str | None = None  # the command's date (ISO); absent from older records


_IDEM = "idem:"
"""The prefix of the idempotency records' keys in the meta store."""

RAN_ON_KEY = "log:ran_on"
"""The meta store's key of the latest day the registry ran at where that day is later
than the change log's last entry: a rollover run late dates its entries its rollover
date (1 August), a sweep dates each default approval the day after its deadline, a
transfer filed with an earlier ``applied_on`` dates its opening entry that day, so the
last entry's date is not the day they ran (:func:`latest_log_day`)."""
_FORGET_BATCH = 1_000  # keys per delete of forget_idempotency_keys

# how a denial names a subject that is no school's ("\0province": _subject_schools)
_PROVINCE_LEVEL = "\0province"
"""The marker :meth:`Registry._subject_schools` gives a subject that is no school's
(only the province and the system may read it)."""

_RECORD_ID = re.compile(r"([SRsr])\d{7,}")
"""The shape of the ids the registry gives students and requests (``S0000001``,
``R0000001``: :meth:`Registry._new_id`), in any case: a subject of this shape that the
store does not hold is a student or request not found (:meth:`Registry.history`)."""

_PROVINCE_LEVEL_ZH = "省级"
_PROVINCE_LEVEL_EN = "a province-level subject"


def _ran_on(uow: UnitOfWork, on: _dt.date) -> None:
    """Record ``on`` as the latest day the registry ran at (:data:`RAN_ON_KEY`), by the
    commands that date their entries before the day they run (:meth:`Registry.rollover`,
    :meth:`Registry.advance_clock`, a filing dated its application day:
    :func:`_ran_on_backdated`, a decision whose request the sweep first approved by
    default), only when they did: an idle sweep writes nothing.
    A later day recorded already is kept."""
    recorded = _recorded_day(uow.meta.get(RAN_ON_KEY))
    if recorded is None or recorded < on:
        uow.meta.set(RAN_ON_KEY, on.isoformat())


def _ran_on_backdated(uow: UnitOfWork, applied_on: _dt.date | None, on: _dt.date) -> None:
    """A filing dated its application day ``applied_on`` (:meth:`Registry.request_transfer`,
    :meth:`Registry.transfer_in`: the opening entry, and the default approvals its
    sweep dates the day after each deadline since) run on ``on``, later: ``on`` is
    recorded as the day the registry ran at (:func:`_ran_on`, Arts 31, 32). Found by
    the second rollover review: ``xueji transfer file --applied-on 2026-10-12 --today
    2026-10-30`` recorded nothing, and a suspension dated 14 October was accepted
    after it. A filing dated today reads nothing more."""
    if applied_on is not None and applied_on < on:
        _ran_on(uow, on)


def _recorded_day(text: str | None) -> _dt.date | None:
    """The day :data:`RAN_ON_KEY` holds; ``None`` where there is none, or the text is no
    date (edited by hand: the log's last entry then decides alone)."""
    if text is None:
        return None
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        return None


def latest_log_day(uow: UnitOfWork) -> _dt.date | None:
    """The latest day the registry has run at: the later of the change log's last
    entry's date and the day a command that dated its entries earlier ran (a late
    rollover, a sweep, a filing dated its application day: :data:`RAN_ON_KEY`);
    ``None`` for an empty log and no such day. A command dated
    before it would be backdated among what the registry has done (``xueji``'s
    ``cli.today_backwards``): after a rollover run on 20 September, whose entry is
    dated 1 August, a suspension dated 15 August, before the student was enrolled,
    was accepted. Two indexed reads (the log's last entry, one meta key): no scan of
    the log, whose entries keep their dates inside a JSON document. A store written
    before the key was (or one no late rollover or sweep ran on) holds none: the last
    entry's date decides, as before."""
    last = uow.log.last()
    ran = _recorded_day(uow.meta.get(RAN_ON_KEY))
    days = [d for d in (last.on if last is not None else None, ran) if d is not None]
    return max(days) if days else None


def _idempotency_record(key: str, text: str) -> _IdemRecord:
    """The record at ``key`` in the meta store; a record edited by hand into something
    else is a :class:`CorruptRecord`."""
    try:
        data = json.loads(text)
        fields = [data["command"], data["student"], data["request"]]
        fields += [data.get("actor"), data.get("args"), data.get("on")]
    except (ValueError, TypeError, KeyError, AttributeError):
        fields = [None]
    if isinstance(fields[0], str) and all(x is None or isinstance(x, str) for x in fields[1:]):
        return _IdemRecord(*fields)
    # the key as a host chose it, which may quote an identity number (Art 30)
    raise CorruptRecord("meta", mask_ids(key), "not an idempotency record", "不是幂等记录")


def _fingerprint(args: Sequence[object], kw: Mapping[str, object]) -> str:
    """A digest of a command's arguments (the actor and the key aside): a repeat must
    bring the same ones. Kept as a digest: the arguments may hold identity numbers."""
    text = repr(_canonical((tuple(args), kw)))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _canonical(value: object) -> object:
    """``value`` with its mappings and sets in a fixed order (their repr otherwise
    follows insertion order), for :func:`_fingerprint`."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_canonical(v)) for v in value))
    if isinstance(value, (list, tuple)):
        return tuple(_canonical(v) for v in value)
    return value


def _idempotent(
    method: Callable[Concatenate[Registry, P], Outcome],
) -> Callable[Concatenate[Registry, P], Outcome]:
    """Make ``idempotency_key=...`` turn a repeated command into a no-op.

    The first carried-out command with a key records what it wrote (in the store's meta
    table, in the same unit of work), who ran it and a digest of its arguments; a
    repeat with the same key, by the same actor with the same arguments, returns the
    records as they are now and changes nothing. A refused command is not recorded: it
    may be retried. Reusing a key for another command is an error
    (``command.bad_input``), and so is reusing it as another actor or with other
    arguments (``idempotency.mismatch``): the repeat would otherwise hand over a
    record its caller may not read, or silently drop what the caller meant to do (as
    a Stripe-style API refuses a reused key with different parameters).
    """

    @functools.wraps(method)
    def wrapper(self: Registry, /, *args: P.args, **kw: P.kwargs) -> Outcome:
        key = kw.pop("idempotency_key", None)
        if key is None:
            return method(self, *args, **kw)
        text = str(key)
        _check_key("幂等键", "idempotency key", text)
        slot = f"{_IDEM}{text}"  # its row in the meta store
        actor = args[0]
        who = f"{actor.kind.value}:{actor.unit}" if isinstance(actor, Actor) else repr(actor)
        digest = _fingerprint(args[1:], kw)
        with self.store.unit_of_work() as uow:
            prior = uow.meta.get(slot)
            if prior is not None:
                held = _idempotency_record(slot, prior)
                # the key is quoted: XuejiError masks an identity number in it
                if held.command != method.__name__:
                    raise _bad_input(
                        f"幂等键 {text} 已用于 {held.command}",
                        f"idempotency key {text!r} was used for {held.command}",
                    )
                if held.actor not in (None, who):
                    raise XuejiError(
                        "idempotency.mismatch",
                        f"幂等键 {text} 已由其他用户使用",
                        f"idempotency key {text!r} was used by another actor",
                    )
                if held.args not in (None, digest):
                    raise XuejiError(
                        "idempotency.mismatch",
                        f"幂等键 {text} 已以不同的参数使用",
                        f"idempotency key {text!r} was used with other arguments",
                    )
                student = uow.students.get(held.student) if held.student else None
                request = uow.requests.get(held.request) if held.request else None
                if student is not None and isinstance(actor, Actor):
                    try:  # the record as it is now: only to an actor who may read it now
                        self._authorize(uow, actor, "student", school=student.school)
                    except AccessDenied:  # (found by the review: moved to another school)
                        student = None
                return Outcome(Decision.allow(), student, request)
            out = method(self, *args, **kw)
            if out.allowed:
                record = {
                    "command": method.__name__,
                    "student": out.student.id if out.student else None,
                    "request": out.request.id if out.request else None,
                    "actor": who,
                    "args": digest,
                    "on": self.today().isoformat(),
                }
                uow.meta.set(slot, json.dumps(record))
            return out

    return wrapper


CONFLICT_RETRIES = 8
"""How many times a :class:`Registry` runs a command again after it lost a race to
another writer (:class:`~xueji.errors.ConcurrencyConflict`), by default. On a server
every command that writes appends to the one hash-chained change log, so of several
commands at the same moment one commits and the others conflict; run again, each
decides on the state the winner left. Never retried: :class:`~xueji.errors.StaleVersion`
(the caller's own ``expected_version`` is out of date), a command inside a unit of
work its caller opened (the caller's transaction is what must run again), a store that
cannot tell whether it is inside one (no ``in_unit_of_work()``), and ``enroll_many``
(its rows may be a stream read once)."""

RETRY_PAUSE = 0.002
"""Seconds: the longest pause before the first retry; each later one may be twice as
long, up to :data:`RETRY_PAUSE_MAX` (random within that: "full jitter", so that the
losers of one race do not meet again at the next)."""

RETRY_PAUSE_MAX = 0.1
"""Seconds: the longest pause before any retry (the eight retries of the default
wait 0.33 s at most, 0.16 s on average)."""


def _retried(
    method: Callable[Concatenate[Registry, P], _T],
) -> Callable[Concatenate[Registry, P], _T]:
    """Run the command again when it loses a race to another writer (see
    :data:`CONFLICT_RETRIES`). Each attempt is a new unit of work: the lost one was
    rolled back whole, so nothing is applied twice."""

    @functools.wraps(method)
    def wrapper(self: Registry, /, *args: P.args, **kw: P.kwargs) -> _T:
        on = self.today()
        if not self._may_retry():
            return self._cited(_saying_altered(self, method, args, kw), on)
        self._running.command = True
        attempt = 0
        try:
            while True:
                try:
                    return self._cited(_saying_altered(self, method, args, kw), on)
                except (StaleVersion, StoreBusy):  # running again cannot help / waits again
                    raise
                except ConcurrencyConflict:
                    if attempt >= self.conflict_retries:
                        raise
                    self._pause(random.random() * min(RETRY_PAUSE_MAX, RETRY_PAUSE * 2**attempt))
                    attempt += 1
        finally:
            self._running.command = False

    return wrapper


def _saying_altered(
    self: Registry,
    method: Callable[..., _T],
    args: Sequence[object],
    kw: Mapping[str, object],
) -> _T:
    """One run of a command, with what it found of the records it wrote: each record
    changed outside the registry (``Registry._said_altered``) is a warning of its
    decision (``audit.altered_before``, Art 32(三)), or, for a command that returns
    none (the deadline sweep), said to the ``xueji.registry`` logger. A refused
    decision wrote nothing and says nothing of it. A command run by another (a bulk
    import's row by ``enroll``) keeps its own."""
    outer = getattr(self._running, "altered", None)
    found: list[Violation] = []
    self._running.altered = found
    try:
        result = method(self, *args, **kw)
    finally:
        self._running.altered = outer
    if not found:
        return result
    if isinstance(result, Outcome):
        if not result.allowed:
            return result
        marked = Decision.combine(result.decision, Decision.allow(warnings=found))
        return attrs.evolve(result, decision=marked)
    self._said_to_logger(found)
    return result


def _expect(kind: str, key: str, expected: int | None, actual: int) -> None:
    """Optimistic concurrency from the caller's side: the command was decided on
    version ``expected`` of the record; another version means someone else acted."""
    if expected is not None and type(expected) is not int:
        shown = _short(expected)
        raise _bad_input(
            f"expected_version 应为整数：{shown}", f"expected_version must be an int, not {shown}"
        )
    if expected is not None and expected != actual:
        raise StaleVersion(
            "storage.conflict",
            f"{kind_zh(kind)} {key} 已被修改（当前版本 {actual}，操作基于版本 {expected}）",
            f"{kind} {key} was changed (now version {actual}; the command read {expected})",
        )


@attrs.frozen
class BulkOutcome:
    """What :meth:`Registry.enroll_many` did: the records written, and every row it
    refused with its index (0-based) and decision. No row is lost silently."""

    applied: tuple[Student, ...]
    refused: tuple[tuple[int, Decision], ...]
    committed: bool
    warned: tuple[tuple[int, Decision], ...] = ()
    """The rows applied with warnings (no guardian's consent recorded for a minor, an
    entry after the Art 15 deadline), by index, each with a decision holding its
    warnings: those :meth:`Registry.enroll` gives the row (its steps may be only the
    rules that warned). Empty when nothing was committed."""
    repeated: tuple[int, ...] = ()
    """The rows found again by their idempotency key whose record the actor may no
    longer read (the student has moved to a school outside its reach since): nothing
    was written for them, as :meth:`Registry.enroll` says (allowed, no record). They
    are neither applied (no record to return) nor refused. Before, such a row was
    refused with an allowing decision, and an all-or-nothing import was undone."""

    @property
    def allowed(self) -> bool:
        """True when every row was applied."""
        return self.committed and not self.refused


_CLEAR = Decision()
"""The decision of a bulk row that every rule allows without warning (shared)."""


def _quick_answer(kept: Sequence[Decision]) -> Decision:
    """What ``Registry._enrol_quick`` keeps of the kept rules' decisions: the first
    refusing one (the row is then decided in full), :data:`_CLEAR`, or the warning
    ones (the one itself when there is one)."""
    refusing = [d for d in kept if d.violations]
    if refusing:
        return refusing[0]
    warners = [d for d in kept if d.warnings]
    if not warners:
        return _CLEAR
    return warners[0] if len(warners) == 1 else Decision.combine(*warners)


class _WarnedSteps:
    """The steps of a decision whose refusals are said as warnings (a
    :class:`~xueji.explain.StepSource`, built only when explained)."""

    __slots__ = ("_decision",)

    def __init__(self, decision: Decision) -> None:
        self._decision = decision

    def build_steps(self) -> tuple[Step, ...]:
        return tuple(
            attrs.evolve(s, verdict=Verdict.WARN) if s.verdict is Verdict.REFUSE else s
            for s in self._decision.explain().steps
        )


def _as_warnings(decision: Decision) -> Decision:
    """``decision`` allowed, its violations its warnings, its steps kept with each
    refusing step a warning: a check whose failure is said, not refused (the class a
    held student stays in when a transfer ends, Art 16). An allowing decision is kept."""
    if decision.allowed:
        return decision
    return Decision((), decision.violations + decision.warnings, (_WarnedSteps(decision),))


_TOLD_FACTS = frozenset(
    {
        # what the actor gave: the student it named, the school, class and reason
        "student",
        "school",
        "to_school",
        "class_id",
        "reason",
        "stated_reason",
        "applied_on",
        "change",
        "kind",
        "filed_by",
        "actor",
        "request",
        # what its own side holds: the receiving school's class, city and stages
        "class_school",
        "class_grade",
        "size",
        "cap",
        "to_special",
        "city",
        "to_city",
        "to_city_region",
        # the calendar and the profile: the days a rule read, the deadline it set
        "on",
        "today",
        "term",
        "deadline",
        # the profile's closed period that holds the day (transfer_blackout), its periods
        "start",
        "end",
        "periods",
        # Art 25's bar: a refusal of the receiving city's own authority
        "false_material_refusal",
        "refused",
        "use",
    }
)
"""The facts of a rule told to an actor who may not read the student the rule looked
at (:func:`_without_facts`): what the actor gave, what its own side holds, the
calendar's and the profile's. Any other fact (the record's status, school, city,
户籍, disability flag, grade, stage, its other requests, the party a stage waits at)
is left out: a fact a rule adds later is left out until it is named here."""


def _without_facts(decision: Decision) -> Decision:
    """``decision`` as told to an actor who may not read the student it concerns (Arts
    28, 30): every rule evaluated, with its code, verdict, article, message and the
    profile's parameters it read, and of the facts it looked at only those of
    :data:`_TOLD_FACTS` (none of the record's). Allowed or refused as ``decision``
    is."""

    def told(facts: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        return tuple((k, v) for k, v in facts if k in _TOLD_FACTS)

    bare = tuple(attrs.evolve(step, facts=told(step.facts)) for step in decision.explain().steps)
    return Decision(
        tuple(attrs.evolve(v, facts=told(v.facts)) for v in decision.violations),
        tuple(attrs.evolve(w, facts=told(w.facts)) for w in decision.warnings),
        bare,
    )


_BulkInto = tuple[dict[int, Student], dict[int, Decision], dict[int, Decision], list[int]]
"""Where ``Registry.enroll_many`` puts its rows' outcomes: applied, refused, warned,
repeated (the fields of :class:`BulkOutcome`, by row index)."""

BULK_CHUNK = 1_000
"""Rows :meth:`Registry.enroll_many` decides and writes as one batch."""

RULE_MEMO_SIZE = 20_000
"""Decisions a :class:`Registry` keeps for its bulk commands under one policy on one
date before it starts afresh (see ``Registry._rule_memo``). An entry takes about
1 KB (15,391 entries after the benchmark's 100,000 students held 16.6 MB), so a full
memo holds about 20 MB until the date or the policy changes."""

SWEEP_BATCH = 1_000
"""Overdue requests the deadline sweep decides and writes as one batch (write-behind)."""

REPORT_BATCH = 2_000
"""Requests a province-wide report (:meth:`Registry.detect`,
:meth:`Registry.migrant_dropouts`) reads before it fetches their students with one
``get_many``: one query per batch instead of one per request, and memory bounded by
the batch, not the province."""

_X = TypeVar("_X")


def _with_students(
    uow: UnitOfWork,
    items: Iterable[_X],
    student_of: Callable[[_X], str],
    narrow: Callable[[list[_X]], list[_X]] | None = None,
    corrupt: dict[str, CorruptRecord] | None = None,
) -> Iterator[tuple[_X, Student | None]]:
    """Each of ``items`` with its student (None if the store has none), the students
    read with one ``get_many`` per :data:`REPORT_BATCH` items; ``narrow`` (given a
    batch, the items of it worth reading the students of) drops items first. Given
    ``corrupt``, a record that cannot be read (edited by hand past reading) does not
    stop the reading: it is kept there by id, and its items come with None."""
    stream = iter(items)
    while page := list(itertools.islice(stream, REPORT_BATCH)):
        if narrow is not None:
            page = narrow(page)
        wanted = {student_of(x) for x in page}
        try:
            found = uow.students.get_many(wanted)
        except CorruptRecord:
            if corrupt is None:
                raise
            found = _one_by_one(uow, wanted, corrupt)
        for x in page:
            yield x, found.get(student_of(x))


def _one_by_one(
    uow: UnitOfWork, ids: Iterable[str], corrupt: dict[str, CorruptRecord]
) -> dict[str, Student]:
    """The students of ``ids`` read one at a time, those that cannot be read kept in
    ``corrupt`` (a batch with one such record in it is read so)."""
    found = {}
    for sid in sorted(ids):
        try:
            s = uow.students.get(sid)
        except CorruptRecord as bad:
            corrupt[sid] = bad
            continue
        if s is not None:
            found[sid] = s
    return found


def _held_unreadable(request: str, student: str | None, bad: CorruptRecord) -> None:
    """Say to the logger that the deadline sweep holds ``request``'s default approval
    (Art 24) because its record, or its ``student``'s, cannot be read (``bad``): a
    record edited outside the registry (Art 32(三)), as the sweep's other held
    approvals are said, with the rule they cite."""
    zh = f"请求 {request} 的学籍记录 {student}" if student else f"请求 {request}"
    en = f"request {request}'s student record {student}" if student else f"request {request}"
    _LOG.warning(
        "默认审批暂缓：%s 无法读取（%s；storage.corrupt，第三十二条：在系统之外被改动），"
        "修复后下一次运行即予默认审批 / default approval held: %s cannot be read (%s; "
        "storage.corrupt, Art 32: edited outside the registry); the first run after it "
        "is repaired approves it",
        zh,
        mask_ids(bad.detail_zh),
        en,
        mask_ids(bad.detail),
    )


def _sees_everything(actor: Actor) -> bool:
    """Whether every school is within the actor's jurisdiction (the province, the
    system)."""
    return actor.kind in (ActorKind.PROVINCE, ActorKind.SYSTEM)


def _list_units(uow: UnitOfWork, actor: Actor) -> bool:
    """List the units for a county's or city's look-ups (True) ahead of asking
    whether schools are inside its jurisdiction: a store that caches what it lists
    (the SQL store) then answers each school's and unit's look-up without a query
    (a city's statistics made one query per school of the province)."""
    if actor.kind in (ActorKind.CITY, ActorKind.COUNTY):
        uow.units.list()
        return True
    return False


def _inside_with_students(
    uow: UnitOfWork,
    items: Iterable[_X],
    student_of: Callable[[_X], str],
    inside: Callable[[str], bool],
    schools: Callable[[_X], Iterable[str | None]] = lambda _: (),
    *,
    everywhere: bool = False,
    corrupt: dict[str, CorruptRecord] | None = None,
) -> Iterator[tuple[_X, Student | None]]:
    """The ``items`` that concern a school ``inside`` (one of ``schools(item)``, or
    their student's), each with its student (None if the store has none), read
    :data:`REPORT_BATCH` at a time. Where the store can tell students' schools from an
    index alone (the optional ``students.schools_of``: the SQL and memory stores), the
    students of the items outside are never read: a county's report decodes its own
    students, not the province's. ``everywhere`` (a province's report) skips that
    question, whose answer would be yes. ``corrupt``: see :func:`_with_students`."""
    schools_of = None if everywhere else getattr(uow.students, "schools_of", None)

    def narrow(page: list[_X]) -> list[_X]:
        assert schools_of is not None
        sure = [any(inside(c) for c in schools(x) if c) for x in page]
        school = schools_of({student_of(x) for x, ok in zip(page, sure, strict=True) if not ok})
        return [
            x
            for x, ok in zip(page, sure, strict=True)
            if ok or ((c := school.get(student_of(x))) is not None and inside(c))
        ]

    narrowed = None if schools_of is None else narrow
    for x, student in _with_students(uow, items, student_of, narrowed, corrupt):
        if any(inside(c) for c in (*schools(x), student and student.school) if c):
            yield x, student


_Logged = tuple[str, str, int | None, int, _dt.date | None, int]
"""What :func:`_watch_records` keeps of a student's last entry: the record's digest,
the school the log last put it in, the grade it wrote (``None`` in an entry from
before the grade was logged), how many rollovers the log held before it, the date
the record came into that grade (:func:`_grade_since`; ``None`` where the log cannot
say), and, for a record away from school (:data:`AWAY_AT_ROLLOVER`), how many
rollovers the log held when it went away (else -1)."""


@attrs.frozen
class _LoggedRollover:
    """What a rollover's entry says it did (Art 18): the students whose status was in
    ``statuses``, below their stage's final grade and not ``held``, went up a grade."""

    statuses: frozenset[str]
    final_grades: Mapping[str, int]
    held: frozenset[str]
    on: _dt.date | None = None  # the entry's date: the rollover's own (Art 18)

    @staticmethod
    def written(plan: graduation.RolloverPlan, held: Iterable[str]) -> dict[str, str]:
        """What the rollover's entry writes of its rule, for :meth:`of` to read."""
        return {
            "statuses": ",".join(sorted(x.value for x in plan.statuses)),
            "final_grades": ",".join(
                f"{st.value}:{g}" for st, g in sorted(plan.final_grades.items())
            ),
            "held": ",".join(sorted(held)),
        }

    @classmethod
    def of(cls, after: Mapping[str, str], on: _dt.date | None = None) -> _LoggedRollover | None:
        """Read from the entry; ``None`` for an entry from before it said this, or one
        edited past reading (the log then fails to verify: that is the finding)."""
        if "statuses" not in after or "final_grades" not in after:
            return None
        try:
            finals = [pair.split(":") for pair in after["final_grades"].split(",") if pair]
            return cls(
                frozenset(after["statuses"].split(",")),
                {stage: int(grade) for stage, grade in finals},
                frozenset(after.get("held", "").split(",")) - {""},
                on,
            )
        except (ValueError, TypeError, AttributeError):
            return None


@attrs.frozen
class _AsOnDate:
    """A late rollover's reading of the records whose status changed after its date
    (Art 18(2): the rollover moves up the students in school on 1 August, 所有在校生;
    Art 26: a student suspended then stays in their grade where the policy says so,
    ``rollover_promotes_suspended``; Art 27: a dropout keeps the registry, not the
    seat). Run late, it does what it would have done on its date: each record is
    decided by its status on that date, read from the log (the ``before`` of the
    first entry dated after it that wrote a status: an approved suspension,
    resumption or dropout, a return, a record's review, each dated the day it took
    effect), not by its status on the day it runs.

    ``move``: in school on the date (the plan moved them then), in a status it does
    not move since (suspended, dropped out, gone to another province): moved up by
    hand. ``kept``: not moved then (suspended, dropped out, away, or a record from
    outside whose transfer in was open on the date), in school since: held, and
    their class does not move for them (one back in a class that goes up with its
    other pupils is named: :func:`_in_class_gone_up`). ``held``, ``unfinished``: what the entry's
    ``suspended_held`` and ``final_grade_unfinished`` figures, counted from today's
    statuses, are off by. ``unknown``: records the log cannot decide (a status it
    cannot read, or a record that would move by hand whose grade, class or stage
    changed since the date): left as the plan finds them, and named in a
    ``rollover.status_unknown`` warning rather than guessed."""

    move: tuple[tuple[Student, StudentStatus], ...] = ()
    kept: frozenset[str] = frozenset()
    held: int = 0
    unfinished: int = 0
    unknown: frozenset[str] = frozenset()

    @classmethod
    def read(
        cls,
        uow: UnitOfWork,
        plan: graduation.RolloverPlan,
        due: _dt.date,
        records: Iterable[Student],
        exclude: Collection[str],
    ) -> _AsOnDate:
        """Read ``records`` (those whose last entry is dated after ``due``; none on a
        rollover run on its date, which reads nothing here), leaving out those
        ``exclude`` holds already (held for a transfer, entered after the date, coming
        in from outside)."""
        move: list[tuple[Student, StudentStatus]] = []
        kept: set[str] = set()
        unknown: set[str] = set()
        held = unfinished = 0
        for s in records:
            if s.id in exclude:
                continue
            first: dict[str, str] = {}  # each field as it stood on the date
            for e in uow.log.entries(s.id):
                if e.on > due:
                    for k in ("status", "grade", "class_id", "stage"):
                        if k in e.before and k not in first:
                            first[k] = str(e.before[k])
            if first.get("status", s.status.value) == s.status.value:
                continue  # its status on the date is today's: decided as the plan reads it
            try:
                was = StudentStatus(first["status"])
                grade = int(first.get("grade", s.grade))
                stage = Stage(first.get("stage", s.stage.value))
                final_then = plan.final_grades[stage]
            except (ValueError, KeyError):
                unknown.add(s.id)
                continue
            final_now = plan.final_grades[s.stage]
            if StudentStatus.SUSPENDED not in plan.statuses:
                held += (was is StudentStatus.SUSPENDED and grade < final_then) - (
                    s.status is StudentStatus.SUSPENDED and s.grade < final_now
                )
            unfinished += (was is StudentStatus.REGISTERED and grade >= final_then) - (
                s.status is StudentStatus.REGISTERED and s.grade >= final_now
            )
            moved_then = was in plan.statuses and grade < final_then
            if moved_then and was is StudentStatus.PENDING_REVIEW:
                moved_then = not _came_in_then(uow, s.id, due)
            moves_now = plan.moves_up(s)
            if moved_then and not moves_now:
                if first.keys() & {"grade", "class_id", "stage"}:
                    unknown.add(s.id)  # (which grade and class it would be in: not guessed)
                else:
                    move.append((s, was))
            elif moves_now and not moved_then:
                kept.add(s.id)
        return cls(tuple(move), frozenset(kept), held, unfinished, frozenset(unknown))


def _in_class_gone_up(uow: UnitOfWork, kept: Sequence[Student]) -> list[str]:
    """Of the students ``kept`` a late rollover held by their status on its date
    (:class:`_AsOnDate`: suspended, dropped out or away then, back since), those who
    came back into a class the rollover has just moved up with its other pupils: now
    in a class of another grade (sorted ids). One read of their classes.

    Reading (Arts 16, 18(2), 26, 27): run on its date, the rollover would have moved
    the class up with the pupils in school then, and the student's return into it
    after the date would have been refused (``class.wrong_school``): a registered
    pupil never sits in a class of another grade. Run late, the return is on record
    already. The class still moves with its other pupils (Art 16: a class moves with
    its students; it cannot stay behind for one who was not in school on the date),
    and the student keeps the grade the date decides (as on time); which class of that
    grade they go into is the school's and the authority's choice, not the
    registry's to guess: the rollover names them in its ``rollover.status_unknown``
    warning (``class_gone_up``), and the authority puts them into a class of their
    grade with :meth:`Registry.regrade` (``add_class`` first where the school has
    none), or moves them up into the class after all where it decides so (regrade
    with the class's grade). Found by the review: the late run left them registered
    in grade 3 in a grade-4 class, with no warning."""
    if not kept:
        return []
    classes = uow.classes.get_many({s.class_id for s in kept})
    return sorted(
        s.id
        for s in kept
        if (klass := classes.get(s.class_id)) is not None and klass.grade != s.grade
    )


def _came_in_then(uow: UnitOfWork, student: str, due: _dt.date) -> bool:
    """Whether ``student``'s transfer in from another province or from abroad was open
    on ``due`` (filed by then, decided after): a record the rollover then left in the
    grade it was filed in (Arts 16, 18(2); :data:`_INCOMING_KINDS`)."""
    return any(
        r.kind in _INCOMING_KINDS
        and r.opened_on <= due
        and (r.is_open or not r.history or r.history[-1].on > due)
        for r in _requests_of(uow.requests, student)
    )


def _held_below_final(uow: UnitOfWork, plan: graduation.RolloverPlan, held: Collection[str]) -> int:
    """How many of the students ``held`` (an open transfer under ``"hold"``) the plan
    would otherwise have moved up: not those in a final grade, or not in school, who
    stay in any case (found by the review: the rollover's entry counted them as held
    for their transfer, and a final-grade one again as unfinished). The caller leaves
    out a record coming in from another province or from abroad (its transfer in
    open): it stays in the grade it was filed in whatever the policy (Arts 16, 18),
    and is not held for a transfer (found by the review: it was counted)."""
    return sum(1 for s in uow.students.get_many(held).values() if plan.moves_up(s)) if held else 0


def _watch_records(
    entries: Iterable[ChangeEntry],
    digests: dict[str, _Logged],
    rollovers: list[_LoggedRollover | None],
    marked: list[tuple[ChangeEntry, str, str]] | None = None,
) -> Iterator[ChangeEntry]:
    """``entries`` passed through, keeping in ``digests`` what each student's last
    entry wrote (:data:`_Logged`: entries from before the log carried digests have
    none, and those records are not compared until a command writes them again), and
    in ``rollovers`` what each rollover did, in the log's order. ``marked``: the
    entries of commands that found their record changed outside the registry
    (:data:`ALTERED_SINCE`), each with the school the log put the record in before it
    and the one after it."""
    for e in entries:
        digest = e.after.get("record_digest")
        if digest is not None:
            school = e.after.get("school")
            prev = digests.get(e.subject)
            if school is None:
                school = prev[1] if prev is not None else ""
            if marked is not None and ALTERED_SINCE in e.after:
                marked.append((e, prev[1] if prev is not None else "", str(school)))
            text = e.after.get("grade")
            grade = int(text) if text and text.isdigit() else None
            status = e.after.get("status")  # (an entry that changes no status has none)
            away = -1 if prev is None else prev[5]
            if status is not None:
                away = (away if away >= 0 else len(rollovers)) if status in AWAY_AT_ROLLOVER else -1
            digests[e.subject] = (
                str(digest),
                sys.intern(str(school)),
                grade,
                len(rollovers),
                _since_entry(e, prev, grade, rollovers),
                away,
            )
        elif e.command == "rollover":
            rollovers.append(_LoggedRollover.of(e.after, e.on))
        yield e


def _since_entry(
    e: ChangeEntry,
    prev: _Logged | None,
    grade: int | None,
    rollovers: Sequence[_LoggedRollover | None],
) -> _dt.date | None:
    """The date the record of ``e`` (a record's entry, which wrote ``grade``) came into
    that grade: ``e``'s own date where its command put it there (a new record, a grade
    changed), or where it brought the record back into school after a rollover passed
    while it was away (:data:`AWAY_AT_ROLLOVER`), else as before ``e``
    (:func:`_grade_since` from ``prev``, its previous entry). What graduation's window
    is read from (Art 18).

    Reading (Art 18: the rollover moves the students in school, 所有在校生): a student
    held in the final grade at a rollover while suspended or dropped out (or away in
    another province or abroad) did not finish the year it had begun there; back in
    school, it starts the final year again from its return (the school year it comes
    back in: the same as from the last rollover that passed while it was away), so its
    graduation is due by that year's ``graduation_deadline``. Before, the date it first
    came into the final grade was kept, and its graduation was ``graduation.late`` (the
    school named in ``detect``'s ``late_graduation``). A student held while in school
    (unfinished, ``graduation.overdue``) keeps its date: late it is, whatever follows."""
    if grade is None:
        return None
    before = e.before.get("grade")
    if before is not None and before != e.after.get("grade"):
        return e.on  # the command changed the grade
    if prev is None:  # the record's first entry, or one after entries with no digest
        return e.on if e.prev_subject_hash in ("", audit.GENESIS) else None
    if (
        prev[5] >= 0  # away, since the log held prev[5] rollovers
        and e.after.get("status") not in (None, *AWAY_AT_ROLLOVER)
        and len(rollovers) > prev[5]  # and a rollover passed since it went away
    ):
        return e.on  # back after a rollover passed while it was away: starts again
    return _grade_since(prev, grade, e.subject, rollovers)


AWAY_AT_ROLLOVER = frozenset(
    {
        StudentStatus.SUSPENDED.value,
        StudentStatus.DROPPED_OUT.value,
        StudentStatus.CROSS_PROVINCE_OUT.value,
        StudentStatus.CROSS_BORDER_OUT.value,
    }
)
"""The statuses (as a log entry writes them) of a record away from school that comes
back: a rollover that passes while it is away does not finish its year
(:func:`_since_entry`, Art 18)."""


def _grade_since(
    logged: _Logged, grade: int, student: str, rollovers: Sequence[_LoggedRollover | None]
) -> _dt.date | None:
    """The date a record whose last entry is ``logged`` came into ``grade``, with no
    command having changed its grade since: the date that entry had for its own grade
    if no rollover has moved it since, else the date of the rollover that moved it into
    ``grade`` (between two entries the record's status is one, so the rollovers that
    moved it are the first ones that did not hold it by name). ``None`` where the log
    cannot say: an entry or a rollover from before the log recorded it, or a grade no
    rollover explains (a record changed outside the library: its own finding)."""
    was = logged[2]
    if was is None:
        return None
    moves = grade - was
    if moves == 0:
        return logged[4]
    if moves > 0:
        for r in rollovers[logged[3] :]:
            if r is None:
                return None
            if student in r.held:
                continue
            moves -= 1
            if moves == 0:
                return r.on
    return None


def _grade_now(
    logged: _Logged, s: Student, rollovers: Sequence[_LoggedRollover | None]
) -> int | None:
    """The grade ``s`` should be in: the one its last entry wrote, moved up by each
    rollover since that moved it (its status, stage and id are the record's own, which
    its digest showed unchanged since the entry). ``None`` where the log cannot say
    (an entry or a rollover from before the log recorded the grade)."""
    grade = logged[2]
    if grade is None:
        return None
    for r in rollovers[logged[3] :]:
        if r is None:
            return None
        final = r.final_grades.get(s.stage.value)
        if s.status.value in r.statuses and s.id not in r.held and final and grade < final:
            grade += 1
    return grade


def _differs(
    s: Student, logged: _Logged, rollovers: Sequence[_LoggedRollover | None], on: _dt.date
) -> audit.Finding | None:
    """The finding of ``s`` if it does not hold what its last entry wrote (its digest,
    then its grade), else ``None``."""
    if not audit.digest_matches(s, logged[0]):
        return _altered(s, logged[1], on)
    grade = _grade_now(logged, s, rollovers)
    if grade is None or s.grade == grade:
        return None
    return audit.Finding(
        "altered_record",
        logged[1] or s.school,
        s.id,
        on,
        f"the record is in grade {s.grade}; its last change-log entry and the rollovers "
        f"since put it in grade {grade}: it was changed outside the registry",
        f"学籍记录为 {s.grade} 年级，按其最后一条变动日志及此后的学年升级应为 {grade} 年级："
        "在系统之外被改动",
    )


ALTERED_SINCE = "altered_since"
"""The value an entry that writes a student record carries (in ``after``) when the
command found the record changed outside the registry (Art 32(三)): the number of the
record's last entry that carries a digest, whose record it no longer was (its digest,
or the grade it wrote moved up by the rollovers since: what :meth:`Registry.detect`
compares). The command goes ahead ("mark, do not block": a refusal would stop
legitimate work on a record nobody can repair); its decision warns
(``audit.altered_before``), and the report finds the entry for good
(:func:`_laundered`), though the record now holds what it wrote."""


FOUND_ON = "found_on"
"""The day the command that marked an entry (:data:`ALTERED_SINCE`) ran, sealed into
the marked entry beside the mark (and into no other). An entry is dated the day its
change took effect, which for a default approval of the deadline sweep is the day
after the stage's deadline, whenever the sweep runs: a record changed after that day
and before the sweep ran was changed before the day the sweep found it, not before
the day its entry is dated. The finding and the warning say "found on *found_on* by
*command* dated *on*" where the two days differ, and word it as before where they
are the same (or the entry, marked before this field, carries none)."""


def _last_written(uow: UnitOfWork, last: ChangeEntry) -> ChangeEntry | None:
    """The latest entry of ``last``'s subject that carries a record digest: ``last``
    itself (the subject's last entry, read for the hash chain) when it does, else the
    one before it that does, read from the subject's entries (after a logged read,
    ``read_sensitive``); ``None`` where none does (a log from before the digests)."""
    if "record_digest" in last.after:
        return last
    for e in reversed(uow.log.entries(last.subject)):
        if "record_digest" in e.after:
            return e
    return None


def _rollovers_since(
    uow: UnitOfWork, entry: ChangeEntry, today: _dt.date
) -> list[_LoggedRollover | None]:
    """The rollovers logged after ``entry`` (later in the log's order), in that order,
    as :func:`_grade_now` reads them. A rollover of year ``Y`` runs on or after its
    date in ``Y`` and before the next year's (``rollover.passed``), and an entry is
    dated no later than the day it is written, so those of the years from the one
    before ``entry``'s to ``today``'s: one subject (``year:Y``) read each, whose last
    entry is its rollover."""
    found = []
    for year in range(entry.on.year - 1, max(today.year, entry.on.year) + 1):
        e = uow.log.last(f"year:{year}")
        if e is not None and e.command == "rollover" and e.seq > entry.seq:
            found.append(e)
    return [_LoggedRollover.of(e.after, e.on) for e in sorted(found, key=lambda e: e.seq)]


def _altered_since(
    uow: UnitOfWork, s: Student, last: ChangeEntry, today: _dt.date
) -> ChangeEntry | None:
    """The entry whose record ``s`` (a record as a command read it to write it, whose
    subject's last entry is ``last``) no longer is, else ``None``: the comparison
    :meth:`Registry.detect` makes (:func:`_differs`), the digest, then the grade
    followed through the rollovers since. A record whose entries carry no digest (a
    log from before them) is not compared, as the report does not compare it."""
    written = _last_written(uow, last)
    if written is None:
        return None
    if not audit.digest_matches(s, str(written.after["record_digest"])):
        return written
    text = written.after.get("grade")
    if not (text and text.isdigit()):
        return None  # (an entry from before the grade was logged: as detect)
    logged: _Logged = (str(written.after["record_digest"]), "", int(text), 0, None, -1)
    grade = _grade_now(logged, s, _rollovers_since(uow, written, today))
    return written if grade is not None and grade != s.grade else None


_FILED = ("from_school", "to_school", "to_class", "reason")
"""The fields of a request its opening entry logs where set, beside its student, state
and deadline: the schools and class a transfer is between, and the reason (a
transfer's Art 20 reason with the reason stated, Art 25(2); a suspension's, Art 26; a
transfer out's, Arts 22-23)."""


def _request_written(req: Request) -> dict[str, object]:
    """What an entry that writes ``req`` (its opening, each decision of a stage)
    records of the request as written: its digest (``request_digest``,
    :func:`~xueji.audit.request_digest`), which a decision, the deadline sweep and
    :meth:`Registry.detect` compare the stored request with (Art 32(三),
    :func:`_request_altered`). Entries written before it carry none, and their
    requests are not compared until a command writes them again."""
    return {"request_digest": audit.request_digest(req)}


@attrs.frozen
class _RequestAltered:
    """A request found changed outside the registry (Art 32(三)): ``seq``, the number
    of its last entry, whose request (``request_digest``) it no longer is, and
    ``on``, that entry's date; ``seq`` 0 where no entry names the request at all (a
    row inserted in the store by hand: 伪造)."""

    seq: int
    on: _dt.date | None = None


def _request_altered(uow: UnitOfWork, req: Request) -> _RequestAltered | None:
    """Whether ``req`` (as read from the store) is not the request its last change-log
    entry wrote: the comparison :meth:`Registry.detect` makes, at a decision and a
    default approval. The request's last entry is read (cached by the unit, and
    preloaded by the sweep's batches); only after a logged read of it
    (``read_sensitive``, :meth:`Registry.request`) are its entries read further
    back. ``None`` where it holds what the entry wrote, or where that entry carries
    no digest (a log from before them: not compared, as the report does not)."""
    last = uow.log.last(req.id)
    if last is not None and last.command in _READS:
        last = next((e for e in reversed(uow.log.entries(req.id)) if e.command not in _READS), None)
    if last is None:
        return _RequestAltered(0)
    digest = last.after.get("request_digest")
    if digest is None or audit.request_digest_matches(req, str(digest)):
        return None
    return _RequestAltered(last.seq, last.on)


def _laundered(
    marked: Iterable[tuple[ChangeEntry, str, str]],
    inside: Callable[[str], bool],
    everywhere: bool,
) -> Iterator[audit.Finding]:
    """Art 32(三): each entry of a command that wrote a record it found changed outside
    the registry (:data:`ALTERED_SINCE`), in the jurisdiction by the school the log put
    the record in before it or after it, charged to the one before (the school
    responsible for the record when it was changed). Reported for good: the command
    wrote the changed record on, and its digest, so the record holds what its last
    entry wrote and :func:`_differs` no longer sees the change (it was "laundered").
    Likewise a request refused or withdrawn as it was found changed (its entry's
    digest is the changed request's: :meth:`Registry._altered_request`), by the
    school its opening entry logged and the one it was to go to
    (:func:`_watch_requests`)."""
    for e, before, after in marked:
        if not (everywhere or any(inside(c) for c in (before, after) if c)):
            continue
        since = e.after[ALTERED_SINCE]
        found = e.after.get(FOUND_ON, "")
        if "request_digest" in e.after:  # (a request's, refused or withdrawn: the day it ran)
            detail = (
                f"the request was changed outside the registry before {e.command} on {e.on} "
                f"wrote it (entry {e.seq}): it did not hold what its entry {since} wrote; "
                "the command ended it, applying nothing of the change"
            )
            detail_zh = (
                f"申请在 {e.on} 的 {e.command} 操作（第 {e.seq} 条变动日志）之前已在系统之外"
                f"被改动：与第 {since} 条变动日志记载的不符；该操作终结了申请，未采用改动的内容"
            )
        elif found in ("", e.on.isoformat()):
            detail = (
                f"the record was changed outside the registry before {e.command} on {e.on} "
                f"wrote it (entry {e.seq}): it did not hold what its entry {since} wrote, "
                "and the command wrote the change on"
            )
            detail_zh = (
                f"学籍记录在 {e.on} 的 {e.command} 操作（第 {e.seq} 条变动日志）之前已在系统之外"
                f"被改动：与第 {since} 条变动日志记载的不符，该操作将改动一并写入"
            )
        else:  # (written after its date, by the deadline sweep: see FOUND_ON)
            detail = (
                f"the record was changed outside the registry, found on {found} by "
                f"{e.command} dated {e.on} (entry {e.seq}): it did not hold what its entry "
                f"{since} wrote, and the command wrote the change on"
            )
            detail_zh = (
                f"学籍记录已在系统之外被改动，{found} 由日期记为 {e.on} 的 {e.command} 操作"
                f"（第 {e.seq} 条变动日志）发现：与第 {since} 条变动日志记载的不符，该操作将改动"
                "一并写入"
            )
        yield audit.Finding(
            "altered_record", before or after or "province", e.subject, e.on, detail, detail_zh
        )


def _altered_records(
    uow: UnitOfWork,
    digests: dict[str, _Logged],
    rollovers: Sequence[_LoggedRollover | None],
    inside: Callable[[str], bool],
    on: _dt.date,
    everywhere: bool,
    corrupt: dict[str, CorruptRecord],
) -> Iterator[audit.Finding]:
    """Art 32(三) (伪造、改动学籍数据): the records in the jurisdiction (by the school
    the log last put them in, or the one they hold now) that do not hold what their
    last change-log entry wrote (changed in the database, outside the library),
    charged to the school the log names; the records the log wrote that the store no
    longer holds (in the jurisdiction by the school the log names); and the records
    that cannot be read at all (``corrupt``, from this pass or the requests').

    The province's report reads every record once, in one stream, and ``digests`` is
    emptied as it goes; what the stream did not meet (a record deleted, or the rest
    after a row it could not read) is then read by key, as another's report reads its
    records: :data:`REPORT_BATCH` at a time.

    And the records in the jurisdiction that no entry names at all (伪造学籍数据: a row
    inserted in the table, such as a 空挂学籍), charged to their school: those with
    no digest the log pass kept, met in the province's stream or listed by school
    (:func:`_unlogged`), are looked up in the log a batch at a time, and a record an
    entry names with no digest (one from before the log carried digests) is not
    one."""
    unnamed: list[tuple[str, str]] = []  # (id, school) of records with no digest logged
    reported: set[str] = set()  # (those found so: said once)
    stopped = False
    if everywhere:
        try:
            for record in uow.students.all():
                entry = digests.pop(record.id, None)
                if entry is None:
                    unnamed.append((record.id, record.school))
                    if len(unnamed) >= REPORT_BATCH:
                        for unlogged in _unlogged(uow, unnamed, on):
                            reported.add(unlogged.subject)
                            yield unlogged
                elif finding := _differs(record, entry, rollovers, on):
                    yield finding
        except CorruptRecord:
            stopped = True  # (the stream stops at a row it cannot read: the rest is read by key)
        if stopped:  # (the records of the rest are listed by school below)
            for unlogged in _unlogged(uow, unnamed, on):
                reported.add(unlogged.subject)
                yield unlogged
    if not everywhere or stopped:  # (the ids from the school column, no record read)
        ids_in_school = getattr(uow.students, "ids_in_school", None)
        for school in sorted(sch.code for sch in uow.schools.list()):
            if not (everywhere or inside(school)):
                continue
            try:
                ids = (
                    ids_in_school(school)
                    if ids_in_school is not None
                    else [s.id for s in uow.students.by_school(school)]
                )
            except CorruptRecord:  # (a store without ids_in_school: found by the province)
                continue
            for sid in ids:  # (after a stopped stream, those it met are in the log)
                if sid not in digests and sid not in reported:
                    unnamed.append((sid, school))
                    if len(unnamed) >= REPORT_BATCH:
                        yield from _unlogged(uow, unnamed, on)
    yield from _unlogged(uow, unnamed, on)
    first: Callable[[tuple[str, _Logged]], str] = operator.itemgetter(0)

    def logged(kv: tuple[str, _Logged]) -> tuple[str]:
        return (kv[1][1],)  # the school the log last put the record in

    found = _inside_with_students(
        uow, digests.items(), first, inside, logged, everywhere=everywhere, corrupt=corrupt
    )
    for (sid, entry), s in found:
        school = entry[1]
        if sid in corrupt:
            continue  # (said below)
        if s is None:  # (inside by the school the log names)
            yield audit.Finding(
                "altered_record",
                school or "province",
                sid,
                on,
                "the change log wrote this record, and the store no longer holds it",
                "变动日志记载的学籍记录在库中已不存在",
            )
        elif finding := _differs(s, entry, rollovers, on):
            yield finding
    for sid in sorted(corrupt):
        school = digests[sid][1] if sid in digests else ""
        bad = corrupt[sid]
        yield audit.Finding(
            "altered_record",
            school or "province",
            sid,
            on,
            f"the record cannot be read ({bad.detail}): it was edited outside the registry",
            f"学籍记录无法读取（{bad.detail_zh}）：在系统之外被改动",
        )


def _held_altered(req: Request, altered: _RequestAltered, policy: Policy) -> None:
    """Say to the ``xueji.registry`` logger that the deadline sweep held the default
    approval of ``req``, found changed outside the registry (:func:`_request_altered`),
    citing ``audit.request_altered`` as a decision would under ``policy`` (the profile
    in force on the day the approval would have been dated)."""
    article = rule_article("audit.request_altered", RULE_CODES["audit.request_altered"][0], policy)
    if altered.seq:
        zh = f"与第 {altered.seq} 条变动日志记载的不符"
        en = f"it does not hold what entry {altered.seq} wrote"
    else:
        zh, en = "变动日志中没有该申请的任何记载", "no change-log entry names it"
    _LOG.warning(
        "默认审批暂缓：请求 %s 已在系统之外被改动（%s），不予默认同意（%s） / default "
        "approval held: request %s was changed outside the registry (%s), and is not "
        "approved by default (%s)",
        req.id,
        zh,
        article,
        req.id,
        en,
        article.english,
    )


def _held_by_filer(req: Request) -> None:
    """Say to the ``xueji.registry`` logger that the deadline sweep held the default
    approval of ``req``, whose stage is the unit's that filed it (Art 31; the
    ``stage.own_filing`` hold of :meth:`Registry._default_holds_of`)."""
    _LOG.warning(
        "默认审批暂缓：请求 %s 待其提交单位 %s 自己审批（第三十一条），请由其撤回 / "
        "default approval held: request %s waits at the stage of %s, the unit "
        "that filed it (Art 31); it withdraws it",
        req.id,
        req.history[0].actor,
        req.id,
        req.history[0].actor,
    )


def _held_class(req: Request, placed: Decision) -> None:
    """Say to the ``xueji.registry`` logger that the deadline sweep held the default
    approval of ``req``'s last stage, whose class cannot take the student (Art 16:
    ``placed``, the refused class check of :meth:`Registry._class_at_approval`)."""
    codes = ", ".join(v.code for v in placed.violations)
    _LOG.warning(
        "默认审批暂缓：请求 %s 转入的班级 %s 不能接收该生（%s，第十六条） / "
        "default approval held: request %s's class %s cannot take the "
        "student (%s, Art 16)",
        req.id,
        req.to_class,
        codes,
        req.id,
        req.to_class,
        codes,
    )


def _held_false_material(req: Request, refusal: str) -> None:
    """Say to the ``xueji.registry`` logger that the deadline sweep held the default
    approval of ``req``, a 借读 refused before on false material (``refusal``, that
    request's id), which the profile of the day bars (Art 25)."""
    _LOG.warning(
        "默认审批暂缓：请求 %s 的学生同一借读已因材料虚假被拒（%s，第二十五条） / "
        "default approval held: request %s's student was refused the same "
        "借读 on false material (%s, Art 25)",
        req.id,
        refusal,
        req.id,
        refusal,
    )


def _said_nothing() -> None:
    """What the sweep says of a hold that does not hold: nothing."""


@attrs.frozen
class _Hold:
    """One check that holds the default approval of a request's stage (Art 24), as
    :meth:`Registry._default_holds_of` gives them in order: its ``name``
    (``altered``, ``own_filing``, ``class``, ``false_material``), its ``decision``
    (steps citing their articles, refused where it holds: ``audit.request_altered``,
    ``stage.own_filing``, the class's Art 16 codes, ``transfer.false_material``), and
    ``say``, what the deadline sweep says to the ``xueji.registry`` logger when it
    holds."""

    name: str
    decision: Decision
    say: Callable[[], None] = _said_nothing


_LoggedRequest = tuple[str, str, str]
"""What :func:`_watch_requests` keeps of a request's last entry: the request's digest
(``""`` where the entry carries none: a log from before them), the school its opening
entry logged (the student's, or the one it was filed from; for an opening entry from
before it was logged, the school the log then put the student in) and the school it
goes to (``""`` where none)."""


def _ids_into(requests: Iterable[Request], ids: set[str]) -> Iterator[Request]:
    """``requests`` passed through, their ids kept in ``ids``."""
    for r in requests:
        ids.add(r.id)
        yield r


def _watch_requests(
    entries: Iterable[ChangeEntry],
    opened: dict[str, _LoggedRequest],
    digests: Mapping[str, _Logged],
    marked: list[tuple[ChangeEntry, str, str]],
) -> Iterator[ChangeEntry]:
    """``entries`` (passed through :func:`_watch_records`, which keeps ``digests``)
    passed through, keeping in ``opened`` what each request's last entry wrote
    (:data:`_LoggedRequest`; a request is known by its opening entry, ``open_<kind>``,
    and a logged read of it is no entry that wrote it), and in ``marked`` the entries
    of refusals and withdrawals of requests found changed outside the registry
    (:data:`ALTERED_SINCE`), with the schools of the request (:func:`_laundered`)."""
    for e in entries:
        if e.command.startswith("open_"):
            after = e.after
            school = after.get("school") or after.get("from_school")
            if school is None:  # (an entry from before the school was logged)
                logged = digests.get(after.get("student", ""))
                school = logged[1] if logged is not None else ""
            digest = after.get("request_digest", "")
            opened[e.subject] = (digest, sys.intern(school), after.get("to_school", ""))
        elif e.command not in _READS and (known := opened.get(e.subject)) is not None:
            opened[e.subject] = (e.after.get("request_digest", ""), known[1], known[2])
            if ALTERED_SINCE in e.after:
                marked.append((e, known[1], known[2]))
        yield e


def _altered_requests(
    held: Mapping[str, tuple[str, str]], opened: Mapping[str, _LoggedRequest], on: _dt.date
) -> Iterator[audit.Finding]:
    """Art 32(三): the requests in the jurisdiction (``held``: each one's digest as the
    store holds it, :func:`~xueji.audit.request_digest`, and its school) that do not
    hold what their last entry wrote (edited in the database, outside the library: a
    destination, a value, a note, a state), charged to the school the opening entry
    logged; and those no entry opened (a row inserted by hand), charged to their own
    school. A request whose last entry carries no digest (a log from before them) is
    not compared."""
    for rid in sorted(held):
        digest, school = held[rid]
        logged = opened.get(rid)
        if logged is None:
            yield audit.Finding(
                "altered_record",
                school or "province",
                rid,
                on,
                "no change-log entry opened this request: it was written outside the registry",
                "变动日志中没有该申请的提交记载：在系统之外写入",
            )
        elif logged[0] and logged[0] != digest:
            yield audit.Finding(
                "altered_record",
                logged[1] or school or "province",
                rid,
                on,
                "the request does not hold what its last change-log entry wrote: it was "
                "changed outside the registry",
                "申请与其最后一条变动日志记载的不符：在系统之外被改动",
            )


def _deleted_requests(
    opened: Mapping[str, _LoggedRequest],
    stored: Collection[str],
    unreadable: Collection[str],
    inside: Callable[[str], bool],
    on: _dt.date,
    everywhere: bool,
) -> Iterator[audit.Finding]:
    """Art 32(三): the requests the change log opened that the store no longer holds
    (``stored``: every id the store's requests gave; one that cannot be read is named
    by :func:`_unreadable_requests`), in the jurisdiction by the schools the log
    names, charged to the school the opening entry logged."""
    for rid in sorted(opened.keys() - stored - set(unreadable)):
        _, school, to = opened[rid]
        if everywhere or any(inside(c) for c in (school, to) if c):
            yield audit.Finding(
                "altered_record",
                school or to or "province",
                rid,
                on,
                "the change log opened this request, and the store no longer holds it",
                "变动日志记载的申请在库中已不存在",
            )


def _unreadable_requests(bad: Mapping[str, CorruptRecord], on: _dt.date) -> list[audit.Finding]:
    """Art 32(三): the requests that cannot be read at all (a row edited by hand past
    reading), each an altered record charged to the province: the school it concerns
    is in the document that cannot be read."""
    return [
        audit.Finding(
            "altered_record",
            "province",
            rid,
            on,
            f"the request cannot be read ({bad[rid].detail}): it was edited outside the registry",
            f"申请记录无法读取（{bad[rid].detail_zh}）：在系统之外被改动",
        )
        for rid in sorted(bad)
    ]


_READS = frozenset({"read_sensitive"})
"""The commands whose log entries record a read, not a write (:meth:`Registry._read`)."""


def _unlogged(uow: UnitOfWork, unnamed: list[tuple[str, str]], on: _dt.date) -> list[audit.Finding]:
    """The findings of the records in ``unnamed`` (id and school) that no change-log
    entry names (one query per batch: ``ChangeLog.last_many``); empties ``unnamed``."""
    if not unnamed:
        return []
    named = uow.log.last_many([sid for sid, _ in unnamed])
    for sid in [sid for sid, entry in named.items() if entry.command in _READS]:
        # a read logged of the record (Registry.student) names it without writing it:
        # an auditor opening a forged record made its finding go away (found by the
        # review); only an entry that wrote it counts (an old one, before digests)
        if all(e.command in _READS for e in uow.log.entries(sid)):
            del named[sid]
    found = [
        audit.Finding(
            "altered_record",
            school or "province",
            sid,
            on,
            "the change log has no entry for this record: it was written outside the registry",
            "变动日志中没有该学籍记录的任何记载：在系统之外写入",
        )
        for sid, school in unnamed
        if sid not in named
    ]
    unnamed.clear()
    return found


def _altered(s: Student, school: str, on: _dt.date) -> audit.Finding:
    """The finding of a record that does not hold what its last log entry wrote, which
    put it in ``school``."""
    moved = bool(school) and s.school != school
    return audit.Finding(
        "altered_record",
        school or s.school,
        s.id,
        on,
        "the record does not hold what its last change-log entry wrote: it was changed "
        "outside the registry"
        + (f" (the log puts it in school {school}, the store in {s.school})" if moved else ""),
        "学籍记录与其最后一条变动日志记载的不符：在系统之外被改动"
        + (f"（日志记载学校 {school}，库中为 {s.school}）" if moved else ""),
    )


_FALSE_MATERIAL = "false_material"
"""The payload key a transfer refused on false material carries (Art 25: 一律不得办理):
the article the refusal cited, as its log entry's basis has it. Written by
:meth:`Registry.decide_transfer` with ``material_false``, never by a note (which the
authority words as it likes), and read when the same student's transfer is filed
again (the profile's ``false_material_bars_refiling``)."""
_FALSE_MATERIAL_CITY = "false_material_city"
"""With :data:`_FALSE_MATERIAL`: the city unit the refused 借读 was into (its senior
high's city when it was refused), the city whose senior highs the refusal bars."""


def _requests_of(requests: RequestRepository, student_id: str) -> list[Request]:
    """Every request of one student, open or decided: by the repository's optional
    ``for_student`` (the SQL and memory stores: by the student's index), else picked
    from :meth:`~xueji.storage.protocols.RequestRepository.all`."""
    for_student = getattr(requests, "for_student", None)
    if for_student is not None:
        return list(for_student(student_id))
    return [r for r in requests.all() if r.student == student_id]


def _of_kind(
    requests: RequestRepository, kind: RequestKind, state: RequestState
) -> Iterator[Request]:
    """Every request of ``kind`` in ``state``: by the repository's optional ``of_kind``
    (the SQL and memory stores; the SQL store reads those rows only), else picked from
    :meth:`~xueji.storage.protocols.RequestRepository.all`."""
    of_kind = getattr(requests, "of_kind", None)
    if of_kind is not None:
        return iter(of_kind(kind, state))
    return (r for r in requests.all() if r.kind is kind and r.state is state)


_EVENT_ZH = {"approve": "审核通过", "reject": "审核未通过", "withdraw": "撤回", "complete": "办结"}
"""The Chinese of the events that close a request, for the Art 32 findings."""


def _kind_zh(kind: RequestKind) -> str:
    """The Chinese name of a kind of request (its table's)."""
    return REQUEST_TABLES[kind].name_zh


def _kept(
    entries: Iterable[ChangeEntry], last: collections.deque[ChangeEntry]
) -> Iterator[ChangeEntry]:
    """``entries`` passed through, the latest kept in ``last`` (a deque of one): the
    head of the log as the pass that verified it read it, not as read again later."""
    for e in entries:
        last.append(e)
        yield e


def _schools_of(r: Request, student: Student | None) -> list[str]:
    """The schools a request concerns: the two of a transfer and its student's."""
    return [c for c in (r.from_school, r.to_school, student and student.school) if c]


_ART12 = anhui(12)


def _intake(on: _dt.date, policy: Policy) -> tuple[frozenset[int], _dt.date] | None:
    """The initial grades and the day the autumn intake entered, for a new student of
    one of them typed on ``on`` without an entry date (:meth:`_Enrolment.of`); ``None``
    when every such student entered on ``on``, the day the record is typed.

    Art 15: schools type in their new students after the autumn term starts, and
    finish by ``new_student_deadline`` (30 September). A student of an initial grade
    (``initial_grades``) typed during the term of ``terms`` in which that deadline
    falls (the autumn term, into January) entered on its first day (1 September; a
    student continuing into grade 7 or senior 1 too): found by the analysts' review,
    a school that typed its intake in October got next year's deadline (an entry
    after the deadline counts towards the next year's), so its lateness was not
    flagged unless it gave ``entry_date`` itself. A student who really entered later
    gives ``entry_date``. Typed in January, the student still entered the September
    before: its photo is of that year (Art 12), its age and regional number count from
    that intake. The reading is the note of ``new_student_deadline``.
    """
    deadline = policy.new_student_deadline.value
    if deadline is None:
        return None
    for start_year in (on.year, on.year - 1):  # (the autumn term runs into January)
        due = deadline.in_year(start_year)
        for term in policy.terms.value:
            first, last = term.dates(start_year)
            if first <= due <= last and first <= on <= last:
                return policy.initial_grades.value, first
    return None


@attrs.frozen(eq=False)
class _Enrolment:
    """One enrolment's input, checked and normalised (no store needed)."""

    school: str
    class_id: str
    grade: int
    stage: Stage
    entry: _dt.date
    name: str
    sex: Literal["M", "F"]
    birth_date: _dt.date
    hukou_region: str
    id_number: str | None
    guardian_id: str | None
    photo: Photo | None
    migrant: bool
    special_needs: bool
    consent: Consent | None
    idempotency_key: str | None

    @classmethod
    def of(
        cls,
        on: _dt.date,
        intake: tuple[frozenset[int], _dt.date] | None = None,
        system: Mapping[Stage, frozenset[int]] | None = None,
        /,
        *,
        school: str,
        class_id: str,
        grade: int,
        name: str,
        sex: str,
        birth_date: _dt.date,
        hukou_region: str,
        id_number: str | None = None,
        guardian_id: str | None = None,
        photo: Photo | None = None,
        migrant: bool = False,
        special_needs: bool = False,
        entry_date: _dt.date | None = None,
        stage: Stage | None = None,
        consent: Consent | None = None,
        idempotency_key: str | None = None,
    ) -> _Enrolment:
        """The keyword arguments of :meth:`Registry.enroll`, checked; raises
        :class:`~xueji.errors.XuejiError` on input that cannot be understood. Without
        an ``entry_date`` the student entered on ``on``, or with ``intake`` (from
        :func:`_intake`) on its day if the grade is one of its grades. Without a
        ``stage`` the grade's stage under ``system`` (the profile's ``school_system``;
        default 6-3-3): positional, like ``on`` and ``intake``, so no row binds it."""
        _check_person(name, sex, grade, hukou_region)
        id_number, guardian_id = _valid_ids(id_number, guardian_id, on)
        if (  # the rest of the fields' types (most rows pass this line's quick test)
            type(birth_date) is not _dt.date
            or not _FIRST_DAY <= birth_date <= _LAST_DAY  # (_a_date, written out)
            or type(migrant) is not bool
            or type(special_needs) is not bool
            or (photo is not None and not _photo_ok(photo))
            or consent is not None
        ):
            _checked_fields(
                {
                    "birth_date": birth_date,
                    "migrant": migrant,
                    "special_needs": special_needs,
                    "photo": photo,
                    "consent": consent,
                },
                None,
            )
        if consent is not None:  # (PIPL Art 31: one that can be a consent)
            consent = _checked_consent(consent, birth_date=birth_date, id_number=id_number, on=on)
        if not (isinstance(school, str) and isinstance(class_id, str)):
            raise _bad_input("学校代码和班级须为文本", "the school and class codes are text")
        _check_date(entry_date, "入学日期", "the entry date", optional=True)
        _not_after(entry_date, on, "入学日期", "the entry date")
        if photo is not None:
            _not_after(photo.taken_on, on, "照片采集日期", "the photo's date")
        if stage is not None and not isinstance(stage, Stage):
            shown = repr(stage)
            raise _bad_input(f"学段无效：{shown}", f"not a stage: {shown}")
        if stage is not None:
            _check_stage_grade(stage, grade, system)
        return cls(
            school,
            class_id,
            grade,
            stage or stage_of_grade(grade, system),
            entry_date or (intake[1] if intake is not None and grade in intake[0] else on),
            name,
            "M" if sex == "M" else "F",
            birth_date,
            hukou_region,
            id_number,
            guardian_id,
            photo,
            migrant,
            special_needs,
            consent,
            idempotency_key,
        )

    def continuing(self, policy: Policy) -> bool:
        """Entering junior or senior (an initial grade past 1: 7 or 10 under 6-3-3, 6 or
        10 under 5-4), where a graduate keeps the 学籍号 (Art 12)."""
        return self.grade in policy.initial_grades.value and self.grade > 1

    def person(self) -> dict[str, Any]:
        """The person's fields of the new record."""
        return {
            "name": self.name,
            "sex": self.sex,
            "birth_date": self.birth_date,
            "hukou_region": self.hukou_region,
            "id_number": self.id_number,
            "guardian_id": self.guardian_id,
            "photo": self.photo,
            "migrant": self.migrant,
            "special_needs": self.special_needs,
            "consent": self.consent,
        }


class _Reserved:
    """A :class:`~xueji.numbers.SequenceAllocator` serving numbers reserved up front,
    one ``reserve`` per key: a bulk command's numbers cost one statement per sequence,
    not one per record. Keys not reserved go to the store's allocator."""

    def __init__(self, allocator: _numbers.SequenceAllocator, counts: Mapping[str, int]) -> None:
        self._allocator = allocator
        self._next = allocator.reserve(counts)
        self._end = {k: self._next[k] + counts[k] for k in self._next}

    def next(self, key: str) -> int:
        n = self._next.get(key)
        if n is None or n >= self._end[key]:
            return self._allocator.next(key)
        self._next[key] = n + 1
        return n

    def reserve(self, counts: Mapping[str, int]) -> dict[str, int]:
        return self._allocator.reserve(counts)


def _entry(
    actor: Actor,
    on: _dt.date,
    command: str,
    subject: str,
    before: Mapping[str, object],
    after: Mapping[str, object],
    basis: str,
    previous: ChangeEntry | None,
    previous_of_subject: ChangeEntry | None,
    spec: IdMask | None = None,
    born: set[str] | None = None,
) -> ChangeEntry:
    """A change-log entry sealed to the last entry and to the subject's last; identity
    numbers in its values and in the actor's name masked with ``spec`` (the profile's
    ``id_mask``), and the birth dates ``born`` of the numbers the entry or its record
    holds hidden in its free text (:func:`_fields`)."""
    return audit.make_entry(
        (previous.seq if previous else 0) + 1,
        on,
        actor.kind.value,
        actor.unit,
        command,
        subject,
        _fields(before, spec, born),
        _fields(after, spec, born),
        basis,
        _logged_name(actor, spec),
        previous,
        previous_of_subject,
    )


def _logged_name(actor: Actor, spec: IdMask | None) -> str:
    """The actor's name as the change log records it: an identity number in it (an
    account is often named by its holder's) masked with ``spec`` (Art 30), the name
    otherwise as given. Entries sealed before keep the name they hold."""
    name = actor.name
    return mask_ids(name, spec) if len(name) >= 15 else name


def _record_after(student: Student, extra: Mapping[str, object] = {}) -> dict[str, object]:
    """What the log records of a new record (with its :func:`~xueji.audit.record_digest`)."""
    return {
        "status": student.status.value,
        "school": student.school,
        "grade": student.grade,
        "registry_number": student.registry_number,
        "regional_number": student.regional_number,
        **extra,
        "record_digest": audit.record_digest(student),
    }


def _alone(e: _Enrolment) -> bool:
    """A bulk row decided by :meth:`Registry.enroll` on its own: one with no identity
    number (its duplicates are found through the guardian's) or with an idempotency
    key (a repeat is found through the key)."""
    return e.id_number is None or e.idempotency_key is not None


def _new_record_fields(student: Student, spec: IdMask | None) -> dict[str, str]:
    """``_fields(_record_after(student), spec)``, written out for a new record with no
    extra values: what a bulk import logs of each row (its values are those of every
    new record, so the general conversion's tests per value are known in advance;
    ``tests/test_bulk.py`` checks the two agree)."""
    number, school = student.registry_number, student.school
    return {
        "status": student.status._value_,  # (.value: a slower descriptor on 3.11)
        "school": school if len(school) < 15 else mask_ids(school, spec),
        "grade": str(student.grade),
        "registry_number": _masked_whole(number or "", spec),
        "regional_number": student.regional_number or "",
        "record_digest": audit.record_digest(student),
    }


def _same_child(uow: UnitOfWork, guardian_id: str, name: str, birth: _dt.date) -> list[Student]:
    """The records of a child known by a guardian's ID: the guardian's, with the same
    name and birth date (Art 13), whether or not the record has since been given the
    child's own ID number (a J-number child linked to an ID is still one person, Art
    14). What ``enroll`` and ``transfer_in`` look for as the same person. Names are
    compared with every white space removed (an ideographic space too): "张三 " or
    "张　三" typed after "张三" is the same child, not a second registry (found by the
    review); the names are stored as typed."""
    key = _name_key(name)
    return [
        s
        for s in uow.students.by_guardian(guardian_id)
        if s.birth_date == birth and _name_key(s.name) == key
    ]


def _name_key(name: str) -> str:
    """A name as :func:`_same_child` compares it: every white space removed."""
    return "".join(name.split())


def _same_person(
    uow: UnitOfWork, id_number: str | None, guardian_id: str | None, name: str, birth: _dt.date
) -> list[Student]:
    """The records of the person an enrolment or a transfer in names (Arts 13-14): those
    holding ``id_number``, and the guardian's child of the same name and birth date
    (:func:`_same_child`): every such record when no ID number is given; when one is,
    those holding no ID number of their own. A child first enrolled by a guardian's ID
    alone (a J number) and then with its own ID number is the same person, whose
    record is given the ID number by a correction (:func:`xueji.numbers.link_resident_id`),
    not a second registry (found by the review: the ID number alone was looked at, and
    a second registry was opened). A child of the guardian's holding another ID number
    is another person."""
    if id_number is None:
        return [] if guardian_id is None else _same_child(uow, guardian_id, name, birth)
    found = uow.students.by_id_number(id_number)
    if guardian_id is not None:
        held = {s.id for s in found}
        found += [
            s
            for s in _same_child(uow, guardian_id, name, birth)
            if s.id_number is None and s.id not in held
        ]
    return found


def _unlinked_child(uow: UnitOfWork, e: _Enrolment) -> bool:
    """Whether the guardian of bulk row ``e`` (which gives an ID number) has a child of
    the row's name and birth date whose record holds no ID number: the same person
    (:func:`_same_person`), so the row is decided by :meth:`Registry.enroll` (one query
    per row giving a guardian's ID; a row after the guardian's row of the same child
    in its chunk finds it, written first)."""
    assert e.guardian_id is not None
    return any(s.id_number is None for s in _same_child(uow, e.guardian_id, e.name, e.birth_date))


def _first_entry(s: Student) -> bool:
    """Whether ``s`` is on its first entry: its key fields were first reported by the
    submission under review. Each entry issues a 地区学号 (Art 12: a new student's, a
    graduate's continuing into grade 7 or 10, a senior dropout's enrolled again), so a
    record taken up again holds more than one; one that came in from outside the
    province is reviewed as a transfer in, not here."""
    return len(s.regional_numbers) <= 1


def _held(uow: UnitOfWork) -> Callable[[str], bool]:
    """Whether a 学籍号 is held by a record in ``uow``'s store: a J number issued here
    skips one taken in from outside (Art 13: 一人一籍一号; see
    :func:`xueji.numbers.issue_j`). Asked only when a J number is issued (one record
    at a time: a bulk import's G numbers need no look-up)."""
    return lambda number: bool(uow.students.by_registry_number(number))


_SENSITIVE_PAYLOAD = ("id_number", "guardian_id")
"""The payload fields of a request that hold an identity number whole (a correction's
new values): a query that returns them logs the read (:meth:`Registry.request`)."""


_NATIONAL_READ_FIELDS = "id_number,guardian_id,registry_number"
"""What a national export's read entry names: its three identity columns
(:data:`~xueji.statistics.NATIONAL_ID_COLUMNS`), logged before a record is read."""


def _identity_fields(students: Sequence[Student]) -> str:
    """The identity fields ``students`` hold, as a read of them logs them (PIPL Art 51;
    Art 30): ``id_number``, ``guardian_id`` (Art 13: a student identified by a
    guardian), and ``registry_number`` where a record holds a 学籍号 its identity
    number does not give (a J or L number, an earlier or a voided one: a G number is
    ``G`` + the ``id_number``, read with it). A read named ``id_number`` for a record
    holding only a guardian's number and a J number."""
    fields = []
    if any(s.id_number for s in students):
        fields.append("id_number")
    if any(s.guardian_id for s in students):
        fields.append("guardian_id")
    if any(_other_numbers(s) for s in students):
        fields.append("registry_number")
    return ",".join(fields)


def _other_numbers(s: Student) -> bool:
    """Whether ``s`` holds a 学籍号 other than ``G`` + its own identity number."""
    if s.numbers is None:
        return False
    own = f"G{s.id_number}" if s.id_number else None
    return any(n.text != own for n in (s.numbers.current, *s.numbers.all_numbers))


def _reentry_entry(uow: UnitOfWork, s: Student) -> ChangeEntry | None:
    """The entry that last took up ``s``, a record not on its first entry: its
    ``enroll_after_dropout`` (a dropout enrolled again, Art 27(2)) or its
    ``enroll_next_stage`` (a graduate continuing into the next stage, Art 12), or None
    (no such entry found): what :meth:`Registry.void_record` undoes."""
    for e in reversed(uow.log.entries(s.id)):
        if e.command in ("enroll_after_dropout", "enroll_next_stage"):
            return e
    return None


def _undo_event(reentry: ChangeEntry) -> str:
    """The student table's step that undoes ``reentry`` (Art 14): a dropout's re-entry
    back to ``dropped_out`` (``void_reenrolment``); a graduate's continuing back to
    ``graduated`` (``void_continuation``), or ``completed`` where it had completed the
    stage (``void_continuation_completed``), as the entry found it."""
    if reentry.command == "enroll_after_dropout":
        return "void_reenrolment"
    if reentry.before.get("status") == St.COMPLETED.value:
        return "void_continuation_completed"
    return "void_continuation"


def _logged_photo(text: str) -> Photo | None:
    """A photo as a log entry holds it (``taken_on|digest``), or None (none held)."""
    day, sep, digest = text.partition("|")
    if not sep:
        return None
    try:
        return Photo(_dt.date.fromisoformat(day), digest)
    except ValueError:
        return None


def _taken_up(
    prev: Student,
    status: StudentStatus,
    place: tuple[School, SchoolClass, int, Stage],
    entry: _dt.date,
    regional: str,
    photo: Photo | None,
) -> Student:
    """``prev`` taken up again by an enrolment (a graduate continuing into the next
    stage, Art 12; a senior dropout enrolled again, Art 27(2)): the same record and
    学籍号 in its new school, class, grade and stage, with a new 地区学号 (the earlier
    ones kept) and entry date, and the photo given (else the one on record)."""
    sch, klass, grade, stage = place
    return attrs.evolve(
        prev,
        status=status,
        school=sch.code,
        class_id=klass.id,
        grade=grade,
        stage=stage,
        entry_date=entry,
        photo=photo or prev.photo,
        regional_number=regional,
        regional_numbers=(*prev.regional_numbers, regional),
        # the key fields were reported at the first entry and stay locked (Art 29):
        # the new school changes them by an approved correction, not directly
        submitted=prev.submitted,
        version=prev.version + 1,
    )


_TAKEN_UP_LOGGED = (
    "school",
    "class_id",
    "grade",
    "stage",
    "entry_date",
    "photo",  # (a key field, Art 29: the new entry's, Art 12)
    "registry_number",  # (the same: one person, one number, Art 13)
    "regional_number",
)
"""What the log entry of a record taken up again by an enrolment (:func:`_taken_up`:
``enroll_next_stage``, ``enroll_after_dropout``) holds before and after, with the
status: every field the enrolment writes. Before, a graduate's continuing logged its
school, grade and 地区学号 only, and neither entry the photo replaced (found by the
key-fields review; docs/audit.md promises the values before and after)."""


def _no_school(code: str) -> NotFound:
    """The error of a school code that names no school."""
    return NotFound("not_found.school", f"学校 {code} 不存在", f"no school {code}")


def _row_refusal(error: TypeError | XuejiError) -> Decision:
    """A bulk row whose input could not be read (an unknown field: a ``TypeError``
    from the keyword call), as a refusal."""
    if isinstance(error, TypeError):
        return _input_refusal(_bad_input("导入行字段有误", f"bad row: {error}"))
    return _input_refusal(error)


_STORE_FAILURES = (ConcurrencyConflict, StorageError, CorruptRecord, DuplicateKey)
"""The errors of the store itself, not of a bulk row's input: a lost race, a database
that failed or cannot be reached, a stored record that cannot be read, a key the store
holds already. Met under any row of :meth:`Registry.enroll_many`, one leaves the
command, the whole unit rolled back (each was refused as the row's input error, and
the other rows committed in partial mode: a lost race that the caller would have run
again was reported as a bad row)."""


_INPUT_ARTICLES: tuple[tuple[str, Article], ...] = (
    # an identity number (the student's, or the guardian's that identifies a child with
    # none) is the record's identifier, and the 学籍号 is generated from it (Art 13:
    # "学籍号以居民身份证号码为基础生成，一人一籍一号"), as the catalogue's rules on it
    # cite (enrolment.no_identifier, correction.id_removed)
    ("id.", anhui(13)),
    # a 学籍号 given in a row (G/J/L: a continuing record's): Art 13 too; a number
    # space run out (number.exhausted) is no fault of the row's input
    ("number.exhausted", Article("", 0, note="input")),
    ("number.", anhui(13)),
)
"""The article a bulk row refused for its input cites, by the error code's prefix (the
first that matches); input no article governs (an unknown field, a school or class that
does not exist, a value of the wrong type) cites none, with the note ``input``."""


def _input_article(code: str) -> Article:
    """The article of :data:`_INPUT_ARTICLES` for an input error's ``code``.

    >>> str(_input_article("id.checksum")), str(_input_article("command.bad_input"))
    ('皖教基〔2013〕20号 第十三条', '（input）')
    """
    for prefix, article in _INPUT_ARTICLES:
        if code.startswith(prefix):
            return article
    return Article("", 0, note="input")


def _input_refusal(error: XuejiError) -> Decision:
    """A row of a bulk command whose input could not be understood, as a refusal
    citing the article the input belongs to (:data:`_INPUT_ARTICLES`): a bad identity
    number Art 13 (before, every such row cited an empty article, shown ``— （input）``)."""
    return Decision.refuse(
        Violation(error.code, _input_article(error.code), error.message_zh, error.message_en)
    )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a bulk command.

    A bulk command allocates millions of short-lived objects that hold no cycles; the
    collector's passes over them, and over the host's whole heap each time, cost about
    a sixth of the command and grow with the heap (``docs/performance.md``). The pause
    is process-wide for the call's duration (other threads' cycles wait too) and is
    undone when it ends; reference counting frees memory as usual meanwhile.

    On the way out, the objects made meanwhile that live on (the command's result:
    five or six per record) would all be in the youngest generation, and the first
    collection after the pause would pass over every one of them (7% of an enrolment
    of 5,000 rows). ``gc.freeze()`` then ``gc.unfreeze()`` moves every tracked object
    to the oldest generation instead, in constant time, where the next full
    collection finds them; this is skipped when the host has frozen objects of its
    own (``gc.get_freeze_count()``), which ``unfreeze`` would release.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        gc.enable()


class _RollBack(Exception):
    """Raised inside a unit of work to undo it (all-or-nothing bulk commands)."""


class _Undone(Exception):
    """Raised inside a unit of work to undo it and return ``outcome`` (a refusal that
    must leave nothing written)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__()
        self.outcome = outcome


class Registry:
    """The service facade over a :class:`~xueji.storage.protocols.Store`.

    ``policies`` are the profiles of one jurisdiction over time; each command is
    decided under the one in force on its date (Art 33). ``calendar`` is the
    working-day calendar (default: chinese-calendar's years). A command that loses a
    race to another writer is run again up to ``conflict_retries`` times
    (:data:`CONFLICT_RETRIES`; 0: never).
    """

    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        policies: Sequence[Policy] = (ANHUI_2013,),
        calendar: WorkdayCalendar | None = None,
        conflict_retries: int = CONFLICT_RETRIES,
    ) -> None:
        if conflict_retries < 0:
            raise ValueError(f"conflict_retries is 0 or more, not {conflict_retries}")
        self.store = store
        self.clock: Clock = clock or SystemClock()
        self.policies = tuple(policies)
        check_profiles(self.policies)
        self.calendar = calendar or default_calendar()
        self.conflict_retries = conflict_retries
        self._memo: tuple[Policy, _dt.date, dict[tuple[Any, ...], Decision]] | None = None
        self._running = threading.local()  # .command: a retried command runs in this thread
        self._pause: Callable[[float], None] = time.sleep

    @classmethod
    def from_store(
        cls, store: Store, *, default: Sequence[Policy] = (ANHUI_2013,), **options: Any
    ) -> Registry:
        """A registry over ``store`` deciding under the profiles the store records
        (``xueji init --policy/--policy-file``: :func:`xueji.store_profiles.recorded_profiles`),
        as every ``xueji`` command on it does; ``default`` where it records none.
        ``options`` are the constructor's others (``clock``, ``calendar``, ...).
        ``Registry(store)`` decides under its ``policies=`` whatever the store records:
        a host that builds it so passes the recorded ones (Art 33)."""
        from xueji.store_profiles import recorded_profiles

        recorded = recorded_profiles(store)
        return cls(store, policies=default if recorded is None else recorded, **options)

    def _may_retry(self) -> bool:
        """Whether a command starting now may be retried: retries are on, it is not
        called by another command of this registry, and the store says no unit of work
        is open in this thread (a store that cannot say is taken to have one)."""
        if not self.conflict_retries or getattr(self._running, "command", False):
            return False
        probe = getattr(self.store, "in_unit_of_work", None)
        return probe is not None and not probe()

    def _reading(self) -> contextlib.AbstractContextManager[UnitOfWork]:
        """A unit of work for a command that only reads: the store's ``reading()``
        where it has one (SQLite: no write lock held while a report runs), else an
        ordinary unit of work."""
        reading: Callable[[], contextlib.AbstractContextManager[UnitOfWork]] | None
        reading = getattr(self.store, "reading", None)
        return self.store.unit_of_work() if reading is None else reading()

    # -- helpers -----------------------------------------------------------------------

    def today(self) -> _dt.date:
        """Today by the injected clock."""
        return self.clock.today()

    def policy(self, on: _dt.date | None = None) -> Policy:
        """The policy in force on ``on`` (default: today)."""
        return policy_in_force(on or self.today(), self.policies)

    def _rule_memo(self, policy: Policy, on: _dt.date) -> dict[tuple[Any, ...], Decision]:
        """The decisions of repeating rules under ``policy`` on ``on``, kept from one
        bulk command to the next (see :meth:`_enrol_decision`).

        A province imports in many calls on one day under one policy, and the facts
        these rules read (a birth date, an entry date, a school's stage) repeat from
        call to call: a memo per call missed half the age and consent checks of a
        5,000-row call. A new policy or date starts a new memo, and so does one grown
        past :data:`RULE_MEMO_SIZE` entries as a command starts, which bounds its
        memory. Concurrent commands may share it: its entries are pure decisions,
        equal whoever computed them first.
        """
        held = self._memo
        if held is None or held[0] is not policy or held[1] != on or len(held[2]) > RULE_MEMO_SIZE:
            held = self._memo = (policy, on, {})
        return held[2]

    def _log(
        self,
        uow: UnitOfWork,
        actor: Actor,
        on: _dt.date,
        command: str,
        subject: str,
        before: Mapping[str, object],
        after: Mapping[str, object],
        basis: str,
        record: Student | None = None,
        read: Student | None = None,
        student: Student | None = None,
    ) -> None:
        """Append a sealed entry: linked to the last entry and to the subject's last.
        ``student``: the record a request's entry concerns (its subject the request).
        The birth dates of the identity numbers in the entry and in ``record``,
        ``read`` and ``student`` are hidden in its free text (Art 30, :func:`_fields`).
        ``record``: the student record the command wrote, whose
        :func:`~xueji.audit.record_digest` the entry carries (Art 32(三)); ``read``:
        that record as the command read it from the store (an existing record's):
        one that does not hold what its last entry wrote, changed outside the
        registry, is written all the same, the entry marked (:data:`ALTERED_SINCE`)
        and the command's decision warned (``audit.altered_before``). The subject's
        last entry is read for the chain in any case; only after a logged read is
        the subject's log read further back. A new record (no ``read``) is not
        compared: a bulk import costs nothing more."""
        last_of_subject = uow.log.last(subject)
        if record is not None:  # (the grade too: detect follows it through the rollovers)
            after = {**after, "grade": record.grade, "record_digest": audit.record_digest(record)}
            if read is not None and last_of_subject is not None:
                since = _altered_since(uow, read, last_of_subject, self.today())
                if since is not None:
                    after = {**after, ALTERED_SINCE: since.seq, FOUND_ON: self.today()}
                    self._said_altered(read.id, command, on, since)
        uow.log.append(
            _entry(
                actor,
                on,
                command,
                subject,
                before,
                after,
                basis,
                uow.log.last(),
                last_of_subject,
                self._log_mask(on),
                _born_in(before, after, record, read, student),
            )
        )

    def _said_altered(self, student: str, command: str, on: _dt.date, since: ChangeEntry) -> None:
        """Say that ``command`` found ``student``'s record changed outside the registry
        since entry ``since``: a warning (``audit.altered_before``) for the command's
        decision, which the command wrapper (:func:`_retried`) adds to it; where the
        command returns no decision (the deadline sweep), a warning to the
        ``xueji.registry`` logger. ``on`` is the date of the command's entry;
        ``found_on`` in the facts the day the command ran (later for a default
        approval the sweep writes after its day: :data:`FOUND_ON`)."""
        warning = violation(
            "audit.altered_before",
            student=student,
            command=command,
            on=on,
            found_on=self.today(),
            entry=since.seq,
            entry_on=since.on,
        )
        found: list[Violation] | None = getattr(self._running, "altered", None)
        if found is not None:
            found.append(warning)
        else:
            self._said_to_logger([warning])

    def _said_to_logger(self, found: Iterable[Violation]) -> None:
        """The warnings ``audit.altered_before`` of a command with no decision to carry
        them, to the ``xueji.registry`` logger (the sweep's default approvals: the
        entries are marked, and :meth:`detect` reports them, all the same). Each cites
        the article a decision cites (:func:`~xueji.rules._base.rule_article`) under
        the profile in force on its entry's day, the day the sweep approved the stage
        under that profile (Art 24; the entry's basis is that profile's too): a
        profile's ``rule.audit.altered_before``, or the Anhui article marked
        inherited. Before, the catalogue's article whatever the profile. A warning
        found on a later day than its entry's (:data:`FOUND_ON`) says both days."""
        for w in found:
            facts = dict(w.facts)
            on, found_on = facts.get("on", ""), facts.get("found_on", "")
            article = w.article
            # (no profile in force that day: the catalogue's, as _cited leaves it)
            with contextlib.suppress(PolicyNotInForce, ValueError):
                article = rule_article(w.code, article, self.policy(_dt.date.fromisoformat(on)))
            student, command, entry = facts.get("student"), facts.get("command"), facts.get("entry")
            if found_on in ("", on):
                _LOG.warning(
                    "学生 %s 的学籍记录在 %s 的 %s 之前已在系统之外被改动（与第 %s 条变动日志"
                    "记载的不符），操作照常办理，日志已记下（%s） / student %s's record was "
                    "changed outside the registry before %s on %s (it did not hold what entry "
                    "%s wrote): written on, the log entry marked (%s)",
                    student,
                    on,
                    command,
                    entry,
                    article,
                    student,
                    command,
                    on,
                    entry,
                    article.english,
                )
            else:
                _LOG.warning(
                    "学生 %s 的学籍记录已在系统之外被改动，%s 由日期记为 %s 的 %s 发现（与第 %s "
                    "条变动日志记载的不符），操作照常办理，日志已记下（%s） / student %s's "
                    "record was changed outside the registry, found on %s by %s dated %s (it "
                    "did not hold what entry %s wrote): written on, the log entry marked (%s)",
                    student,
                    found_on,
                    on,
                    command,
                    entry,
                    article,
                    student,
                    found_on,
                    command,
                    on,
                    entry,
                    article.english,
                )

    def _cited(self, result: _T, on: _dt.date) -> _T:
        """A command's result with its decision cited under the profile in force on
        ``on`` (:func:`~xueji.rules._base.cite_decision`): the profile's article for a
        rule it re-cites (``"rule.<code>"``), an Anhui article it does not re-cite
        marked inherited. Where no profile is in force, as it is."""
        if not isinstance(result, (Outcome, BulkOutcome)):
            return result
        try:
            policy = self.policy(on)
        except PolicyNotInForce:
            return result
        if isinstance(result, BulkOutcome):
            return attrs.evolve(
                result,
                refused=tuple((i, cite_decision(d, policy)) for i, d in result.refused),
                warned=tuple((i, cite_decision(d, policy)) for i, d in result.warned),
            )
        decision = cite_decision(result.decision, policy)
        if decision is result.decision:
            return result
        return attrs.evolve(result, decision=decision)

    def _access_article(self, key: str, default: Article) -> Article:
        """The article an access denial cites (Art 28): the profile's ``"access.<key>"``
        citation where it gives one, else ``default`` (the permission matrix's), as
        :meth:`~xueji.policy.Policy.as_cited` shows it."""
        try:
            return self.policy(self.today()).cite("access", key, default)
        except PolicyNotInForce:
            return default

    def _basis(self, on: _dt.date, command: str, default: Article) -> str:
        """The article a command of :data:`~xueji.lifecycle.tables.COMMAND_CITATIONS`
        logs as its basis: the profile's ``"command.<name>"`` citation where it gives
        one (:meth:`~xueji.policy.Policy.cite`), else ``default`` (the Anhui article,
        also where no profile is in force yet)."""
        try:
            return str(self.policy(on).cite("command", command, default))
        except PolicyNotInForce:
            return str(default)

    def _tree_policy(self, on: _dt.date) -> Policy:
        """The profile in force on ``on`` for placing a school in the tree
        (``school_authority_levels``, Art 28), or the library's default
        (:data:`~xueji.policy.ANHUI_2013`) on a store set up before any profile is in
        force."""
        try:
            return self.policy(on)
        except PolicyNotInForce:
            return ANHUI_2013

    def _log_mask(self, on: _dt.date) -> IdMask | None:
        """The ``id_mask`` of the profile in force on ``on`` (Art 30), which the change
        log masks identity numbers with; the library's default where none is in force
        (a unit added before any profile, say)."""
        try:
            return self.policy(on).id_mask.value
        except PolicyNotInForce:
            return None

    def _inside(self, uow: UnitOfWork, actor: Actor, school_code: str) -> bool:
        """Whether ``school_code`` is within the actor's jurisdiction (Arts 4, 7, 28)."""
        if _sees_everything(actor):
            return True
        if school_code == "\0province":
            return False
        school = self._get_school(uow, school_code)
        if actor.kind is ActorKind.SCHOOL:
            return actor.unit in (school.code, school.central_school)
        code: str | None = school.authority
        while code is not None:
            unit = uow.units.get(code)
            if code == actor.unit:
                # the unit at the actor's own level: "county 34" (the province's code) is
                # no county, and was given a county's data maintenance province-wide
                return unit is not None and unit.level.value == actor.kind.value
            code = unit.parent if unit else None
        return False

    def authorize(self, actor: Actor, action: str, *, school: str | None = None) -> None:
        """Raise :class:`~xueji.errors.AccessDenied` unless ``actor`` may do ``action``
        (a command's name, as in :data:`xueji.access.PERMISSIONS`), for ``school`` where
        the action concerns one (Art 28): the check every command makes first, for a
        host that asks before it offers a command, or an import that finds a row
        already done (it must not say so to an actor who could not have done it)."""
        if not isinstance(action, str) or action not in access.PERMISSIONS:
            shown = _short(action)
            raise _bad_input(
                f"未知的操作：{shown}（见 xueji.access.PERMISSIONS）",
                f"unknown action {shown} (see xueji.access.PERMISSIONS)",
            )
        with self._reading() as uow:
            self._authorize(uow, actor, action, school=school)

    def _authorize(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: str,
        *,
        school: str | None = None,
        schools: Iterable[str] = (),
    ) -> None:
        """Art 28: raise :class:`~xueji.errors.AccessDenied` unless the actor may act.

        With ``schools``, being inside the jurisdiction of any one of them suffices."""
        _check_actor(actor)
        if school is not None:
            _check_code(school, "学校代码", "a school code")
        if actor.kind is ActorKind.PROVINCE:
            self._check_province(uow, actor, action)
        names = [school] if school is not None else list(schools)
        inside = not names or any(self._inside(uow, actor, c) for c in names if c)
        # a subject that is no school's (_subject_schools' marker) is named in words:
        # the marker's NUL byte and "province" were printed in the message; each
        # school once (a request's sending school is its student's: "A,W,A")
        shown = list(dict.fromkeys(c for c in names if c))
        access.check(
            actor,
            action,
            inside=inside,
            detail=",".join(_PROVINCE_LEVEL_ZH if c == "\0province" else c for c in shown),
            cite=self._access_article,
            detail_en=",".join(_PROVINCE_LEVEL_EN if c == "\0province" else c for c in shown),
        )

    def _check_province(self, uow: UnitOfWork, actor: Actor, action: str) -> None:
        """A province actor sees every school, so its unit must be the store's
        province-level unit: one whose unit did not exist ("province 99") read
        province-wide and added units. A store that holds no province-level unit yet
        is being set up, and its first province acts (it adds its own unit)."""
        unit = uow.units.get(actor.unit)
        if unit is not None and unit.level is UnitLevel.PROVINCE:
            return
        if unit is None and not any(u.level is UnitLevel.PROVINCE for u in uow.units.list()):
            return
        article = self._access_article("province", anhui(28))
        raise AccessDenied(
            actor.kind.value,
            actor.unit,
            action,
            str(article),
            "不是本库的省级教育行政部门",
            "not the province-level unit of this registry",
        )

    def _shown(self, uow: UnitOfWork, actor: Actor, student: Student) -> Student | None:
        """``student`` for an outcome, if the actor may read it (its school is in the
        actor's jurisdiction), else None: the receiving school of a transfer asks
        about a student of another school, whose record (full identity number
        included) it was handed back, refused or not, with no read logged (Art 30)."""
        return student if self._inside(uow, actor, student.school) else None

    def _told(self, uow: UnitOfWork, actor: Actor, decision: Decision, school: str) -> Decision:
        """``decision`` on a filing that names a student of ``school``, as ``actor`` is
        told it: whole where the actor may read the student (:meth:`_shown`), else
        :func:`_without_facts`, no fact of the record (a transfer's receiving school, or
        authority of another city: ``request_transfer``, and ``transfer_in`` of a
        record coming back). Found by the access review: a school of another city,
        guessing an id, was told a student's status, sending school, disability flag,
        户籍 and grade by a refused filing, where reading the student is denied (Arts
        28, 30)."""
        if self._inside(uow, actor, school):
            return decision
        return _without_facts(decision)

    def _student_for(
        self,
        uow: UnitOfWork,
        actor: Actor,
        student_id: str,
        action: str,
        expected_version: int | None = None,
    ) -> Student:
        """Load a student, authorise ``action`` on it, and check the version the caller
        read (if given)."""
        s = self._get_student(uow, student_id)
        self._authorize(uow, actor, action, school=s.school)
        _expect("student", s.id, expected_version, s.version)
        return s

    @staticmethod
    def _get_student(uow: UnitOfWork, student_id: str) -> Student:
        _check_code(student_id, "学生编号", "a student id")
        s = uow.students.get(student_id)
        if s is None:
            raise NotFound(
                "not_found.student", f"学生 {student_id} 不存在", f"no student {student_id}"
            )
        return s

    @staticmethod
    def _get_school(uow: UnitOfWork, code: str) -> School:
        _check_code(code, "学校代码", "a school code")
        s = uow.schools.get(code)
        if s is None:
            raise _no_school(code)
        return s

    @staticmethod
    def _get_class(uow: UnitOfWork, class_id: str) -> SchoolClass:
        _check_code(class_id, "班级代码", "a class code")
        c = uow.classes.get(class_id)
        if c is None:
            raise NotFound("not_found.class", f"班级 {class_id} 不存在", f"no class {class_id}")
        return c

    @staticmethod
    def _get_request(uow: UnitOfWork, request_id: str) -> Request:
        _check_code(request_id, "申请编号", "a request id")
        r = uow.requests.get(request_id)
        if r is None:
            raise NotFound(
                "not_found.request", f"申请 {request_id} 不存在", f"no request {request_id}"
            )
        return r

    @staticmethod
    def _new_id(allocator: _numbers.SequenceAllocator, prefix: str) -> str:
        return f"{prefix}{allocator.next('id:' + prefix):07d}"

    def _city_of(self, uow: UnitOfWork, school: School) -> Unit:
        """The city above a school in the supervising-unit tree (Art 4): the highest
        unit below the province, the county itself for a county directly under the
        province (省直管县, which the tree accepts), read as Art 25's 市区. Before, a
        school under such a county had "no city above its authority" (not_found.city)
        and could not transfer, in or out."""
        code: str | None = school.authority
        while code is not None:
            unit = uow.units.get(code)
            if unit is None:
                raise NotFound("not_found.unit", f"单位 {code} 不存在", f"no unit {code}")
            if unit.level is UnitLevel.PROVINCE:
                break
            if unit.level is UnitLevel.CITY or unit.parent is None:
                return unit
            parent = uow.units.get(unit.parent)
            if parent is not None and parent.level is UnitLevel.PROVINCE:
                return unit  # 省直管县
            code = unit.parent
        raise NotFound(
            "not_found.city",
            f"学校 {school.code} 的主管单位不在任何市之下",
            f"school {school.code} has no city above its authority",
        )

    @staticmethod
    def _direct_counties(uow: UnitOfWork) -> frozenset[str]:
        """The region codes of the counties directly under the province in the tree
        (省直管县, each its own city: :meth:`_city_of`): a 户籍 of one is not of the
        prefecture sharing its first four digits (Art 25; docs/policy.md)."""
        units = {u.code: u for u in uow.units.list()}
        return frozenset(
            u.region
            for u in units.values()
            if u.level is UnitLevel.COUNTY
            and (
                u.parent is None
                or (u.parent in units and units[u.parent].level is UnitLevel.PROVINCE)
            )
        )

    def _false_material_refusal(
        self, uow: UnitOfWork, students: Sequence[Student], to_city: str
    ) -> str:
        """The id of a request refused on false material (Art 25, marked
        :data:`_FALSE_MATERIAL`) for a transfer of one of ``students`` (the records of
        one person) into a senior high of the city unit ``to_city``; "" if none. The
        person's other records count too: a transfer in refused leaves a voided
        record, and the next filing makes another."""
        ids = {s.id for s in students}
        for s in students:
            if s.registry_number:
                ids.update(x.id for x in uow.students.by_registry_number(s.registry_number))
            if s.id_number:
                ids.update(x.id for x in uow.students.by_id_number(s.id_number))
        for sid in sorted(ids):
            for r in _requests_of(uow.requests, sid):
                if (
                    r.state is R.REJECTED
                    and r.kind in _TRANSFER_KINDS
                    and _FALSE_MATERIAL in r.payload
                    and r.payload.get(_FALSE_MATERIAL_CITY) == to_city
                ):
                    return r.id
        return ""

    def _filed_barred(self, req: Request) -> bool:
        """Whether ``req`` was filed under a profile that bars refiling a 借读 refused
        on false material (``false_material_bars_refiling``): its filing was checked
        for such a refusal then (Art 25). False where no profile was in force that
        day (it is checked again)."""
        try:
            return bool(self.policy(req.opened_on).false_material_bars_refiling.value)
        except PolicyNotInForce:
            return False

    def _art25_bars_false_material(self, uow: UnitOfWork, req: Request) -> bool:
        """Whether Art 25 bars ``req`` on false material: a transfer into a senior high
        of a city from another city (:func:`~xueji.rules.transfers.into_senior_from_elsewhere`),
        within the province or in from another province or from abroad (the stage its
        payload gives); never a transfer out of the province."""
        if req.to_school is None or req.kind not in (RequestKind.TRANSFER, *_INCOMING_KINDS):
            return False
        dst = self._get_school(uow, req.to_school)
        student = self._get_student(uow, req.student)
        if req.kind is RequestKind.TRANSFER:
            src = self._get_school(uow, req.from_school or student.school)
            same = self._city_of(uow, src).code == self._city_of(uow, dst).code
            return transfers.into_senior_from_elsewhere(dst.stages, student.stage, same_city=same)
        stages = {x.value: x for x in Stage}  # (a payload this version cannot read: the record's)
        stage = stages.get(req.payload.get("stage", ""), student.stage)
        return transfers.into_senior_from_elsewhere(dst.stages, stage, same_city=False)

    @staticmethod
    def _seated(
        uow: UnitOfWork, klass: SchoolClass, policy: Policy, held: bool | None = None
    ) -> int:
        """The seats taken in ``klass`` (Art 16's class size): its pupils of its grade
        (``count_in_class``) and the seats kept by students held for an open transfer
        (:data:`_HELD_SEAT`), whatever profile is in force now: a seat kept under
        ``rollover_open_transfers = "hold"`` counts until its transfer ends. ``held``:
        whether any seat is held, where the caller read it already (a bulk chunk);
        else read here (:func:`_holds_seats`: one key; a store that never held anyone
        reads nothing more)."""
        size = uow.students.count_in_class(klass.id, klass.grade)
        if _holds_seats(uow, policy) if held is None else held:
            size += _held_seats(uow, klass.id)[klass.id]
        return size

    def _write_student(
        self,
        uow: UnitOfWork,
        actor: Actor,
        on: _dt.date,
        student: Student,
        event: str,
        command: str,
        changes: Mapping[str, Any],
        basis: str | None = None,
        logged: Mapping[str, object] = {},
    ) -> Student:
        """Fire ``event`` on the student table and write the result with its log entry
        (the fields changed before and after; ``logged`` added to the after)."""
        row = STUDENT.fire(student.status, event)
        new = attrs.evolve(student, status=row.target, version=student.version + 1, **changes)
        uow.students.update(new)
        before = {k: getattr(student, k) for k in changes} | {"status": student.status.value}
        after = {k: getattr(new, k) for k in changes} | {"status": new.status.value, **logged}
        basis = basis or str(self.policy(on).cite("student", event, row.article))
        self._log(
            uow, actor, on, command, student.id, before, after, basis, record=new, read=student
        )
        return new

    def _stage_deadline(
        self, kind: RequestKind, since: _dt.date, policy: Policy, student: Student | None
    ) -> _dt.date | None:
        if kind in _TRANSFER_KINDS:
            return self.calendar.add_working_days(since, policy.transfer_stage_limit.value)
        if kind is RequestKind.DROPOUT and policy.dropout_review_limit.value is not None:
            try:
                return self.calendar.add_working_days(since, policy.dropout_review_limit.value)
            except CalendarNotCovered as e:
                # the deadline runs into a year whose holiday schedule is not loaded
                # yet (each December): the school's record of the dropout (Art 27) is
                # taken all the same, its review with no deadline (a dropout review
                # has no default approval; the deadline only flags a late one).
                # Before, the record was refused until the schedule was published.
                _LOG.warning(
                    "辍学审核期限未定：期限落入 %s 年，该年节假日安排未载入 / "
                    "dropout review deadline not set: it falls in %s, whose holiday "
                    "schedule is not loaded",
                    e.year,
                    e.year,
                )
                return None
        if kind is RequestKind.NEW_STUDENT and student is not None:
            md = policy.new_student_deadline.value
            if md is None:
                return None
            due = md.in_year(student.entry_date.year)
            return due if student.entry_date <= due else md.in_year(student.entry_date.year + 1)
        return None

    def _set_under(self, req: Request, on: _dt.date) -> Policy:
        """The profile a request's deadline was set under: the one in force the day its
        stage began (:meth:`_stage_deadline` counts from it; a dropout's deadline set
        late is counted from the same day, :meth:`_due`), as
        :func:`explain_default_approval` explains it. A late decision cites its
        parameter: the revision in force on the decision day may set another limit,
        and cited it beside a deadline it did not set (Art 33). The profile of ``on``
        where none was in force that day."""
        try:
            return self.policy(req.stage_since)
        except PolicyNotInForce:
            return self.policy(on)

    def _due(self, req: Request) -> _dt.date | None:
        """The request's deadline; a dropout's review deadline that was not set when it
        was recorded (its working days ran into a year not loaded: see
        :meth:`_stage_deadline`) is counted now from the day it was recorded, if the
        calendar covers it now (Art 27), else still None. Before, such a review had no
        deadline for good: a late one was never flagged (Art 32)."""
        if req.deadline is not None or req.kind is not RequestKind.DROPOUT:
            return req.deadline
        limit = self.policy(req.opened_on).dropout_review_limit.value
        if limit is None:
            return None
        try:
            return self.calendar.add_working_days(req.opened_on, limit)
        except CalendarNotCovered:
            return None

    def _class_back(
        self, uow: UnitOfWork, s: Student, to_class: str | None, on: _dt.date
    ) -> Decision:
        """Art 16 for a student coming back (resumption, return from dropout) into
        ``to_class``: a class of the student's own school and grade, with room. Before,
        a grade-1 pupil of one school could resume into another school's grade-12
        class. Without ``to_class`` the student goes back to the class they left,
        checked the same way: a suspended student held at the rollover finds it a grade
        above (their classmates moved up with it), and must be given a class of their
        own grade."""
        klass = self._get_class(uow, to_class or s.class_id)
        policy = self.policy(on)
        if klass.id == s.class_id and s.status in SEATED:
            size = 0  # back into the seat it holds: the class gets no bigger
        else:
            size = self._seated(uow, klass, policy)
        return enrolment.check_class(
            klass, school=s.school, grade=s.grade, stage=s.stage, size=size, policy=policy
        )

    def _class_at_approval(
        self, uow: UnitOfWork, req: Request, s: Student, on: _dt.date
    ) -> Decision:
        """Art 16, again at the final approval of a request that puts ``s`` into a
        class (a resumption's, a transfer's, a transfer in's), whether a party gives it
        or the sweep does by default (Art 24): the class was checked when the request
        was filed, but other students may have been placed in it since, or it may have
        moved up a grade at a rollover. Before, two transfers filed into a class with
        one seat left were both completed, one over the cap. A student coming back
        from another province or abroad goes into the grade the return was filed in
        (not in school here, they did not move up at the rollover, Art 18); one held
        at a rollover for this transfer (``rollover_open_transfers = "hold"``), into the
        grade its end moves them up to (:meth:`_caught_up_grade`). A new record under
        review holds its seat already, and moves up with its class at the rollover
        (Arts 16, 18(2)); one whose class went up without it is refused (before, a new
        record's approval had no class check)."""
        if req.kind is RequestKind.RESUMPTION:
            return self._class_back(uow, s, req.to_class, on)
        if req.kind is RequestKind.NEW_STUDENT:
            # the entry checks, on the record as it stands (Arts 14, 12, 2, 16), under
            # the profile of its entry (Art 33)
            return self._entry_checks(uow, s, self._entered_under(s, on))
        if req.kind not in _TRANSFER_KINDS or req.to_class is None or req.to_school is None:
            return Decision.allow()
        klass = self._get_class(uow, req.to_class)
        # a student held at a rollover for this transfer arrives in the grade they
        # are moved up to (Art 18(2)): the class must be of that grade
        grade, stage = self._caught_up_grade(s, self._years_held(uow, req, on), on), s.stage
        if (
            req.kind is not RequestKind.TRANSFER
            and s.status is not St.PENDING_REVIEW
            and "grade" in req.payload
            and "stage" in req.payload  # (filed since 0.1: as _apply_approved)
        ):
            grade, stage = int(req.payload["grade"]), Stage(req.payload["stage"])
        policy = self.policy(on)
        if klass.id == s.class_id and s.status in SEATED:
            size = 0  # the seat it holds: the class gets no bigger
        else:
            size = self._seated(uow, klass, policy)
        return enrolment.check_class(
            klass, school=req.to_school, grade=grade, stage=stage, size=size, policy=policy
        )

    def _entered_under(self, s: Student, on: _dt.date) -> Policy:
        """The profile a new record's entry checks run under at its submission and its
        review's approval (:meth:`_entry_checks`): the one in force on its entry date,
        as :meth:`_set_under` takes the profile a deadline was set under. Reading (Art
        33, a revision takes effect from its date, not backwards): a pupil entered
        lawfully is not refused because a revision with a stricter age cutoff took
        effect before the review (found by the merge review: the refusal also cited
        the revision). The profile of ``on`` where none was in force on that date."""
        try:
            return self.policy(s.entry_date)
        except PolicyNotInForce:
            return self.policy(on)

    def _entry_checks(self, uow: UnitOfWork, s: Student, policy: Policy) -> Decision:
        """The checks of a new record's entry, run again on the record as it stands when
        it is submitted for the new-student review (:meth:`submit`) and when the review
        approves it (Art 15): the age (Art 14, no registry for a pre-school child), the
        photo of an initial grade taken in the year of entry (Art 12), the school's
        stage (Art 2) and the class (Art 16). Found by the review: a draft's birth date,
        number and photo were edited after its enrolment (a draft never reported is
        edited directly, Art 29), and neither step ran the checks again, so a
        3-year-old, or a grade-1 pupil with no photo, was registered.

        The class is the one the record holds a seat in (counted already: the size is
        not checked again); a record whose class went up a grade at a rollover without
        it (one typed after the rollover's date and moved by a late run, say) is
        refused: it would sit, uncounted, in a class of another grade (Art 16)."""
        entry_year = s.entry_date.year
        taken = s.photo.taken_on if s.photo is not None else None
        klass = uow.classes.get(s.class_id)
        return Decision.combine(
            enrolment.check_age(s.birth_date, entry_date=s.entry_date, policy=policy),
            enrolment.check_photo(taken, grade=s.grade, entry_year=entry_year, policy=policy),
            enrolment.check_stage(self._get_school(uow, s.school), s.stage),
            Decision.allow()
            if klass is None  # (a record of a class the store no longer has: as before)
            else enrolment.check_class(
                klass, school=s.school, grade=s.grade, stage=s.stage, size=0, policy=policy
            ),
        )

    @staticmethod
    def _one_person(uow: UnitOfWork, s: Student, changes: Mapping[str, Any]) -> Decision:
        """:func:`~xueji.rules.corrections.check_unique_id` for an edit or correction of
        ``s`` (Arts 13-14, one person one registry): a new ID number held by another
        record; or, for a child known by a guardian's ID (no number of its own), a new
        guardian, name or birth date that makes it a child another record already is
        (before, a correction moved a child onto another record's guardian, name and
        birth date, and the one person had two registries)."""
        if changes.get("id_number"):
            return corrections.check_unique_id(
                s, uow.students.by_id_number(str(changes["id_number"]))
            )
        identity = ("guardian_id", "name", "birth_date")
        if s.id_number or "id_number" in changes or not any(k in changes for k in identity):
            return Decision.allow()
        guardian = changes.get("guardian_id", s.guardian_id)
        if not guardian:
            return Decision.allow()
        name, birth = changes.get("name", s.name), changes.get("birth_date", s.birth_date)
        return corrections.check_unique_id(s, _same_child(uow, str(guardian), name, birth))

    def _applied(self, applied_on: _dt.date | None, on: _dt.date, policy: Policy) -> Decision:
        """:func:`~xueji.rules.transfers.check_applied_on` for a given application date."""
        if applied_on is None or applied_on == on:
            return Decision.allow()
        if applied_on < on and not policy.transfer_default_approval.value:
            # no default approval: a late filing cannot cascade, and the true date
            # is what the record should say (only a future date is refused)
            first = on
        elif applied_on < on:
            try:
                first = self.calendar.add_working_days(
                    applied_on, policy.transfer_stage_limit.value
                )
            except CalendarNotCovered as gap:
                if gap.year >= self.calendar.years.stop:
                    raise  # the deadline runs into a year not loaded: as for any command
                first = applied_on  # a date from a year long gone: far too early
        else:
            first = on
        return transfers.check_applied_on(applied_on, today=on, first_deadline=first, policy=policy)

    def _no_other_open(
        self,
        uow: UnitOfWork,
        s: Student,
        kind: RequestKind,
        same: Iterable[RequestKind] = (),
        *,
        policy: Policy,
    ) -> Decision:
        """:func:`~xueji.rules.changes.check_no_other_open` over the student's open
        requests, each kind waiting for what :func:`~xueji.rules.changes.waits_for`
        says under ``policy``: a change that ends the record here (graduation, a
        transfer out of the province or the country) and a key-field correction wait
        for each other, and under ``correction_during_transfer = "wait"`` (Art 29) a
        correction and a transfer that moves the student's school do too."""
        return change_rules.check_no_other_open(
            s, kind, uow.requests.open_for_student(s.id), same=same, policy=policy
        )

    @staticmethod
    def _take(uow: UnitOfWork, s: Student) -> Student:
        """The record taken by a transfer or a correction filed for it: its version goes
        up (no field changes, so no log entry), so a client holding the old version
        learns that a change is open. (Two changes filed at the same moment do not both
        open in any case: each appends to the change log, whose sequence admits one
        entry per number, and the loser's retry sees the first change open.)"""
        taken = attrs.evolve(s, version=s.version + 1)
        uow.students.update(taken)
        return taken

    def _open_request(
        self,
        uow: UnitOfWork,
        actor: Actor,
        on: _dt.date,
        kind: RequestKind,
        student: Student,
        *,
        warnings: Iterable[str] = (),
        logged: Mapping[str, object] = {},
        deadline: _dt.date | None = None,
        record_told: bool = True,
        **fields: Any,
    ) -> Request:
        """Open a request of ``kind`` for ``student`` with its log entry (``open_<kind>``),
        which holds what was filed and why: the request's student and the school the
        student was at, its state and deadline, its schools, class and reason
        (:data:`_FILED`: a transfer's Art 20 reason with the stated one, a
        suspension's, a transfer out's), and ``logged`` where the caller gives it (a
        correction's values, typed, for the log's masking), else the payload (a
        destination and leaving date, Art 23; a return's grade), with the request's
        digest (:func:`_request_written`). Before, the entry held the student, state
        and deadline alone (found by the audit review). Its deadline is ``deadline``
        where the caller read it (a graduation's, from the change log), else
        :meth:`_stage_deadline`'s.

        ``record_told`` False (a transfer in of a record coming back, filed by a school
        that may not read it before the return is approved, Arts 28, 30): the entry
        leaves out the school the record was at, which the filer reads in the
        request's history (found by the merge review); the Art 32 report charges the
        request to the school the log had the student in (:func:`_watch_requests`)."""
        for k in ("reason", "stated_reason", "note"):
            if k in fields:
                _free_text(fields[k], "说明", k.replace("_", " "))
        for v in dict(fields.get("payload") or {}).values():
            _free_text(v, "更正内容", "a correction's value")
        table = REQUEST_TABLES[kind]
        policy = self.policy(on)
        req = Request(
            id=self._new_id(uow.allocator, "R"),
            kind=kind,
            student=student.id,
            state=table.initial,
            opened_on=on,
            stage_since=on,
            deadline=deadline or self._stage_deadline(kind, on, policy, student),
            warnings=tuple(warnings),
            history=(RequestEvent(on, actor.unit, "open", table.initial, table.initial),),
            **fields,
        )
        uow.requests.add(req)
        self._log(
            uow,
            actor,
            on,
            f"open_{kind.value}",
            req.id,
            {},
            {
                "student": student.id,
                **({"school": student.school} if record_told else {}),
                "state": req.state.value,
                "deadline": req.deadline,
                **{k: fields[k] for k in _FILED if fields.get(k)},
                **(logged or req.payload),
                **_request_written(req),
            },
            str(policy.cite(kind.value, "open", table.rows[0].article)),
            student=student,
        )
        return req

    def _party(
        self,
        uow: UnitOfWork,
        req: Request,
        student: Student | None = None,
        *,
        lenient: bool = False,
    ) -> tuple[str, bool]:
        """(unit or school code, is a school) of the party the request waits for;
        ``student``, the request's student if the caller has read it already.
        ``lenient`` (the Art 32 report, which says what was tampered with): a student
        the store no longer holds or cannot read leaves the request's own schools,
        else the province; a school that does not exist is named by its code."""
        if student is None:
            try:
                student = self._get_student(uow, req.student)
            except (NotFound, CorruptRecord):
                if not lenient:
                    raise
                student = None
        own = student.school if student is not None else None
        # the school a request was filed from: a transfer's sending school, a transfer
        # out's and a key-field correction's own school (Art 29: the correction stays
        # with the unit that received it, should the student move while it is open
        # under correction_during_transfer = "pin"); else the student's school
        home = req.from_school or own
        if req.state in (R.AT_RECEIVING_SCHOOL, R.AT_RECEIVING_AUTHORITY):
            code = req.to_school or own
        else:
            code = home
        if code is None:
            return "province", False
        try:
            school = self._get_school(uow, code)
        except NotFound:
            if not lenient:
                raise
            return code, True
        if req.state in _SCHOOL_STAGES:
            return school.code, True
        return school.authority, False

    def _check_party(
        self, uow: UnitOfWork, actor: Actor, req: Request, policy: Policy | None = None
    ) -> Decision:
        """Art 21: the actor is the party of the request's stage, by its code and its
        kind (a county actor under a city's code decided the city's stage); a 分校's
        stage is its 学区中心校's as well (Art 7), as its students are. With ``policy``
        (a decision told to its actor), a refusal cites the request's article as
        ``policy`` cites its decision (:meth:`_stage_article`); without, Art 21 (an
        inbox asks whether, never why)."""
        code, is_school = self._party(uow, req)
        kind = ActorKind.SCHOOL if is_school else self._kind_of(uow, code)
        central = self._central_of(uow, code) if is_school else None

        def check(article: Article | None = None) -> Decision:
            return approvals.check_party(
                actor,
                request=req.id,
                stage=req.state.value,
                party=code,
                party_is_school=is_school,
                party_kind=kind,
                central_school=central,
                article=article,
            )

        decision = check()
        if decision.allowed or policy is None:
            return decision
        return check(self._stage_article(req, policy, "stage.wrong_party"))

    @staticmethod
    def _stage_article(req: Request, policy: Policy, code: str) -> Article:
        """The article a refusal ``code`` of a decision on ``req`` at its stage cites
        under ``policy``: the profile's re-citation of the rule (``"rule.<code>"``),
        else the article of the decision as ``policy`` cites it (as its log entry
        does): the table's ``approve`` row of the stage, or, for a request no longer
        open, its opening row's. A refusal of the decision to an actor that is not its
        party (``stage.wrong_party``) or that filed it (``stage.own_filing``) cites it.
        Before, a profile's ``rule.stage.wrong_party`` was listed by ``policy show`` and
        cited nowhere (found by the province review)."""
        row = REQUEST_TABLES[req.kind].get(req.state, "approve")
        event = "approve" if row is not None else "open"
        step = policy.cite(req.kind.value, event, (row or REQUEST_TABLES[req.kind].rows[0]).article)
        return policy.cite("rule", code, step)

    def _own_filing(
        self, uow: UnitOfWork, actor: Actor, kind: RequestKind, *schools: str, policy: Policy
    ) -> Decision:
        """At a filing: :func:`~xueji.rules.approvals.check_own_filing` of ``actor``
        filing a request of ``kind`` whose authority stages are those of ``schools``'
        学籍主管单位 (a school's change: its own school's, Art 31; a transfer: the
        receiving school's and the sending school's, Arts 21-23). Found by the
        lifecycle review: a county filed its own school's dropout and approved it
        itself; by the access review: a county filed a transfer out of its own school,
        let the school's stage pass by default (Art 24) and approved its own, no school
        ever agreeing. A unit that would decide a stage of the request may not file it,
        so no request waits at a stage its filer alone could decide (and nobody may:
        :meth:`_decided_by_its_filer`). A school's filing evaluates nothing: it decides
        no authority's stage, and the receiving school's stage after its own filing of
        a transfer is its agreement (Art 21: 流入地学校审核同意后…录入转学申请). The
        refusal cites the profile's ``rule.stage.own_filing``, else the request's
        article as ``policy`` cites its filing (before, the table's as it stood: found
        by the merge review)."""
        if actor.kind is ActorKind.SCHOOL:
            return Decision.allow()
        opening = policy.cite(kind.value, "open", REQUEST_TABLES[kind].rows[0].article)
        article = policy.cite("rule", "stage.own_filing", opening)
        checks, seen = [], set()
        for school in schools:
            code = self._get_school(uow, school).authority
            if code in seen:
                continue  # (a transfer within one county: its authority once)
            seen.add(code)
            reviewer = Actor(self._kind_of(uow, code) or ActorKind.COUNTY, code)
            checks.append(
                approvals.check_own_filing(
                    actor, reviewer, kind=kind.value, article=article, subject=school
                )
            )
        return Decision.combine(*checks)

    def _decided_by_its_filer(
        self, uow: UnitOfWork, actor: Actor, req: Request, policy: Policy
    ) -> Decision:
        """At a decision (approve, reject) of any request: the unit that opened it
        decides none of its stages (Art 31, :func:`~xueji.rules.approvals.check_own_filing`;
        a request so filed, in a store written before such a filing was refused, is
        withdrawn by its filer). A request a school opened evaluates nothing: a school
        is never the party of an authority's stage, and the receiving school's stage
        of a transfer it filed is its own agreement (Art 21). Before, a transfer was
        not concerned: a county filed one and approved its own stage."""
        if not req.history:
            return Decision.allow()
        kind = self._opener_kind(uow, req)
        if kind is None or kind is ActorKind.SCHOOL:
            return Decision.allow()
        return approvals.check_own_filing(
            Actor(kind, req.history[0].actor),
            actor,
            kind=req.kind.value,
            # the request's article as the profile cites its decision (as its log does)
            article=self._stage_article(req, policy, "stage.own_filing"),
            subject=req.id,
        )

    def _default_holds(self, actor: Actor, request_id: str, on: _dt.date) -> Decision:
        """What holds the default approval of an open request's stage (Art 24), as the
        deadline sweep holds it: every hold of :meth:`_default_holds_of`, in its order,
        each a step citing its article, on the day the approval would be dated (the
        day after the deadline, or ``on`` before it) under the profile of that day.
        Told to ``actor`` as :meth:`_told` tells a filing. Found by the merge review:
        :func:`explain_default_approval` said "approved by default" of requests the
        sweep held."""
        with self._reading() as uow:
            req = self._get_request(uow, request_id)
            when = on
            if req.deadline is not None and req.deadline < on:
                when = req.deadline + _dt.timedelta(days=1)
            student = self._get_student(uow, req.student)
            holds = self._default_holds_of(uow, req, when, self.policy(when), explained=True)
            held = Decision.combine(*(h.decision for h in holds))
            return self._told(uow, actor, held, student.school)

    def _default_holds_of(
        self,
        uow: UnitOfWork,
        req: Request,
        day: _dt.date,
        policy: Policy,
        *,
        compare: bool = True,
        explained: bool = False,
    ) -> Iterator[_Hold]:
        """The holds on the default approval of ``req``'s stage dated ``day`` under
        ``policy`` (Art 24), in order, each evaluated only when the one before has been
        taken: the one definition the deadline sweep (:meth:`_sweep_request`, which
        stops at the first that holds and says it to the logger) and
        :func:`explain_default_approval` (:meth:`_default_holds`, which shows them
        all) read. The holds:

        1. the request as its last entry wrote it (``audit.request_altered``, Art
           32(三): :func:`_request_altered`, with the last entry a sweep's batch
           preloaded): what the parties were given is approved by default, not a
           request changed in the database since (a destination, a class). Not with
           ``compare`` false (the sweep compares a request once, before its first
           default approval: the entries it writes after are its own);
        2. for a request a unit opened, the party not that unit
           (``stage.own_filing``, Art 31, the request's article: Art 24 deems the
           party's silence its consent, and the filer decides none of its request's
           stages, :meth:`_decided_by_its_filer`; a store written before such a
           filing was refused may hold one). Before, a county filed a transfer out
           and the sweep, or the county, approved its stage. A request a school
           opened is never held so, read from the opener alone (the student's
           record is not read: the sweep reads it for few requests);
        3. at a last stage (its default approval's target is APPROVED), the class
           taking the student on ``day`` (Art 16, :meth:`_class_at_approval`): the
           approval deemed given places the student no more than the party could (a
           class since full, or gone up a grade at a rollover);
        4. at a last stage, for a 借读 Art 25 reaches (:meth:`_art25_bars_false_material`)
           filed under a profile that let it be filed again (not
           :meth:`_filed_barred`: one filed under a profile that bars refiling was
           checked at its filing, and is not looked up again), no earlier refusal on
           false material that ``policy`` bars (``transfer.false_material``,
           ``false_material_bars_refiling``). The look-up reads the person's requests,
           which makes a sweep's batch write what it holds first (the sweep took ten
           times as long on PostgreSQL when it looked up every request): made only
           where ``policy`` bars.

        ``explained`` (the explainer): each hold is given with the facts its step
        shows, passing ones too; else (the sweep) a hold that cannot hold the request
        is passed over without reading what only its step would show (the party's
        kind, where the party is not the filer; whether Art 25 reaches a request
        ``policy`` does not bar), so the sweep reads no more than its checks need."""
        if compare:
            altered = _request_altered(uow, req)
            c = Checks()
            facts: dict[str, object] = {"request": req.id}
            if altered is not None:
                facts["entry"] = altered.seq
            c.check("audit.request_altered", altered is None, facts)
            said: Callable[[], None] = _said_nothing
            if altered is not None:
                said = functools.partial(_held_altered, req, altered, policy)
            yield _Hold("altered", c.decision(), said)
        opener = req.history[0].actor if req.history else ""
        kind = self._opener_kind(uow, req) if uow.units.get(opener) is not None else None
        if kind is not None and kind is not ActorKind.SCHOOL:
            code, is_school = self._party(uow, req)
            if explained or (not is_school and code == opener):
                party = ActorKind.SCHOOL if is_school else self._kind_of(uow, code)
                filed = approvals.check_own_filing(
                    Actor(kind, opener),
                    Actor(party or ActorKind.COUNTY, code),
                    kind=req.kind.value,
                    article=self._stage_article(req, policy, "stage.own_filing"),
                    subject=req.id,
                )
                yield _Hold("own_filing", filed, functools.partial(_held_by_filer, req))
        row = REQUEST_TABLES[req.kind].get(req.state, "approve_by_default")
        if row is None or row.target is not R.APPROVED:
            return
        placed = self._class_at_approval(uow, req, self._get_student(uow, req.student), day)
        yield _Hold("class", placed, functools.partial(_held_class, req, placed))
        bar = policy.false_material_bars_refiling
        if (
            self._filed_barred(req)
            or not (explained or bar.value)
            or not self._art25_bars_false_material(uow, req)
        ):
            return
        assert req.to_school is not None  # (a 借读)
        to_city = self._city_of(uow, self._get_school(uow, req.to_school)).code
        refusal = ""
        if bar.value:
            student = self._get_student(uow, req.student)
            refusal = self._false_material_refusal(uow, [student], to_city)
        c = Checks()
        found: dict[str, object] = {"student": req.student, "to_city": to_city}
        if refusal:
            found["refused"] = refusal
        c.check(
            "transfer.false_material",
            not refusal,
            found,
            params=(("false_material_bars_refiling", bar),),
        )
        yield _Hold(
            "false_material", c.decision(), functools.partial(_held_false_material, req, refusal)
        )

    @staticmethod
    def _kind_of(uow: UnitOfWork, code: str) -> ActorKind | None:
        """The kind of user a unit or school code is (a unit's level, Art 28), or None
        for a code of neither.

        Units and schools share one code space (``add_unit`` and ``add_school``
        refuse a code the other holds); a store written before that may hold a code
        as both, and a unit's level is answered then. Callers ask it of a code known
        to be a unit's (a stage's authority); the opener of a request, whose history
        keeps the code alone, is found by :meth:`_opener_kind`."""
        unit = uow.units.get(code)
        if unit is not None:
            return ActorKind(unit.level.value)
        return ActorKind.SCHOOL if uow.schools.get(code) is not None else None

    @classmethod
    def _opener_kind(cls, uow: UnitOfWork, req: Request) -> ActorKind | None:
        """The kind of user that opened ``req`` (its history keeps the opener's code):
        :meth:`_kind_of` the code, or, for a code that a store written before units
        and schools shared one code space holds as both, the kind its opening entry
        of the change log records. Before, the unit was taken: the school that opened
        a transfer could not withdraw it, and the county of that code (of another
        city) could."""
        opener = req.history[0].actor
        if uow.units.get(opener) is None or uow.schools.get(opener) is None:
            return cls._kind_of(uow, opener)
        for entry in uow.log.entries(req.id):
            if entry.command.startswith("open_") and entry.actor_unit == opener:
                with contextlib.suppress(ValueError):
                    return ActorKind(entry.actor_kind)
        return cls._kind_of(uow, opener)  # (no opening entry found: as before)

    @staticmethod
    def _central_of(uow: UnitOfWork, code: str) -> str | None:
        """The 学区中心校 of a 分校 (Art 7), else None."""
        school = uow.schools.get(code)
        return school.central_school if school is not None else None

    def _advance(
        self,
        uow: UnitOfWork,
        actor: Actor,
        req: Request,
        event: str,
        on: _dt.date,
        note: str = "",
        late: _dt.date | None = None,
        marks: Mapping[str, str] | None = None,
        basis: str | None = None,
        altered: _RequestAltered | None = None,
    ) -> Request:
        """Fire ``event`` on the request's table; on final approval apply its effect.
        ``late``: the deadline of the stage decided, when it is decided after it (kept
        in the history step, :attr:`~xueji.model.RequestEvent.due`). ``marks``: payload
        entries the step writes, logged in its entry's ``after`` too (a refusal on
        false material, :data:`_FALSE_MATERIAL`); ``basis``: the entry's article, where
        not the table's (that refusal's is Art 25, not Art 21's chain). The entry holds
        the step's note (Arts 21, 26, 31: why a unit refused or agreed; masked as the
        log masks free text) and the request's digest (:func:`_request_written`).
        ``altered``: the request was found changed outside the registry (a refusal or
        withdrawal goes ahead: :meth:`_decide_in`), and the entry is marked
        (:data:`ALTERED_SINCE`, :data:`FOUND_ON`)."""
        table = REQUEST_TABLES[req.kind]
        row = table.fire(req.state, event)
        policy = self.policy(on)
        student = self._get_student(uow, req.student)
        still_open = row.target.is_open
        payload = {**req.payload, **marks} if marks else req.payload
        if row.target is R.APPROVED and req.kind is RequestKind.DROPOUT:
            # Art 27(3): the school, grade and 户籍 of the dropout, kept for the term's
            # summary (the record moves on if the child comes back and transfers)
            payload = {**payload, **change_rules.dropout_record(student)}
        new = attrs.evolve(
            req,
            state=row.target,
            payload=payload,
            stage_since=on if still_open else req.stage_since,
            deadline=(
                self._stage_deadline(req.kind, on, policy, student) if still_open else req.deadline
            ),
            history=(
                *req.history,
                RequestEvent(on, actor.unit, event, req.state, row.target, note, due=late),
            ),
            version=req.version + 1,
        )
        if row.target is R.APPROVED:
            _check_completes(req, student)  # before any write: refused, nothing is half-done
        uow.requests.update(new)
        if basis is None:
            basis = (
                note
                if event == "approve_by_default"
                else str(policy.cite(req.kind.value, event, row.article))
            )
        after: dict[str, object] = {"state": new.state.value, **(marks or {})}
        if note and event != "approve_by_default":  # (the sweep's note is the basis)
            after["note"] = note  # why (a refusal's reason): free text, masked as logged
        if altered is not None:  # a refusal or withdrawal of a request changed by hand
            after[ALTERED_SINCE], after[FOUND_ON] = altered.seq, self.today()
        self._log(
            uow,
            actor,
            on,
            f"{event}_{req.kind.value}",
            req.id,
            {"state": req.state.value},
            {**after, **_request_written(new)},
            basis,
        )
        if row.target is R.APPROVED:
            self._apply_approved(uow, actor, new, on)
        elif row.target in (R.REJECTED, R.WITHDRAWN):
            self._apply_ended(uow, actor, new, on)
        return new

    def _apply_approved(self, uow: UnitOfWork, actor: Actor, req: Request, on: _dt.date) -> None:
        # (the student events fired here are those of _COMPLETES, checked beforehand)
        s = self._get_student(uow, req.student)
        _release_held_seat(uow, req, s)
        k = req.kind
        if k is RequestKind.NEW_STUDENT:
            self._write_student(uow, actor, on, s, "approve", "register", {})
        elif k in (RequestKind.CROSS_PROVINCE_IN, RequestKind.CROSS_BORDER_IN):
            # the entry cites the request's article (Art 22 or 23, as the profile cites
            # the request), not the student table's row: its "approve" is the new
            # student's review (Art 15), its "return" the article of where the student
            # had gone (a student gone to another province coming back from abroad)
            table = REQUEST_TABLES[k]
            basis = str(self.policy(on).cite(k.value, "approve", table.rows[0].article))
            if s.status is St.PENDING_REVIEW:
                self._write_student(uow, actor, on, s, "approve", "transfer_in", {}, basis)
            else:  # a student who left earlier comes back: the record continues (Arts 22-23)
                assert req.to_school is not None
                assert req.to_class is not None
                changes: dict[str, Any] = {"school": req.to_school, "class_id": req.to_class}
                if "grade" in req.payload and "stage" in req.payload:  # (filed since 0.1)
                    changes["grade"] = int(req.payload["grade"])
                    changes["stage"] = Stage(req.payload["stage"])
                self._write_student(uow, actor, on, s, "return", "transfer_in", changes, basis)
        elif k is RequestKind.TRANSFER:
            assert req.to_school is not None
            assert req.to_class is not None
            s = self._catch_up(uow, actor, req, on, own_class=False)
            to = self._get_school(uow, req.to_school)
            self._write_student(
                uow,
                actor,
                on,
                s,
                "transfer",
                "transfer",
                {"school": to.code, "class_id": req.to_class},
            )
        elif k is RequestKind.CROSS_PROVINCE_OUT:
            self._write_student(uow, actor, on, s, "transfer_out_of_province", "transfer_out", {})
        elif k is RequestKind.CROSS_BORDER_OUT:
            self._write_student(uow, actor, on, s, "transfer_abroad", "transfer_abroad", {})
        elif k is RequestKind.SUSPENSION:
            self._write_student(uow, actor, on, s, "suspend", "suspend", {})
        elif k is RequestKind.RESUMPTION:
            changes = {"class_id": req.to_class} if req.to_class else {}
            self._write_student(uow, actor, on, s, "resume", "resume", changes)
        elif k is RequestKind.DROPOUT:
            self._write_student(uow, actor, on, s, "drop_out", "drop_out", {})
        elif k is RequestKind.GRADUATION:
            event = _completion_event(req) or "graduate"
            self._write_student(uow, actor, on, s, event, event, {})
        elif k is RequestKind.CORRECTION:
            self._apply_correction(uow, actor, s, req, on)

    def _apply_ended(self, uow: UnitOfWork, actor: Actor, req: Request, on: _dt.date) -> None:
        s = self._get_student(uow, req.student)
        _release_held_seat(uow, req, s)
        if req.kind is RequestKind.NEW_STUDENT and s.status is St.PENDING_REVIEW:
            # back to the school to correct (Art 15): a record on its first entry is
            # unlocked, its key fields edited and submitted again (before, it stayed
            # locked and a draft took no correction: nothing could fix it); a record
            # taken up again keeps the fields reported at its first entry locked, and
            # is corrected by a request (Art 29)
            unlock = {"submitted": False} if _first_entry(s) else {}
            self._write_student(uow, actor, on, s, "reject", "review_rejected", unlock)
        elif req.kind in (RequestKind.CROSS_PROVINCE_IN, RequestKind.CROSS_BORDER_IN) and (
            s.status is St.PENDING_REVIEW
        ):
            self._write_student(uow, actor, on, s, "void", "transfer_in_rejected", {})
        elif req.kind in _TRANSFER_KINDS:
            # a student held at a rollover while it was open goes up now, in the class
            # they stay in (Art 18(2))
            self._catch_up(uow, actor, req, on, own_class=True)

    def _caught_up_grade(self, s: Student, years: Sequence[int], on: _dt.date) -> int:
        """The grade ``s`` is in once their transfer ends: moved up by each rollover that
        held them for it (``years``: :meth:`_years_held`, under
        ``rollover_open_transfers = "hold"``), never past their stage's final grade
        (Art 18(2)); else their grade. A student coming in from another province or
        from abroad is never held for it (their record stays in the grade the transfer
        in was filed in, Arts 16 and 18; a mark written by a version before this fix is
        not read)."""
        if not years or STUDENT.get(s.status, "promote") is None:
            return s.grade
        final = final_grade(s.stage, self.policy(on).school_system.value)
        return max(s.grade, min(s.grade + len(years), final))

    def _years_held(self, uow: UnitOfWork, req: Request, on: _dt.date) -> tuple[int, ...]:
        """The school years of the rollovers that held ``req``'s student for it: those
        marked on the request (:data:`_HELD_AT`) and those of a version before the
        marking that name the student (:meth:`_held_before_marking`), together: a
        transfer open across an upgrade was held by one of each (found by the second
        merge review: the marked year alone left the student a year behind). None for
        a transfer in from another province or from abroad (Arts 16, 18)."""
        if req.kind in _INCOMING_KINDS:
            return ()
        return tuple(sorted({*_held_years(req), *self._held_before_marking(uow, req, on)}))

    @staticmethod
    def _held_before_marking(uow: UnitOfWork, req: Request, on: _dt.date) -> tuple[int, ...]:
        """The school years of the rollovers run while ``req`` was open that held its
        student by name but did not mark the request (:data:`_HELD_AT`): rollovers run
        by a xueji from before the marking (their entry has no ``completed`` count),
        whose entry's ``held`` list names the student. A database upgraded with such
        a transfer open moves the student up at its end, as one held since. Not a
        transfer in from another province or from abroad: the list names its record
        (not moved), but it was not held for it (Arts 16, 18)."""
        if req.kind in _INCOMING_KINDS:
            return ()
        years = []
        for year in range(req.opened_on.year, on.year + 1):
            # one subject at a time: the sweep's write-behind log answers a subject it
            # has read from its cache, where a read of many would write its batch first
            e = uow.log.last(f"year:{year}")
            if (
                e is not None
                and e.command == "rollover"
                and "completed" not in e.after
                # (an entry there ran before this decision, even one the sweep dates
                # before the rollover's day: the day after the deadline it missed)
                and req.opened_on <= e.on
                and req.student in e.after.get("held", "").split(",")
            ):
                years.append(year)
        return tuple(years)

    def _catch_up(
        self, uow: UnitOfWork, actor: Actor, req: Request, on: _dt.date, *, own_class: bool
    ) -> Student:
        """Art 18(2) for a student held in their grade at a rollover while ``req`` (a
        transfer) was open, under ``rollover_open_transfers = "hold"`` ("leaves them until
        it ends"): at its end they go up by the rollovers they missed
        (:meth:`_caught_up_grade`), with their own log entry (``promote_held``) citing
        Art 18(2). Before, they stayed a year behind for good. ``own_class``: they stay
        in their class (the transfer withdrawn or refused), which went up with their
        classmates; a class they sat in alone goes up with them now, as the rollover
        moves a class with its students. A class that holds others of the grade they
        leave stays: the student goes up all the same, and a warning to the
        ``xueji.registry`` logger names them for the school to place. Returns the
        student as written.

        The entry is dated no earlier than the last rollover that held them
        (:meth:`_held_rollover_date`): the grade is the one that rollover would have
        given them, and graduation's window is read from the date they came into it
        (Art 18). Found by the merge review: a default approval the sweep dates the
        day after a deadline that fell before the rollover (Art 24) dated the move up
        before it, and a final-grade student graduating on time a year later was
        flagged late. The log's order is its sequence, not its dates (the sweep's
        entries already follow a rollover dated after them)."""
        s = self._get_student(uow, req.student)
        years = self._years_held(uow, req, on)  # (read once: each year is a log read)
        grade = self._caught_up_grade(s, years, on)
        if grade == s.grade:
            return s
        when = max(on, self._held_rollover_date(uow, years) or on)
        if own_class:
            goes_up, placed = self._back_in_own_class(uow, s, grade, on, years)
            if goes_up is not None:
                uow.classes.update(goes_up)
            elif not placed.allowed:
                _LOG.warning(
                    "学生 %s 升入 %s 年级，回到其班级 %s：%s（第十八条第二款，第十六条）/ "
                    "student %s moved up to grade %s, back in their class %s: %s "
                    "(Art 18(2), Art 16)",
                    s.id,
                    grade,
                    s.class_id,
                    ", ".join(placed.codes),
                    s.id,
                    grade,
                    s.class_id,
                    ", ".join(placed.codes),
                )
        # the basis is the parameter that held them, as the rollover cites its own
        policy = self.policy(on)
        basis = policy.as_cited(policy.rollover_open_transfers.article)
        return self._write_student(
            uow, actor, when, s, "promote", "promote_held", {"grade": grade}, basis=str(basis)
        )

    def _back_in_own_class(
        self, uow: UnitOfWork, s: Student, grade: int, on: _dt.date, years: Sequence[int]
    ) -> tuple[SchoolClass | None, Decision]:
        """Art 16 for a held student ``s`` moved up to ``grade`` in their own class at the
        end of their transfer (withdrawn or refused: :meth:`_catch_up`): the class, gone
        up a grade, if it held no one else and goes up with them (as a rollover moves a
        class with its students), else ``None``; and :func:`~xueji.rules.enrolment.\
check_class` of their place in it. An end cannot be refused, so a failing check
        (a class of another grade; one filled to its cap since the rollover, their seat
        not counted while they were a grade below, found by the merge review) does not
        stop the move: it is a warning of the decision that ended the transfer, for the
        school to place them."""
        klass = uow.classes.get(s.class_id)
        if klass is None:
            return None, Decision.allow()
        others = uow.students.count_in_class(klass.id, klass.grade) - (
            1 if klass.grade == s.grade and s.status in SEATED else 0
        )
        if klass.grade < grade and others and others == self._held_mates(uow, s, klass, on, years):
            others = 0  # every other pupil of its grade is held too, and moves up in turn
        if klass.grade != grade and klass.grade < grade and others == 0:
            return attrs.evolve(klass, grade=grade), Decision.allow()
        placed = enrolment.check_class(
            klass, school=s.school, grade=grade, stage=s.stage, size=others, policy=self.policy(on)
        )
        return None, placed

    def _held_mates(
        self, uow: UnitOfWork, s: Student, klass: SchoolClass, on: _dt.date, years: Sequence[int]
    ) -> int:
        """How many of ``klass``'s seated pupils of its grade, ``s`` apart, are held at a
        rollover for an open transfer of their own (each moves up when it ends, Art
        18(2)): a class left at its grade by held pupils alone goes up with the first
        of them to come back (the rest follow, or leave), whatever the order their
        transfers end in. Before, the first back counted the others and the class
        stayed a grade below for good if they then left (found by the concurrency
        review). The pupils who kept the class at its grade were held at the
        rollovers that held ``s`` (``years``): their entries name them (``held``), a
        few records, not the school's."""
        named: set[str] = set()
        for year in years:
            e = uow.log.last(f"year:{year}")
            if e is not None and e.command == "rollover":
                named.update(x for x in e.after.get("held", "").split(",") if x)
        named.discard(s.id)
        held = 0
        for x in uow.students.get_many(named).values():
            if x.class_id != klass.id or x.grade != klass.grade or x.status not in SEATED:
                continue
            if any(
                r.kind in _TRANSFER_KINDS and self._years_held(uow, r, on)
                for r in uow.requests.open_for_student(x.id)
            ):
                held += 1
        return held

    def _ended_placement(self, uow: UnitOfWork, req: Request, on: _dt.date) -> Decision:
        """What :meth:`_catch_up` will find of the class a held student stays in when
        ``req`` (a transfer) is withdrawn or refused (:meth:`_back_in_own_class`),
        read before the end is written: its failures become the decision's warnings
        (Art 16; the move up, Art 18(2), is made all the same)."""
        if req.kind not in _TRANSFER_KINDS:
            return Decision.allow()
        s = self._get_student(uow, req.student)
        if req.kind in _INCOMING_KINDS and s.status is St.PENDING_REVIEW:
            return Decision.allow()  # (voided: not moved)
        years = self._years_held(uow, req, on)
        grade = self._caught_up_grade(s, years, on)
        if grade == s.grade:
            return Decision.allow()
        return self._back_in_own_class(uow, s, grade, on, years)[1]

    @staticmethod
    def _held_rollover_date(uow: UnitOfWork, years: Sequence[int]) -> _dt.date | None:
        """The date of the last rollover of ``years`` (those that held a student for
        their transfer: :meth:`_years_held`; its entry's date, the rollover's own,
        Art 18), or ``None`` where none did or its entry is not there to say."""
        if not years:
            return None
        e = uow.log.last(f"year:{max(years)}")
        return e.on if e is not None and e.command == "rollover" else None

    @staticmethod
    def _mark_held(
        uow: UnitOfWork,
        plan: graduation.RolloverPlan,
        transfers: Sequence[Request],
        entered_after: Collection[str],
        year: int,
    ) -> list[tuple[Student, Request]]:
        """Under ``rollover_open_transfers = "hold"``: each open transfer whose student
        the rollover of ``year`` holds (one it would move up otherwise, not one that
        entered after its date, nor a record coming in from another province or from
        abroad, which stays in the grade it was filed in whatever the policy, Arts 16
        and 18: before, its transfer in was marked, and its class check at approval
        expected a grade its approval never gave it) records the year (:data:`_HELD_AT`), for its end to
        move the student up (:meth:`_catch_up`). ``transfers``: those open on the
        rollover's date (filed by then, open still); one filed after it, on a late run,
        holds no one, as run on its date (found by the review: it was marked and its
        student held). A few requests, read with their students in one query. Returns
        the students held, each with its transfer."""
        if not transfers:
            return []
        marked: list[tuple[Student, Request]] = []
        students = uow.students.get_many({r.student for r in transfers})
        for r in transfers:
            s = students.get(r.student)
            years = _held_years(r)
            if (
                r.kind in _INCOMING_KINDS  # stays in the grade it was filed in (Arts 16, 18)
                or s is None
                or s.id in entered_after
                or not plan.moves_up(s)
                or year in years
            ):
                continue
            held = ",".join(str(y) for y in sorted({*years, year}))
            new = attrs.evolve(r, payload={**r.payload, _HELD_AT: held}, version=r.version + 1)
            uow.requests.update(new)
            marked.append((s, new))
        return marked

    def _apply_correction(
        self, uow: UnitOfWork, actor: Actor, s: Student, req: Request, on: _dt.date
    ) -> None:
        changes = _decode_changes(req.payload)
        if changes.get("id_number") and s.numbers is not None:
            # a first identity number links a G number (Art 13); a corrected one
            # re-issues it from the corrected number and voids the wrong one (Art 29)
            changes["numbers"] = _numbers.correct_resident_id(s.numbers, changes["id_number"], on)
        numbers = _guardian_in_step(changes.get("numbers", s.numbers), changes)
        if numbers is not changes.get("numbers", s.numbers):
            changes["numbers"] = numbers
        # the entry names the request it applies (whose opening entry holds what was filed)
        self._write_student(
            uow, actor, on, s, "correct", "correct", changes, logged={"request": req.id}
        )

    def _sweep_request(
        self,
        uow: UnitOfWork,
        req: Request,
        today: _dt.date,
        put_off: list[Request] | None = None,
        *,
        runner: Actor = _SYSTEM,
        passed: list[Request] | None = None,
    ) -> Request:
        """Apply default approvals that fell due before ``today`` (Art 24), in order.
        A request whose default approval is put off (the next stage's deadline runs
        into a year not loaded) is appended to ``put_off``, if given. ``runner``: the
        system actor the entries are written by, named for who ran the sweep
        (:meth:`advance_clock`); ``Actor.system()`` by default. ``passed``, if given,
        receives the request as it stood at each stage approved by default, in order
        (its state and deadline then): a late decision tells each such stage's party
        that its stage passed (:meth:`_decide`)."""
        system = runner
        compared = False
        while req.is_open and req.deadline is not None and req.deadline < today:
            day = req.deadline + _dt.timedelta(days=1)
            row = REQUEST_TABLES[req.kind].get(req.state, "approve_by_default")
            if row is None:
                break
            policy = self.policy(day)
            if not approvals.check_overdue(req.deadline, today=day, policy=policy).allowed:
                break
            # what holds the approval deemed given, over Art 24 (Arts 32(三), 31, 16,
            # 25: :meth:`_default_holds_of`, the one list the explainer reads too):
            # left at its stage, nothing written, said to the logger; the Art 32
            # report lists it as overdue, and a person decides (its party refuses it,
            # its filer withdraws it), or the next sweep approves it once nothing
            # holds it, dated the day after its deadline. Compared with its last entry
            # once, before its first default approval (an entry the batch preloaded:
            # no query of its own); the holds after the first that holds are not read
            holds = self._default_holds_of(uow, req, day, policy, compare=not compared)
            compared = True
            held = next((h for h in holds if not h.decision.allowed), None)
            if held is not None:
                held.say()
                break
            note = default_approval_note(policy)
            try:
                before = req
                req = self._advance(uow, system, req, "approve_by_default", day, note)
                if passed is not None:
                    passed.append(before)
            except CannotComplete:
                # the student's record no longer allows the change (another change took
                # effect first): left open, nothing written, for a person to decide
                # (reject or withdraw); the Art 32 report lists it as overdue. Before,
                # the error stopped the sweep, and every other default approval with it.
                break
            except CalendarNotCovered as e:
                # the next stage's deadline runs into a year whose holiday schedule is
                # not loaded (each December, until the State Council publishes it):
                # this request stays at its stage, nothing written, and the next sweep
                # after the schedule is loaded approves it, dated the day after its
                # deadline. Before, the error rolled back the whole sweep, and every
                # other overdue request in the province waited too.
                _LOG.warning(
                    "默认审批暂缓：请求 %s 的下一阶段期限落入 %s 年，该年节假日安排未载入 / "
                    "default approval put off: request %s's next deadline falls in %s, "
                    "whose holiday schedule is not loaded",
                    req.id,
                    e.year,
                    req.id,
                    e.year,
                )
                if put_off is not None:
                    put_off.append(req)
                break
        return req

    # -- setup (Art 6) -------------------------------------------------------------------

    @_retried
    def add_unit(self, actor: Actor, unit: Unit) -> Outcome:
        """Create an education authority (Art 6: by the province's administrator)."""
        _check_tree_kind(actor, unit, Unit, "单位", "the unit")
        _check_key("单位代码", "unit code", unit.code)
        _check_tree_record(unit)
        on = self.today()
        with self.store.unit_of_work() as uow:
            self._authorize(uow, actor, "add_unit")
            parent = uow.units.get(unit.parent) if unit.parent is not None else None
            if unit.parent is not None and parent is None:
                raise NotFound(
                    "not_found.unit", f"上级单位 {unit.parent} 不存在", f"no unit {unit.parent}"
                )
            _check_tree_shape(uow, actor, unit, parent)
            _check_code_free(uow, unit.code, "unit")
            uow.units.add(unit)
            basis = self._basis(on, "add_unit", anhui(6))
            self._log(uow, actor, on, "add_unit", unit.code, {}, {"name": unit.name}, basis)
        return Outcome(Decision.allow())

    @_retried
    def add_school(self, actor: Actor, school: School) -> Outcome:
        """Create a school under its supervising unit (Art 6; branches under a 学区中心校, Art 7).

        Refused (:func:`xueji.rules.tree.check_school_place`): a 学籍主管单位 of a level
        the profile's ``school_authority_levels`` does not name (Art 28: Anhui's, a
        city or a county; under the province-level unit nobody could approve the
        school's requests), ``school.authority_level``; a 学区中心校 under another
        学籍主管单位 than the branch's (Art 7: a 学区 is within a county),
        ``school.central_elsewhere``. A code that a unit holds is
        :class:`~xueji.errors.DuplicateKey` (units and schools share one code space).
        A region code no longer in use on the day (a county renamed or merged) is
        ``school.region_retired``, naming the years it was in use: the school's J and L
        numbers are built on it, valid only for a child born while it is in use (Art
        13), so every enrolment of a child with no ID number would have failed."""
        _check_tree_kind(actor, school, School, "学校", "the school")
        _check_key("学校代码", "school code", school.code)
        _check_tree_record(school)
        on = self.today()
        _check_region_in_use(school.region, on)
        with self.store.unit_of_work() as uow:
            self._authorize(uow, actor, "add_school")
            authority = uow.units.get(school.authority)
            if authority is None:
                raise NotFound(
                    "not_found.unit",
                    f"主管单位 {school.authority} 不存在",
                    f"no unit {school.authority}",
                )
            _check_code_free(uow, school.code, "school")
            central = None
            if school.central_school is not None:
                central = self._get_school(uow, school.central_school)
                if not central.is_central:
                    raise _bad_input(
                        f"{central.code} 不是学区中心校", f"{central.code} is not a central school"
                    )
            placed = tree.check_school_place(
                school, authority=authority, central=central, policy=self._tree_policy(on)
            )
            if not placed.allowed:
                return Outcome(placed)
            uow.schools.add(school)
            basis = self._basis(on, "add_school", anhui(6))
            self._log(uow, actor, on, "add_school", school.code, {}, {"name": school.name}, basis)
        return Outcome(Decision.allow())

    @_retried
    def add_class(self, actor: Actor, klass: SchoolClass) -> Outcome:
        """Create a class (Art 10). A virtual class is refused (Art 16)."""
        _check_tree_kind(actor, klass, SchoolClass, "班级", "the class")
        _check_key("班级代码", "class id", klass.id)
        _check_tree_record(klass)
        on = self.today()
        with self.store.unit_of_work() as uow:
            self._authorize(uow, actor, "add_class", school=klass.school)
            if klass.virtual:
                return Outcome(Decision.refuse(violation("class.virtual", class_id=klass.id)))
            uow.classes.add(klass)
            basis = self._basis(on, "add_class", anhui(10))
            self._log(uow, actor, on, "add_class", klass.id, {}, {"name": klass.name}, basis)
        return Outcome(Decision.allow())

    # -- enrolment (Arts 12-16) -------------------------------------------------------------

    @_retried
    @_idempotent
    def enroll(
        self,
        actor: Actor,
        *,
        school: str,
        class_id: str,
        grade: int,
        name: str,
        sex: str,
        birth_date: _dt.date,
        hukou_region: str,
        id_number: str | None = None,
        guardian_id: str | None = None,
        photo: Photo | None = None,
        migrant: bool = False,
        special_needs: bool = False,
        entry_date: _dt.date | None = None,
        stage: Stage | None = None,
        consent: Consent | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Enter a new student (Art 12) as a draft; the 学籍号 and 地区学号 are assigned.

        Checks: age (Art 14), one registry per person (Art 14; a graduate of the
        previous stage continues the same record, Art 12), photo for initial grades
        (Art 12), the class (Art 16), and sex and birth date against the ID (Art 29).

        A dropout whose registry was not kept (senior high, Art 27(2)) is enrolled
        again on the same record and 学籍号 (Art 13), into a grade of the profile's
        ``dropout_reentry_grades`` (``dropout.reentry_grade``), logged as
        ``enroll_after_dropout``; a dropout whose registry was kept (the compulsory
        grades) is refused (``dropout.registry_kept``): it comes back by
        :meth:`return_from_dropout`, unless enrolled into the entry grade of the next
        stage, which continues the record kept as a graduate's is continued (the
        profile's ``dropout_continues_next_stage``, Arts 12, 27(2)). Once the kept
        registry has lapsed (``dropout_registry_kept``) the record is re-entered as a
        senior dropout's (``dropout_reentry_grades``).

        A record taken up again (either way) keeps the key fields of its first entry
        (Art 29); those given otherwise are not applied and are warned
        (``enrolment.key_fields_kept``, its ``use`` the correction).
        """
        on = self.today()
        policy = self.policy(on)
        e = _Enrolment.of(
            on,
            _intake(on, policy),
            policy.school_system.value,
            school=school,
            class_id=class_id,
            grade=grade,
            name=name,
            sex=sex,
            birth_date=birth_date,
            hukou_region=hukou_region,
            id_number=id_number,
            guardian_id=guardian_id,
            photo=photo,
            migrant=migrant,
            special_needs=special_needs,
            entry_date=entry_date,
            stage=stage,
            consent=consent,
        )
        with self.store.unit_of_work() as uow:
            self._authorize(uow, actor, "enroll", school=school)
            sch = self._get_school(uow, school)
            klass = self._get_class(uow, class_id)
            if e.id_number is None and e.guardian_id is None:
                return Outcome(Decision.refuse(violation("enrolment.no_identifier")))
            existing = _same_person(uow, e.id_number, e.guardian_id, name, birth_date)
            size = self._seated(uow, klass, policy)
            lapsed = self._lapsed(uow, existing, on, policy)
            decision = self._enrol_decision(
                policy, on, e, sch, klass, existing, size, lapsed=lapsed
            )
            dropped = (
                change_rules.reentering(existing, policy, grade=e.grade, lapsed=lapsed)
                if decision.allowed
                else None
            )
            if dropped is not None:
                # the record taken up again waits for any request still open on it
                # (a key-field correction filed while it was a dropout, which a draft
                # could no longer take): one change at a time (Art 19)
                decision = Decision.combine(
                    decision,
                    change_rules.check_no_other_open(
                        dropped,
                        RequestKind.NEW_STUDENT,
                        uow.requests.open_for_student(dropped.id),
                        blocking=frozenset(RequestKind),
                    ),
                )
            if not decision.allowed:
                return Outcome(decision)
            previous = [s for s in existing if s.status in (St.GRADUATED, St.COMPLETED)]
            regional = _numbers.issue_regional_number(
                policy, uow.allocator, region=sch.region, year=e.entry.year, stage=e.stage
            )
            taken_up = dropped if dropped is not None else None
            if taken_up is None and previous and e.continuing(policy):
                taken_up = previous[-1]
            if taken_up is not None:
                # the key fields reported at its first entry are kept (Art 29): those
                # given otherwise are said, not dropped in silence (key-fields review)
                decision = Decision.combine(
                    decision, corrections.check_key_fields_kept(taken_up, e.person(), policy)
                )
            if dropped is not None:
                return Outcome(
                    decision,
                    self._reenrol(
                        uow,
                        actor,
                        (on, e.entry),
                        dropped,
                        (sch, klass, e.grade, e.stage),
                        regional,
                        photo,
                    ),
                )
            if previous and e.continuing(policy):
                return Outcome(
                    decision,
                    self._continue(
                        uow,
                        actor,
                        (on, e.entry),
                        previous[-1],
                        sch,
                        klass,
                        e.grade,
                        e.stage,
                        regional,
                        photo,
                    ),
                )
            record = _numbers.new_record(
                on,
                id_number=e.id_number,
                guardian_id=e.guardian_id,
                area=sch.region,
                birth_date=birth_date,
                sex=e.sex,
                allocator=uow.allocator,
                validated=True,  # by _Enrolment.of
                held=_held(uow),
            )
            student = self._new_student(
                uow.allocator,
                place=(sch, klass, e.grade, e.stage),
                status=St.DRAFT,
                entry=e.entry,
                record=record,
                regional=regional,
                person=e.person(),
            )
            uow.students.add(student)
            basis = self._basis(on, "enroll", _ART12)
            self._log(uow, actor, on, "enroll", student.id, {}, _record_after(student), basis)
        return Outcome(decision, student)

    def enroll_many(
        self,
        actor: Actor,
        rows: Iterable[Mapping[str, Any]],
        *,
        all_or_nothing: bool = True,
    ) -> BulkOutcome:
        """Enrol many students in one unit of work (a bulk import, Art 12).

        Each row holds the keyword arguments of :meth:`enroll` and is decided by the
        same rules. With ``all_or_nothing`` one refused row leaves the store as it was;
        otherwise the good rows are written and the refused ones reported. A row whose
        input cannot be understood (a bad ID number, an unknown field) is refused with
        the error's code, never dropped.

        Rows are read as a stream, :data:`BULK_CHUNK` at a time, and each chunk is
        written behind: its schools, classes, existing records and class sizes are read
        with one query each, its numbers reserved with one statement per sequence, and
        its records and change-log entries stored with one ``executemany`` each. Rows
        that need the store's answer about an earlier row (the same ID number twice, a
        graduate continuing into the next stage, a student known only by a guardian's
        ID, a row giving an ID number whose guardian's child of the same name and
        birth date has a record without one, an idempotency key) are decided one by
        one by :meth:`enroll` in their
        place, the rows before them written first, so a class's last seat or an
        identity number goes to the earlier row, as when each row is enrolled in turn
        (before, such rows were decided after the rest of their chunk).

        ``warned`` lists the rows applied with warnings; a row found again by its
        idempotency key is not among them (the repeat changes nothing and warns of
        nothing, as :meth:`enroll` says of it).

        A failure of the store (:data:`_STORE_FAILURES`: a race lost to another
        writer, a database that fails, a record that cannot be read) under any row is
        raised in either mode, the whole unit rolled back: it is no fault of the row,
        and the command is not run again here (its rows may be a stream read once),
        so the caller runs it again.
        """
        _check_actor(actor)
        if isinstance(rows, (str, bytes, Mapping)) or not isinstance(rows, Iterable):
            shown = _short(rows)
            raise _bad_input(
                f"rows 应为若干行（每行一个映射）的可迭代对象：{shown}",
                f"rows must be an iterable of rows (a mapping each), not {shown}",
            )
        on = self.today()
        policy = self.policy(on)
        applied: dict[int, Student] = {}
        refused: dict[int, Decision] = {}
        warned: dict[int, Decision] = {}
        repeated: list[int] = []
        numbered = enumerate(rows)
        memo = self._rule_memo(policy, on)  # one policy, one date: see _enrol_decision
        try:
            with _gc_paused(), self.store.unit_of_work() as uow:
                while chunk := list(itertools.islice(numbered, BULK_CHUNK)):
                    self._enroll_chunk(
                        uow, actor, on, policy, chunk, (applied, refused, warned, repeated), memo
                    )
                if all_or_nothing and refused:
                    raise _RollBack
        except _RollBack:
            return self._cited(BulkOutcome((), tuple(sorted(refused.items())), False), on)
        return self._cited(
            BulkOutcome(
                tuple(applied[i] for i in sorted(applied)),
                tuple(sorted(refused.items())),
                True,
                tuple(sorted(warned.items())),
                tuple(sorted(repeated)),
            ),
            on,
        )

    def _enroll_chunk(
        self,
        uow: UnitOfWork,
        actor: Actor,
        on: _dt.date,
        policy: Policy,
        chunk: Sequence[tuple[int, Mapping[str, Any]]],
        into: _BulkInto,
        memo: dict[tuple[Any, ...], Decision],
    ) -> None:
        """Decide and write one chunk of :meth:`enroll_many` (see there): the rows'
        outcomes go to ``into`` (applied, refused, warned, repeated)."""
        _, refused, warned, _ = into
        parsed: list[tuple[int, Mapping[str, Any], _Enrolment | None]] = []
        intake = _intake(on, policy)  # (the autumn intake), once for the chunk
        system = policy.school_system.value
        for i, row in chunk:
            try:
                parsed.append((i, row, _Enrolment.of(on, intake, system, **row)))
            except _STORE_FAILURES:
                raise  # the store's, not the row's (:data:`_STORE_FAILURES`)
            except (TypeError, XuejiError) as err:
                if isinstance(row, Mapping) and row.get("idempotency_key") is not None:
                    # enroll answers a key it has seen before it reads the row (a key
                    # reused with other arguments: idempotency.mismatch), so a keyed
                    # row is decided by it, in its place, whatever its input
                    parsed.append((i, row, None))
                else:
                    refused[i] = _row_refusal(err)
        batched = [e for _, _, e in parsed if e is not None and not _alone(e)]
        schools = uow.schools.get_many({e.school for e in batched})
        for code in sorted(schools):
            self._authorize(uow, actor, "enroll_many", school=code)
        classes = uow.classes.get_many({e.class_id for e in batched})
        existing = uow.students.by_id_numbers({e.id_number for e in batched if e.id_number})
        sizes = uow.students.count_in_classes({k: c.grade for k, c in classes.items()})
        holds = _holds_seats(uow, policy)  # (a seat kept whatever profile is in force)
        if holds:  # (one read for the batch)
            held = _held_seats(uow)
            sizes = {k: n + held[k] for k, n in sizes.items()}
        fresh: list[tuple[int, _Enrolment, School, SchoolClass]] = []
        seen: set[str] = set()
        for i, row, e in parsed:
            if (
                e is None
                or _alone(e)
                or e.id_number in existing
                or e.id_number in seen
                or (e.guardian_id is not None and _unlinked_child(uow, e))
            ):
                # decided one by one against the store, in its place: the rows before
                # it are written first (a seat or an identity number goes to the
                # earlier row, as when each row is enrolled in turn)
                self._write_fresh(uow, actor, on, policy, fresh, into, sizes)
                fresh = []
                student = self._enrol_alone(uow, actor, i, row, into)
                if student is not None and student.id_number:
                    seen.add(student.id_number)
                if student is not None and student.class_id in sizes:
                    placed = classes[student.class_id]
                    sizes[placed.id] = self._seated(uow, placed, policy, holds)
                continue
            assert e.id_number is not None  # (not _alone)
            sch, klass = schools.get(e.school), classes.get(e.class_id)
            if sch is None or klass is None:
                refused[i] = _input_refusal(
                    _no_school(e.school)
                    if sch is None
                    else NotFound(
                        "not_found.class", f"班级 {e.class_id} 不存在", f"no class {e.class_id}"
                    )
                )
                continue
            size = sizes[klass.id]
            decision = self._enrol_quick(policy, on, e, sch, klass, size, memo)
            if decision is None:
                decision = self._enrol_decision(policy, on, e, sch, klass, [], size, memo)
                if not decision.allowed:
                    refused[i] = decision
                    continue
            if decision.warnings:
                warned[i] = decision
            sizes[klass.id] += 1
            seen.add(e.id_number)
            fresh.append((i, e, sch, klass))
        self._write_fresh(uow, actor, on, policy, fresh, into, sizes)

    def _enrol_alone(
        self,
        uow: UnitOfWork,
        actor: Actor,
        i: int,
        row: Mapping[str, Any],
        into: _BulkInto,
    ) -> Student | None:
        """Row ``i`` of :meth:`enroll_many` enrolled by :meth:`enroll` (in the bulk
        command's unit of work, ``uow``); its outcome goes to ``into``. Returns the
        record written (or found again by its idempotency key), else None.

        A school the actor may not enrol in stops the whole command, as it does for
        any row; a school that does not exist is the row's own refusal
        (``not_found.school``), as for a row decided with the others (``enroll``
        says :class:`~xueji.errors.AccessDenied` for it: no one is inside a school
        that does not exist)."""
        applied, refused, warned, repeated = into
        try:
            out = self.enroll(actor, **row)
        except AccessDenied:
            code = row.get("school")
            if isinstance(code, str) and uow.schools.get(code) is None:
                refused[i] = _input_refusal(_no_school(code))
                return None
            raise
        except _STORE_FAILURES:
            raise  # the store's, not the row's: the whole unit rolls back
        except (TypeError, XuejiError) as err:
            refused[i] = _row_refusal(err)
            return None
        if out.allowed and out.student is not None:
            applied[i] = out.student
            if out.decision.warnings:
                warned[i] = out.decision
            return out.student
        if out.allowed:  # a repeat whose record the actor may not read now
            repeated.append(i)
            return None
        refused[i] = out.decision
        return None

    def _write_fresh(
        self,
        uow: UnitOfWork,
        actor: Actor,
        on: _dt.date,
        policy: Policy,
        fresh: Sequence[tuple[int, _Enrolment, School, SchoolClass]],
        into: _BulkInto,
        sizes: dict[str, int],
    ) -> None:
        """Number and store new records (each decided already) as one batch.

        A row its regional sequence has no number left for (``number.exhausted``) is
        refused, as a row decided alone by :meth:`enroll` is (before, it raised out
        of the whole import, in partial mode too), and gives its seat back
        (``sizes``); the records' ids are reserved for the rows numbered only, so the
        records written are those of enrolling the rows in turn."""
        if not fresh:
            return
        applied, refused, warned, _ = into
        sequences = collections.Counter(
            (sch.region, e.entry.year, e.stage) for _, e, sch, _ in fresh
        )
        regionals = _Reserved(
            uow.allocator, {_numbers.regional_key(*k): n for k, n in sequences.items()}
        )
        numbered: list[tuple[int, _Enrolment, School, SchoolClass, str]] = []
        for i, e, sch, klass in fresh:
            try:
                regional = _numbers.issue_regional_number(
                    policy, regionals, region=sch.region, year=e.entry.year, stage=e.stage
                )
            except NumberSpaceExhausted as err:
                refused[i] = _input_refusal(err)
                warned.pop(i, None)
                sizes[klass.id] -= 1
                continue
            numbered.append((i, e, sch, klass, regional))
        if not numbered:
            return
        block = _Reserved(uow.allocator, {"id:S": len(numbered)})
        students, entries = [], []
        previous = uow.log.last()
        basis = self._basis(on, "enroll", _ART12)
        spec, kind, unit = policy.id_mask.value, actor.kind.value, actor.unit
        name = _logged_name(actor, spec)
        for i, e, sch, klass, regional in numbered:
            record = _numbers.new_record(on, id_number=e.id_number, validated=True)  # by .of
            student = self._new_student(
                block,
                place=(sch, klass, e.grade, e.stage),
                status=St.DRAFT,
                entry=e.entry,
                record=record,
                regional=regional,
                person=e.person(),
            )
            previous = audit.make_entry(  # what _entry makes, its values written out
                (previous.seq if previous else 0) + 1,
                on,
                kind,
                unit,
                "enroll",
                student.id,
                {},
                _new_record_fields(student, spec),
                basis,
                name,
                previous,
                None,
            )
            students.append(student)
            entries.append(previous)
            applied[i] = student
        uow.students.add_many(students)
        uow.log.append_many(entries)

    def _enrol_decision(
        self,
        policy: Policy,
        on: _dt.date,
        e: _Enrolment,
        sch: School,
        klass: SchoolClass,
        existing: Sequence[Student],
        size: int,
        memo: dict[tuple[Any, ...], Decision] | None = None,
        *,
        lapsed: Collection[str] = frozenset(),
    ) -> Decision:
        """Every check of a new enrolment, on facts already read: one registry per person
        (Art 14), age (Art 14), sex and birth date against the ID (Art 29), the school's
        stage (Art 2), the class and its size (Art 16), the photo (Art 12), the entry
        deadline (Art 12) and the guardian's consent (PIPL Art 31).

        ``memo`` (a bulk command passes :meth:`_rule_memo`'s dict for all its rows,
        under one policy on one date) keeps the decisions of the rules whose facts
        repeat from row to row (the entry date, the school's stage, the photo, the
        birth date, no existing record): the rules are pure functions of their facts,
        policy and date, so a repeated call would give an equal decision; a thousand
        rows share a few dozen. Each key holds every fact its rule reads, since the
        memo is kept from one command to the next.
        """
        m: dict[tuple[Any, ...], Decision] = {} if memo is None else memo
        duplicate, photo, deadline, consent = self._row_facts_decisions(
            policy, on, e, existing, m, lapsed
        )
        dropped = (
            change_rules.reentering(existing, policy, grade=e.grade, lapsed=lapsed)
            if existing
            else None
        )
        return Decision.combine(
            duplicate,
            # a dropout whose registry was not kept (or no longer is), enrolled again
            # (Art 27(2)); a kept one continued into the next stage was decided by the
            # duplicate check (its grade: the next stage's entry)
            change_rules.check_reenrolment(dropped, grade=e.grade, policy=policy)
            if dropped is not None
            and not change_rules.keeps_registry(dropped, policy, lapsed=lapsed)
            else Decision.allow(),
            *self._admission(
                policy,
                on,
                e.entry,
                sch,
                klass,
                e.grade,
                e.stage,
                e.birth_date,
                e.sex,
                e.id_number,
                size,
                m,
            ),
            # a guardian's number that is the student's own, or of someone born later (Art 13)
            enrolment.check_guardian_id(
                e.guardian_id, id_number=e.id_number, birth_date=e.birth_date
            ),
            # a permanent residence card's number, where the profile takes it (Art 13)
            enrolment.check_foreign_ids(e.id_number, e.guardian_id, policy=policy),
            photo,
            deadline,
            consent,
        )

    @staticmethod
    def _row_facts_decisions(
        policy: Policy,
        on: _dt.date,
        e: _Enrolment,
        existing: Sequence[Student],
        m: dict[tuple[Any, ...], Decision],
        lapsed: Collection[str] = frozenset(),
    ) -> tuple[Decision, Decision, Decision, Decision]:
        """The duplicate (Art 14), photo (Art 12), entry deadline (Art 15) and consent
        (PIPL Art 31) decisions of :meth:`_enrol_decision`, kept in ``m`` (see there)."""
        continuing = e.continuing(policy)
        entry, birth = e.entry, e.birth_date
        # a get per rule, no closures: this runs once per row of a million-row import
        duplicate = None if existing else m.get(("duplicate", continuing))
        if duplicate is None:
            duplicate = enrolment.check_duplicate(
                existing,
                continuing=continuing,
                policy=policy,
                with_id=e.id_number is not None,
                grade=e.grade,
                lapsed=lapsed,
            )
            if not existing:
                m[("duplicate", continuing)] = duplicate
        photo = Registry._kept_photo(policy, e, m)
        if (deadline := m.get(("deadline", entry))) is None:
            deadline = m[("deadline", entry)] = enrolment.check_entry_deadline(
                on, entry_date=entry, policy=policy
            )
        if (consent := m.get(("consent", birth, e.consent))) is None:
            consent = m[("consent", birth, e.consent)] = privacy.check_consent(
                birth, e.consent, on=on
            )
        return duplicate, photo, deadline, consent

    def _enrol_quick(
        self,
        policy: Policy,
        on: _dt.date,
        e: _Enrolment,
        sch: School,
        klass: SchoolClass,
        size: int,
        memo: dict[tuple[Any, ...], Decision],
    ) -> Decision | None:
        """A new record with no existing one, decided without building a decision
        for the row, or None when it must be decided in full by :meth:`_enrol_decision`.

        The rules kept in ``memo`` are read from it, and the two whose facts are the
        row's own (the identity number against the sex and birth date, the class and
        its size) are asked as predicates (:func:`~xueji.rules.enrolment.id_agrees`,
        :func:`~xueji.rules.enrolment.class_admits`). When every rule allows, the answer
        is a shared allowing decision holding the warnings of the kept rules that
        warned (most often the one decision itself, shared by every row with the same
        facts): a bulk import of a million rows builds a decision only for the rows
        that break a rule, and keeps one only for those and the rows that warned.
        """
        assert e.id_number is not None
        if not enrolment.foreign_ids_taken(e.id_number, e.guardian_id, policy=policy):
            return None
        if e.guardian_id is not None and not enrolment.guardian_fits(
            e.guardian_id, id_number=e.id_number, birth_date=e.birth_date
        ):
            return None
        if not (
            enrolment.id_agrees(e.id_number, sex=e.sex, birth_date=e.birth_date)
            and enrolment.class_admits(
                klass, school=sch.code, grade=e.grade, stage=e.stage, size=size, policy=policy
            )
        ):
            return None
        # the answer of the kept rules whose facts are the person's and the entry's,
        # itself kept under those facts (one key per birth date, grade and entry date,
        # as the age and consent decisions have): the photo's and the school's stage
        # decisions, whose facts vary apart from these, are read on their own
        key = ("quick", e.grade, e.entry, e.birth_date, e.consent)
        answer = memo.get(key)
        if answer is None:
            duplicate, _, deadline, consent = self._row_facts_decisions(policy, on, e, (), memo)
            age = self._kept_age(policy, e.entry, e.birth_date, memo)
            # (in the order _enrol_decision combines them, so the warnings are too)
            answer = memo[key] = _quick_answer((duplicate, age, deadline, consent))
        photo = self._kept_photo(policy, e, memo)
        in_stage = self._kept_stage(sch, e.stage, memo)
        if answer.violations or photo.violations or photo.warnings:
            return None  # (a photo or stage rule that warns: decided in full, in order)
        if in_stage.violations or in_stage.warnings:
            return None
        return answer

    @staticmethod
    def _admission(
        policy: Policy,
        on: _dt.date,
        entry: _dt.date,
        sch: School,
        klass: SchoolClass,
        grade: int,
        stage: Stage,
        birth_date: _dt.date,
        sex: str,
        id_number: str | None,
        size: int,
        memo: dict[tuple[Any, ...], Decision] | None = None,
    ) -> tuple[Decision, Decision, Decision, Decision]:
        """The checks every new record passes: age (Art 14), sex and birth date against
        the ID (Art 29), the school's stage (Art 2) and the class with ``size``
        registries in it (Art 16). The age and the stage are kept in ``memo`` (see
        :meth:`_enrol_decision`). ``id_number`` comes validated and normalised (every
        caller reads it through :func:`_valid_ids` or :meth:`_Enrolment.of`), so the
        agreement rule does not validate it again."""
        if memo is None:
            memo = {}
        age = Registry._kept_age(policy, entry, birth_date, memo)
        in_stage = Registry._kept_stage(sch, stage, memo)
        return (
            age,
            enrolment.check_id_agreement(
                id_number, sex=sex, birth_date=birth_date, today=on, validated=True
            ),
            in_stage,
            enrolment.check_class(
                klass, school=sch.code, grade=grade, stage=stage, size=size, policy=policy
            ),
        )

    @staticmethod
    def _kept_age(
        policy: Policy, entry: _dt.date, birth_date: _dt.date, memo: dict[tuple[Any, ...], Decision]
    ) -> Decision:
        """The age decision of :meth:`_admission` (Art 14), kept in ``memo``."""
        # (keyed by the entry date: a spring entry counts on the cutoff before it)
        age = memo.get(("age", birth_date, entry))
        if age is None:
            age = memo[("age", birth_date, entry)] = enrolment.check_age(
                birth_date, entry_date=entry, policy=policy
            )
        return age

    @staticmethod
    def _kept_photo(
        policy: Policy, e: _Enrolment, memo: dict[tuple[Any, ...], Decision]
    ) -> Decision:
        """The photo decision of :meth:`_enrol_decision` (Art 12), kept in ``memo``."""
        taken_on = e.photo.taken_on if e.photo else None
        key = ("photo", taken_on, e.grade, e.entry.year)
        photo = memo.get(key)
        if photo is None:
            photo = memo[key] = enrolment.check_photo(
                taken_on, grade=e.grade, entry_year=e.entry.year, policy=policy
            )
        return photo

    @staticmethod
    def _kept_stage(sch: School, stage: Stage, memo: dict[tuple[Any, ...], Decision]) -> Decision:
        """The school-stage decision of :meth:`_admission` (Art 2), kept in ``memo``."""
        # the school's stages are in the key: the memo outlives a command (_rule_memo)
        key = ("stage", sch.code, sch.stages, stage)
        in_stage = memo.get(key)
        if in_stage is None:
            in_stage = memo[key] = enrolment.check_stage(sch, stage)
        return in_stage

    def _new_student(
        self,
        allocator: _numbers.SequenceAllocator,
        *,
        place: tuple[School, SchoolClass, int, Stage],
        status: StudentStatus,
        entry: _dt.date,
        record: _numbers.NumberRecord,
        regional: str,
        person: Mapping[str, Any],
        submitted: bool = False,
    ) -> Student:
        """A new record (its school, class, grade and stage in ``place``; the person's
        fields in ``person``) with a new id from ``allocator``."""
        school, klass, grade, stage = place
        return Student(
            id=self._new_id(allocator, "S"),
            school=school.code,
            class_id=klass.id,
            grade=grade,
            stage=stage,
            status=status,
            entry_date=entry,
            numbers=record,
            regional_number=regional,
            regional_numbers=(regional,),
            submitted=submitted,
            **person,
        )

    def _add_student(
        self,
        uow: UnitOfWork,
        actor: Actor,
        on: _dt.date,
        command: str,
        basis: str,
        *,
        place: tuple[School, SchoolClass, int, Stage],
        status: StudentStatus,
        entry: _dt.date,
        record: _numbers.NumberRecord,
        regional: str,
        person: Mapping[str, Any],
        submitted: bool = False,
        **extra: object,
    ) -> Student:
        """Store a new record with its change-log entry."""
        student = self._new_student(
            uow.allocator,
            place=place,
            status=status,
            entry=entry,
            record=record,
            regional=regional,
            person=person,
            submitted=submitted,
        )
        uow.students.add(student)
        self._log(uow, actor, on, command, student.id, {}, _record_after(student, extra), basis)
        return student

    def _continue(
        self,
        uow: UnitOfWork,
        actor: Actor,
        dates: tuple[_dt.date, _dt.date],
        prev: Student,
        sch: School,
        klass: SchoolClass,
        grade: int,
        stage: Stage,
        regional: str,
        photo: Photo | None,
    ) -> Student:
        """Art 12: grade 7 and senior grade 1 keep the 学籍号, with a new 地区学号.
        ``dates``: the day of the command and the day the student entered (the autumn
        intake's first day by default: :func:`_intake`)."""
        on, entry = dates
        new = _taken_up(prev, St.DRAFT, (sch, klass, grade, stage), entry, regional, photo)
        uow.students.update(new)
        self._log(
            uow,
            actor,
            on,
            "enroll_next_stage",
            prev.id,
            {"status": prev.status.value} | {k: getattr(prev, k) for k in _TAKEN_UP_LOGGED},
            {"status": new.status.value} | {k: getattr(new, k) for k in _TAKEN_UP_LOGGED},
            self._basis(on, "enroll_next_stage", _ART12),
            record=new,
            read=prev,
        )
        return new

    def _reenrol(
        self,
        uow: UnitOfWork,
        actor: Actor,
        dates: tuple[_dt.date, _dt.date],
        prev: Student,
        place: tuple[School, SchoolClass, int, Stage],
        regional: str,
        photo: Photo | None,
    ) -> Student:
        """Art 27(2) with Art 13: a dropout whose registry was not kept (senior high)
        enrolled again. The same record keeps its 学籍号 (one person, one number) and is
        a draft in its new school, class and grade, with a new 地区学号 and entry date,
        for the new-student review (Art 15); the person's fields stay as recorded (the
        key fields are corrected by a request, Art 29). The log entry holds the values
        it had as a dropout. ``dates`` as for :meth:`_continue`."""
        on, entry = dates
        row = STUDENT.fire(prev.status, "re_enroll")
        new = _taken_up(prev, row.target, place, entry, regional, photo)
        uow.students.update(new)
        self._log(
            uow,
            actor,
            on,
            "enroll_after_dropout",
            prev.id,
            {"status": prev.status.value} | {k: getattr(prev, k) for k in _TAKEN_UP_LOGGED},
            {"status": new.status.value} | {k: getattr(new, k) for k in _TAKEN_UP_LOGGED},
            str(self.policy(on).cite("student", "re_enroll", row.article)),
            record=new,
            read=prev,
        )
        return new

    @_retried
    @_idempotent
    def update_student(
        self,
        /,
        actor: Actor,
        student_id: str,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Outcome:
        """Edit a record directly. Key fields are locked once submitted (Art 29).

        A field given with the value the record holds changes nothing and is dropped
        (:func:`~xueji.rules.corrections.changed_fields`): the log entry names only
        what changed, and a locked field given as it is does not refuse the edit.
        With nothing left, nothing is written (no new version, no entry) and the
        outcome, allowed, warns ``edit.no_change``; before, every field given was
        logged, ``migrant: False -> False``.

        ``expected_version``: the version the caller's form was read at; a record
        changed since is :class:`~xueji.errors.StaleVersion` (nothing written), not
        silently overwritten. ``idempotency_key``: a repeat is a no-op."""
        on = self.today()
        unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
        if unknown:
            raise _bad_input(
                f"不能直接修改字段 {unknown[0]}", f"field {unknown[0]!r} cannot be edited"
            )
        fields = _checked_fields(fields, on)  # storable, and identity numbers normalised
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "update_student", expected_version)
            policy = self.policy(on)
            if fields.get("consent") is not None:  # (PIPL Art 31: one that can be one)
                fields["consent"] = _checked_consent(
                    fields["consent"],
                    birth_date=fields.get("birth_date", s.birth_date),
                    id_number=fields.get("id_number", s.id_number) or None,
                    on=on,
                )
            # a record held here (not voided, not gone out: key-fields review)
            decision = corrections.check_edit_status(s)
            if decision.allowed:
                unchanged = corrections.check_edit_changes(s, fields)
                if unchanged.warnings:  # nothing to write
                    return Outcome(Decision.combine(decision, unchanged), s)
                fields = corrections.changed_fields(s, fields)
                decision = Decision.combine(
                    decision,
                    corrections.check_direct_edit(s, fields, policy),
                    corrections.check_id_kept(s, fields),  # (Art 13: corrected, never removed)
                )
            # each check kept in the decision, so an allowed edit lists every rule it ran
            # (before, the last check's decision replaced the others': "0 rules")
            if decision.allowed:
                decision = Decision.combine(
                    decision,
                    # (a direct edit, most often a draft's: the enrolment's code)
                    corrections.check_agreement(s, fields, today=on, code="enrolment.id_mismatch"),
                    # Art 13: a guardian's number that is the guardian's (as enrol checks)
                    corrections.check_guardian_after(s, fields),
                    # Art 13: a permanent residence card's number where the profile takes it
                    corrections.check_ids_taken(fields, policy=policy),
                )
            if decision.allowed:
                # one registry per person (Art 14), as a correction checks (found by the
                # review: a draft edited to another student's number, and so its 学籍号)
                decision = Decision.combine(decision, self._one_person(uow, s, fields))
            if not decision.allowed:
                return Outcome(decision, s)
            numbers = s.numbers
            if fields.get("id_number") and numbers is not None:
                # the 学籍号 follows the identity number (Art 13), as a correction's does
                numbers = _numbers.correct_resident_id(numbers, fields["id_number"], on)
            numbers = _guardian_in_step(numbers, fields)
            new = attrs.evolve(s, version=s.version + 1, numbers=numbers, **fields)
            uow.students.update(new)
            before, after = {k: getattr(s, k) for k in fields}, dict(fields)
            if new.registry_number != s.registry_number:  # re-issued from the new number
                before["registry_number"] = s.registry_number
                after["registry_number"] = new.registry_number
            self._log(
                uow,
                actor,
                on,
                "update_student",
                s.id,
                before,
                after,
                self._basis(on, "update_student", anhui(29)),
                record=new,
                read=s,
            )
        return Outcome(decision, new)

    @_retried
    @_idempotent
    def regrade(
        self,
        actor: Actor,
        student_id: str,
        *,
        grade: int,
        class_id: str,
        reason: str,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Put a student's grade right (Art 18(2): grades move up once a year, at the
        rollover): the student goes into ``grade`` and ``class_id``, a class of that
        grade at the student's own school, with the log entry citing Art 18(2), the
        grade and class before and after, and ``reason``. For a year whose rollover was
        missed (not run late: :func:`~xueji.rules.graduation.check_rollover_date`), a
        grade entered wrong, a student kept back or moved on; or, in the grade they are
        in, into another class of it (a record left in a class that went up without
        it: typed after a late rollover's date, say).

        Data maintenance by the authorities (Art 28): the school's 学籍主管部门 (its
        county, or the city for a school it runs) and the city above a county's school;
        not the school, whose own edits (:meth:`update_student`) never touch a grade.
        Refused (nothing written): a student not in school, or a grade outside the
        student's stage under the profile's ``school_system``, or the grade and
        class it is in (:func:`~xueji.rules.graduation.check_regrade`); while a change that moves or
        ends the registry, or the new student's review, is open
        (``change.other_open``); a class that is not a real class of the school and the
        new grade, or is full (Art 16, :func:`~xueji.rules.enrolment.check_class`).
        ``expected_version`` and ``idempotency_key`` as for :meth:`update_student`.

        ``detect`` follows the grade from the entry (Art 32(三)), as from any entry
        that writes the record; a grade changed in the table instead is an
        ``altered_record`` finding."""
        _check_grade(grade)
        _reason_given(reason, "原因", "the reason")
        on = self.today()
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "regrade", expected_version)
            policy = self.policy(on)
            klass = self._get_class(uow, class_id)
            decision = Decision.combine(
                graduation.check_regrade(
                    s, grade, uow.requests.open_for_student(s.id), policy=policy, class_id=klass.id
                ),
                enrolment.check_class(
                    klass,
                    school=s.school,
                    grade=grade,
                    stage=s.stage,
                    # (the student is not counted: their grade is not the class's)
                    size=self._seated(uow, klass, policy),
                    policy=policy,
                ),
            )
            if not decision.allowed:
                return Outcome(decision, s)
            new = attrs.evolve(s, grade=grade, class_id=klass.id, version=s.version + 1)
            uow.students.update(new)
            self._log(
                uow,
                actor,
                on,
                "regrade",
                s.id,
                {"grade": s.grade, "class_id": s.class_id},
                {"class_id": klass.id, "reason": reason},  # (_log adds the grade)
                self._basis(on, "regrade", anhui(18, 2)),
                record=new,
                read=s,
            )
        return Outcome(decision, new)

    @_retried
    @_idempotent
    def add_info(
        self,
        actor: Actor,
        student_id: str,
        group: InfoGroup,
        entry: InfoEntry,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Art 17: the school records 简历, 成绩, 评价, 奖励, 处分 with no review
        (``expected_version`` and ``idempotency_key`` as for :meth:`update_student`:
        a repeated entry is not recorded twice). Refused: a record voided or gone out of
        the province or the country (``info.status``), an entry dated after today
        (``info.future``); 家庭 (``InfoGroup.FAMILY``) is none of these groups
        (``command.bad_input``: the family facts are the record's fields)."""
        on = self.today()
        if not (isinstance(entry, InfoEntry) and _a_date(entry.on)):
            shown = repr(entry)
            raise _bad_input(f"信息条目无效：{shown}", f"not a dated information entry: {shown}")
        _free_text(entry.text, "信息内容", "the entry's text")
        for k, v in dict(entry.data).items():
            _free_text(k, "信息项", "the entry's field name")
            _free_text(v, "信息内容", "the entry's value")
        _check_member(group, InfoGroup, "信息类别", "the information group")
        if group is InfoGroup.FAMILY:
            # reading (Arts 11-13, 17; docs/registry.md): 家庭 is none of Art 17's groups
            # the school records with no review; the family facts the registry keeps
            # are the record's fields, entered at enrolment and edited there
            raise _bad_input(
                "家庭信息不是学校自行录入的信息类别（第十七条）：监护人身份证号、监护人同意"
                "为学籍记录的字段，入学时录入，用 update_student 修改（监护人身份证号为标识号时"
                "用 request_correction）",
                "family is not a group the school records (Art 17): the guardian's ID "
                "number and consent are fields of the record, entered at enrolment and "
                "changed by update_student (request_correction while the guardian's number "
                "identifies the record)",
            )
        if group not in SCHOOL_MAINTAINED:
            raise _bad_input(
                f"{group.value} 不由学校自行维护", f"{group.value} is not school-maintained"
            )
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "add_info", expected_version)
            # Art 17: a record held here, an entry dated by today (found by the review:
            # a voided record, one gone out of the province, an entry of 2099)
            decision = corrections.check_info(s, entry.on, today=on)
            if not decision.allowed:
                return Outcome(decision, s)
            info = dict(s.info)
            info[group] = (*info.get(group, ()), entry)
            new = attrs.evolve(s, info=info, version=s.version + 1)
            uow.students.update(new)
            self._log(
                uow,
                actor,
                on,
                "add_info",
                s.id,
                {},
                {group.value: entry.text},
                self._basis(on, "add_info", anhui(17)),
                record=new,
                read=s,
            )
        return Outcome(decision, new)

    @_retried
    @_idempotent
    def submit(
        self,
        actor: Actor,
        student_id: str,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Submit a new student for 新生预审核 (Art 15); the key fields lock (Art 29).

        The entry checks are run again on the record as it stands (:meth:`_entry_checks`:
        age, Art 14; the photo of an initial grade, Art 12; the school's stage, Art 2;
        the class, Art 16), since a draft's fields are edited directly until it is
        submitted: a record that no longer passes them is refused, nothing written.
        A submission after the entry deadline is flagged (``enrolment.late``, Art 15)."""
        on = self.today()
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "submit", expected_version)
            STUDENT.fire(s.status, "submit")  # (a record not a draft: TransitionRefused)
            policy = self.policy(on)
            late = enrolment.check_entry_deadline(on, entry_date=s.entry_date, policy=policy)
            decision = Decision.combine(
                self._entry_checks(uow, s, self._entered_under(s, on)),
                late,
                self._own_filing(uow, actor, RequestKind.NEW_STUDENT, s.school, policy=policy),
            )
            if not decision.allowed:
                return Outcome(decision, s)
            s = self._write_student(uow, actor, on, s, "submit", "submit", {"submitted": True})
            req = self._open_request(
                uow, actor, on, RequestKind.NEW_STUDENT, s, warnings=late.codes
            )
        return Outcome(decision, s, req)

    # -- decisions on requests --------------------------------------------------------------

    @_retried
    @_idempotent
    def approve(
        self,
        actor: Actor,
        request_id: str,
        note: str = "",
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Approve the stage the request waits at (any kind of request).

        ``expected_version``: the request version the decision was taken on (another
        version raises :class:`~xueji.errors.ConcurrencyConflict`);
        ``idempotency_key``: a repeat with the same key is a no-op.
        """
        return self._decide(
            actor, request_id, "approve", note, action="approve", expected_version=expected_version
        )

    @_retried
    @_idempotent
    def reject(
        self,
        actor: Actor,
        request_id: str,
        note: str = "",
        *,
        material_false: bool = False,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Reject the request at its current stage (see :meth:`approve`).

        ``material_false``: the authority reviewing a new student (Art 15) found the
        material false: no registry is established on it (Art 14). The record goes
        back to the school as any rejected review does, the decision carries
        ``enrolment.false_material`` (a warning: the review is rejected, not the
        command refused), and the note, unless one is given, says 材料虚假 with the
        article (as :meth:`decide_transfer`'s for a transfer, Art 25). A request that is
        not a new student's review is ``command.bad_input``, nothing written (a
        transfer's is :meth:`decide_transfer`'s), and so is the flag from an actor
        that is not a city or county unit (the review is the authority's)."""
        _check_flag(material_false, "material_false", "material_false")
        if material_false:
            return self._decide(
                actor,
                request_id,
                "reject",
                note or self._false_material_note("enrolment.false_material"),
                extra=violation("enrolment.false_material", request=request_id),
                action="reject",
                expected_version=expected_version,
            )
        return self._decide(
            actor, request_id, "reject", note, action="reject", expected_version=expected_version
        )

    @_retried
    @_idempotent
    def withdraw(
        self,
        actor: Actor,
        request_id: str,
        note: str = "",
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Withdraw an open request (by the party that opened it)."""
        return self._decide(
            actor,
            request_id,
            "withdraw",
            note,
            action="withdraw",
            expected_version=expected_version,
        )

    @_retried
    @_idempotent
    def decide_transfer(
        self,
        actor: Actor,
        request_id: str,
        *,
        approve: bool,
        note: str = "",
        material_false: bool = False,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Decide the current stage of a transfer (Art 21). An authority (a city or
        county unit: 各地学籍主管部门) that finds the material false refuses it (Art 25),
        with ``approve=False``; ``material_false`` from any other actor (a school) is
        ``command.bad_input``, nothing written (before, a school's refusal was
        recorded as 材料虚假 citing Art 25), and so is it on a transfer Art 25 does not
        bar on false material: only one into a senior high of a city from another city
        (借读; in from another province or from abroad too), never a primary pupil's
        move within a city or a transfer out of the province (refused plainly, with a
        note). A stage approved and
        found false at once is a contradiction, refused as ``command.bad_input`` (before,
        it was read as a refusal and said nothing). A request that is not a transfer (a
        suspension, a correction, ...) is ``command.bad_input`` too, nothing written
        (before, it was decided, "false material" and all)."""
        _check_flag(approve, "approve", "approve")
        _check_flag(material_false, "material_false", "material_false")
        if material_false and approve:
            raise _bad_input(
                "材料虚假的转学不能同意：material_false 须与 approve=False 同用（第二十五条）",
                "a transfer found on false material cannot be approved: give "
                "material_false with approve=False (Art 25)",
            )
        if material_false:
            note = note or self._false_material_note("transfer.false_material")
            return self._decide(
                actor,
                request_id,
                "reject",
                note,
                extra=violation("transfer.false_material", request=request_id),
                action="decide_transfer",
                expected_version=expected_version,
            )
        return self._decide(
            actor,
            request_id,
            "approve" if approve else "reject",
            note,
            action="decide_transfer",
            expected_version=expected_version,
        )

    def _false_material_article(self, code: str) -> Article:
        """The article a refusal on false material cites under the profile in force
        (``transfer.false_material``: Art 25; ``enrolment.false_material``: Art 14), as
        the profile re-cites it or marks it inherited."""
        article = RULE_CODES[code][0]  # (the catalogue's: Art 25, Art 14)
        with contextlib.suppress(PolicyNotInForce):
            article = rule_article(code, article, self.policy())
        return article

    def _false_material_note(self, code: str) -> str:
        """What the record says of a request refused on false material: a transfer
        (``transfer.false_material``, Art 25) or a new student's review
        (``enrolment.false_material``, Art 14). The rule's article under the profile in
        force, by number where it is the profile's own measures (as
        :func:`default_approval_note`), in full, marked inherited where it is not."""
        article = self._false_material_article(code)
        own = True
        with contextlib.suppress(PolicyNotInForce):
            own = article.instrument == self.policy().instrument
        if own and article.number:  # 第二十五条: the article as its own measures say it
            return f"材料虚假（{str(article).removeprefix(article.instrument).strip()}）"
        return f"材料虚假（{article}）"

    def _decide(
        self,
        actor: Actor,
        request_id: str,
        event: str,
        note: str,
        extra: Any = None,
        action: str = "",
        expected_version: int | None = None,
    ) -> Outcome:
        """Decide a request's stage (``event``). A refused decision writes nothing: the
        default approvals its sweep applied first (Art 24: a stage past its deadline
        is approved whoever asks, and the party is then the next stage's) are undone
        with it, and the next sweep applies them. Before, a party that came too late
        was refused and the sweep's writes were kept."""
        try:
            with self.store.unit_of_work() as uow:
                out = self._visible(
                    uow,
                    actor,
                    self._decide_in(
                        uow, actor, request_id, event, note, extra, action, expected_version
                    ),
                )
                if not out.allowed:
                    raise _Undone(out)
                return out
        except _Undone as undone:
            return undone.outcome

    def _visible(self, uow: UnitOfWork, actor: Actor, out: Outcome) -> Outcome:
        """``out`` with only what ``actor`` may read (Arts 28, 30): the request if one
        of its schools is in the actor's jurisdiction (:meth:`request`), the student if
        its school is (:meth:`_shown`). Found by the review: a decision refused to a
        unit that was not the party (another city's school, asking by a guessed id)
        handed it the whole request, a correction's new identity number included; and
        a transfer's receiving school and county, approving their stages, were handed
        the record of a student still at another school. One that may not read the
        request is told its decision without the record's facts (:func:`_without_facts`:
        the stage, the party it waits at, the student's school's authority; found by
        the access review)."""
        request, student, decision = out.request, out.student, out.decision
        if request is not None:
            schools = [c for c in self._request_schools(uow, request) if c]
            if not any(self._inside(uow, actor, c) for c in schools):
                request, decision = None, _without_facts(decision)
        if student is not None:
            student = self._shown(uow, actor, student)
        if request is out.request and student is out.student:
            return out
        return Outcome(decision, student, request)

    def _decide_in(
        self,
        uow: UnitOfWork,
        actor: Actor,
        request_id: str,
        event: str,
        note: str,
        extra: Any,
        action: str,
        expected_version: int | None,
    ) -> Outcome:
        """:meth:`_decide` inside its unit of work."""
        on = self.today()
        _free_text(note, "意见", "the note")
        self._authorize(uow, actor, action)  # the kind of user; the party is checked below
        req = self._get_request(uow, request_id)
        if action == "decide_transfer" and req.kind not in _TRANSFER_KINDS:
            # before anything is swept or written: a suspension "found on false
            # material" was rejected with a warning citing Art 25
            raise _bad_input(
                f"decide_transfer 只用于转学申请：{req.id} 是{_kind_zh(req.kind)}，"
                "请用 approve 或 reject",
                f"decide_transfer is for transfer requests: {req.id} is a "
                f"{req.kind.value} request; use approve or reject",
            )
        if (
            action == "reject"
            and isinstance(extra, Violation)
            and extra.code == "enrolment.false_material"
            and req.kind is not RequestKind.NEW_STUDENT
        ):
            # before anything is swept or written, as decide_transfer's check above
            raise _bad_input(
                f"material_false 只用于新生审核（第十四条）：{req.id} 是{_kind_zh(req.kind)}"
                + (
                    "；转学材料虚假请用 decide_transfer（第二十五条）"
                    if req.kind in _TRANSFER_KINDS
                    else ""
                ),
                f"material_false is for a new student's review (Art 14): {req.id} is a "
                f"{req.kind.value} request"
                + (
                    "; a transfer on false material is decide_transfer's (Art 25)"
                    if req.kind in _TRANSFER_KINDS
                    else ""
                ),
            )
        if (
            isinstance(extra, Violation)
            and extra.code in ("transfer.false_material", "enrolment.false_material")
            and actor.kind not in (ActorKind.CITY, ActorKind.COUNTY)
        ):
            # material is found false by an authority (Art 25: 各地学籍主管部门; Art 15:
            # the review is the authority's), never by a school: a school's refusal
            # was recorded as 材料虚假 citing Art 25. Before anything is written.
            raise _bad_input(
                "只有学籍主管部门（市、县级教育行政部门）可认定材料虚假（material_false），"
                f"{actor.kind.value} 用户不可：学校请直接不同意（第二十五条、第十五条）",
                "only an authority (a city or county unit) finds material false "
                f"(material_false), not a {actor.kind.value} user: a school refuses "
                "without it (Arts 25, 15)",
            )
        if (
            isinstance(extra, Violation)
            and extra.code == "transfer.false_material"
            and not self._art25_bars_false_material(uow, req)
        ):
            # Art 25 bars false material for 借读 into a senior high of a city from
            # another city only: a primary pupil's move within a city was refused "on
            # false material (Art 25)". Before anything is written.
            raise _bad_input(
                "材料虚假不得办理（第二十五条）只适用于从外市区转入本市高中借读的转学："
                f"{req.id} 不是；请直接不同意，并在意见中说明",
                "material_false is for a transfer into a senior high of a city from "
                f"another city (借读, Art 25): {req.id} is not one; use a plain refusal "
                "with a note",
            )
        _expect("request", req.id, expected_version, req.version)
        # Art 32(三): the request against its last change-log entry (read for the
        # entry this decision writes in any case). One changed in the database since
        # is not approved by default either: the sweep is not run on it
        altered = _request_altered(uow, req)
        put_off: list[Request] = []
        passed: list[Request] = []  # the request at each stage the sweep approved
        swept = (
            req
            if altered is not None
            else self._sweep_request(uow, req, on, put_off, passed=passed)
        )
        if swept.version != req.version:  # (default approvals dated before today)
            _ran_on(uow, on)
        overdue: Request | None = None
        if event == "withdraw":
            pass
        elif (
            passed
            # (an authority that is the party of a later stage too, as in a transfer
            # within one county, decides the stage the request now waits at)
            and not (swept.is_open and self._check_party(uow, actor, swept).allowed)
            and (
                mine := next(
                    (
                        stage
                        for stage in passed
                        if stage.deadline is not None
                        and self._check_party(uow, actor, stage).allowed
                    ),
                    None,
                )
            )
            is not None
        ):
            # a stage of the actor's passed its deadline and was approved by default
            # (Art 24), the first of the stages this sweep passed or a later one: said
            # as such, with that stage's deadline, where the party check of the stage
            # the request now waits at said only "not your stage" (stage.wrong_party;
            # before, only the stage before the sweep was looked at)
            overdue = mine
        elif put_off and self._check_party(uow, actor, swept).allowed:
            # the stage it waits at passed its deadline, and its default approval is
            # only put off (the next stage's deadline runs into a year not loaded):
            # it is approved by default all the same once the year is loaded (Art 24),
            # so its party, too late, is refused as above. Before, the late party
            # decided it (rejected a transfer its stage had let pass). A stage the
            # record no longer lets complete (CannotComplete) is not put off: no
            # default can apply, and its party decides it.
            overdue = swept
        if overdue is not None and overdue.deadline is not None:
            # the limit that set the deadline, not the one in force today (Art 33)
            limit = self._set_under(overdue, on).transfer_stage_limit
            transfer = req.kind in _TRANSFER_KINDS
            late = Checks()
            late.rule(
                "stage.overdue",
                False,
                article=limit.article if transfer else None,
                params=(("transfer_stage_limit", limit),) if transfer else (),
                request=req.id,
                stage=overdue.state.value,
                deadline=overdue.deadline.isoformat(),
                on=on.isoformat(),
            )
            return Outcome(late.decision(), None, req)
        req = swept
        if not req.is_open:
            # already decided (possibly by default): a repeat is a no-op
            last = req.history[-1]
            if event == "approve" and req.state is R.APPROVED:
                # only the deciding party's repeat is a no-op; a stage approved by
                # default (by the system) was nobody's to repeat
                if last.actor != actor.unit or last.actor == Actor.system().unit:
                    return Outcome(
                        Decision.refuse(
                            violation(
                                "stage.wrong_party",
                                article=self._stage_article(
                                    req, self.policy(on), "stage.wrong_party"
                                ),
                                request=req.id,
                                stage=req.state.value,
                                party=last.actor,
                                actor=f"{actor.kind.value}:{actor.unit}",
                            )
                        ),
                        None,
                        req,
                    )
                held = uow.students.get(req.student)
                shown = held and self._shown(uow, actor, held)
                return Outcome(Decision.allow(), shown, req)
            REQUEST_TABLES[req.kind].fire(req.state, event)  # raises TransitionRefused
        if event == "withdraw":  # only the unit that opened the request withdraws it
            opener = req.history[0].actor
            # the opener by its kind as well as its code (the history keeps the code):
            # a county actor under a school's code withdrew that school's transfer;
            # a 分校's request, its 学区中心校 as well (Art 7)
            opener_kind = self._opener_kind(uow, req)
            is_school = opener_kind is ActorKind.SCHOOL
            party = approvals.check_party(
                actor,
                request=req.id,
                stage=req.state.value,
                party=opener,
                party_is_school=is_school,
                party_kind=opener_kind,
                central_school=self._central_of(uow, opener) if is_school else None,
                article=self._stage_article(req, self.policy(on), "stage.wrong_party"),
            )
        else:
            party = self._check_party(uow, actor, req, self.policy(on))
            if party.allowed:
                # the unit that filed a request decides none of its stages (Art 31)
                party = Decision.combine(
                    party, self._decided_by_its_filer(uow, actor, req, self.policy(on))
                )
        if not party.allowed:
            return Outcome(party, None, req)
        # every rule evaluated, in order: an allowed decision lists them too (before, it
        # said "0 rules evaluated"), and a refused one the checks it passed first
        run = [party]
        if altered is not None:
            run.append(self._altered_request(req, event, altered))
            if not run[-1].allowed:
                return Outcome(Decision.combine(*run), None, req)
        if req.kind is RequestKind.CORRECTION and event == "approve":
            student = self._get_student(uow, req.student)
            unreadable = Outcome(
                Decision.refuse(violation("correction.unreadable", request=req.id)), None, req
            )
            try:
                changes = _decode_changes(req.payload)
            except (ValueError, TypeError):
                # a payload this version cannot read (damaged, or written by another
                # program): refused, not a crash; the unit rejects it (Art 29)
                return unreadable
            # Art 29: key fields only, each of its type, as when it was filed (a stored
            # payload's other keys, a school or a status, were applied as they stood,
            # or raised a raw TypeError: found by the key-fields review)
            run.append(corrections.check_filed_fields(changes, request=req.id))
            if not run[-1].allowed:
                return Outcome(Decision.combine(*run), None, req)
            try:
                changes = _checked_fields(changes, on)
            except XuejiError:  # (an invalid identity number is one too)
                return unreadable
            # Art 13: an ID number given since by another correction is not removed;
            # and another correction to the same values may have been approved since;
            # a photo removed by a correction filed before that was refused (Art 29)
            run.append(
                Decision.combine(
                    corrections.check_id_kept(student, changes),
                    corrections.check_photo_kept(student, changes),
                    corrections.check_still_changes(student, changes),
                )
            )
            if not run[-1].allowed:
                return Outcome(Decision.combine(*run), None, req)
            # Art 13: the number (or the guardian's, name and birth date of a child
            # known by them) may have been taken since
            run.append(self._one_person(uow, student, changes))
            if not run[-1].allowed:
                return Outcome(Decision.combine(*run), None, req)
            # Art 29: against the record as it is now (another correction approved
            # since this one was filed may have changed the sex, birth date or number)
            run.append(corrections.check_agreement(student, changes, today=on))
            if not run[-1].allowed:
                return Outcome(Decision.combine(*run), None, req)
            # Art 13: the guardian's number still a guardian's, on the record as it is now
            run.append(corrections.check_guardian_after(student, changes))
            if not run[-1].allowed:
                return Outcome(Decision.combine(*run), None, req)
            # Art 13: a permanent residence card's number, where the profile in force
            # takes it (another may have come into force since the filing)
            run.append(corrections.check_ids_taken(changes, policy=self.policy(on)))
            if not run[-1].allowed:
                return Outcome(Decision.combine(*run), None, req)
            # Art 29 with Art 12: the photo against the record as it is now (a birth
            # date corrected since the filing may come after the photo's day)
            run.append(corrections.check_corrected_photo(student, changes, policy=self.policy(on)))
            if not run[-1].allowed:
                return Outcome(Decision.combine(*run), None, req)
            # Art 14: a birth date below school age is said, not refused
            run.append(corrections.check_corrected_age(student, changes, policy=self.policy(on)))
        final = REQUEST_TABLES[req.kind].get(req.state, event)
        if final is not None and final.target is R.APPROVED:
            # Art 16, again at approval: the class may have filled up, or moved up a
            # grade at a rollover, since the request was filed
            student = self._get_student(uow, req.student)
            run.append(self._class_at_approval(uow, req, student, on))
            if not run[-1].allowed:
                return Outcome(Decision.combine(*run), None, req)
        if req.deadline is None and (due := self._due(req)) is not None:
            req = attrs.evolve(req, deadline=due)  # (kept with the decided request)
        # a held student stays in their class, moved up (Art 18(2)); one it cannot
        # take is said, not refused (Art 16): an end cannot be refused
        ended = (
            self._ended_placement(uow, req, on)
            if final is not None and final.target in (R.REJECTED, R.WITHDRAWN)
            else Decision.allow()
        )
        # a transfer stage decided after its deadline: no default approval took it
        # (the profile has none, or the record let none complete), so its party decides
        # it late; flagged, and kept in the step for the Art 32 report (Art 24)
        missed = (
            req.deadline
            if req.kind in _TRANSFER_KINDS
            and event in ("approve", "reject")
            and req.deadline is not None
            and on > req.deadline
            else None
        )
        timing = self._decided_in_time(req, event, on)
        marks, basis = None, None
        if isinstance(extra, Violation) and extra.code == "transfer.false_material":
            # Art 25's refusal, kept on the request (a note is the authority's words,
            # and is not read) and cited by its log entry; a new filing of the same 借读
            # reads it (false_material_bars_refiling)
            assert req.to_school is not None  # (a 借读: _art25_bars_false_material)
            basis = str(self._false_material_article("transfer.false_material"))
            city = self._city_of(uow, self._get_school(uow, req.to_school)).code
            marks = {_FALSE_MATERIAL: basis, _FALSE_MATERIAL_CITY: city}
        req = self._advance(
            uow, actor, req, event, on, note, late=missed, marks=marks, basis=basis, altered=altered
        )
        decision = Decision.combine(
            *run,
            Decision.allow(warnings=[extra] if extra is not None else []),
            _as_warnings(ended),
            timing,
        )
        return Outcome(decision, uow.students.get(req.student), req)

    @staticmethod
    def _altered_request(req: Request, event: str, altered: _RequestAltered) -> Decision:
        """Art 32(三) at a decision on ``req``, found changed outside the registry since
        its last entry, or named by none (:func:`_request_altered`; a row edited with
        a database tool: a transfer's destination, a correction's value, a note).

        Reading (the measures say what is sanctioned, Art 32(三), not what a unit
        does with such a request): an approval is refused (``audit.request_altered``):
        the parties before agreed to what the entry wrote, not to what the row says
        now (Art 21), and a final approval would apply it. A refusal or a withdrawal
        goes ahead: it applies nothing the row now asks, and ends a request that
        would otherwise keep the student from every other change; warned
        (``audit.request_altered_before``), its entry marked (:data:`ALTERED_SINCE`),
        and reported for good. The request is then filed again as meant. (A student
        record changed by hand is marked, not blocked: it is the only one there is.)
        """
        facts: dict[str, object] = {"request": req.id, "event": event, "entry": altered.seq}
        if altered.on is not None:
            facts["entry_on"] = altered.on
        c = Checks()
        if event == "approve":
            c.check("audit.request_altered", False, facts)
        else:
            c.check("audit.request_altered_before", False, facts, warn=True)
        return c.decision()

    def _decided_in_time(self, req: Request, event: str, on: _dt.date) -> Decision:
        """The time limits of a stage decided on ``on``, each a warning when missed (a
        late decision is flagged for the Art 32 report, never refused) and a step either
        way, with the parameter it reads (before, the warning showed its article alone):
        a transfer stage's ``transfer_stage_limit`` (Art 24), a new student's review's
        ``new_student_deadline`` (Art 15), a senior-high graduation's
        ``graduation_deadline`` (Art 18: ``graduation.late``), a dropout review's
        ``dropout_review_limit`` (Art 27). A request with no deadline set evaluates
        none of them. Each cites the parameter of the profile that set the deadline
        (:meth:`_set_under`), not of the one in force on ``on``, which may say another
        limit (Art 33)."""
        c = Checks()
        due = req.deadline
        if due is None:
            return c.decision()
        policy = self._set_under(req, on)
        if req.kind in _TRANSFER_KINDS and event in ("approve", "reject"):
            limit = policy.transfer_stage_limit
            c.rule(
                "stage.overdue",
                on <= due,
                warn=True,
                article=limit.article,
                params=(("transfer_stage_limit", limit),),
                request=req.id,
                stage=req.state.value,
                deadline=due.isoformat(),
                on=on.isoformat(),
            )
        if req.kind is RequestKind.NEW_STUDENT:
            # Art 15: review after 30 September is flagged (Art 32)
            deadline = policy.new_student_deadline
            c.rule(
                "enrolment.late",
                on <= due,
                warn=True,
                article=deadline.article,
                params=(("new_student_deadline", deadline),),
                on=on.isoformat(),
                deadline=due.isoformat(),
            )
        if req.kind is RequestKind.GRADUATION and event in ("approve", "reject"):
            # Art 18: a senior high's graduation work (the authority's review too) is
            # due by the graduation deadline of the school year the student finishes,
            # the request's deadline: flagged after it (the parameter of the profile
            # that set it, as the others: its one stage began the day it was filed)
            until = policy.graduation_deadline
            c.rule(
                "graduation.late",
                on <= due,
                warn=True,
                article=until.article,
                params=(("graduation_deadline", until),),
                on=on.isoformat(),
                deadline=due.isoformat(),
            )
        if req.kind is RequestKind.DROPOUT and event in ("approve", "reject"):
            # Art 27: reviewed within its working days, else flagged
            days = policy.dropout_review_limit
            c.rule(
                "dropout.review_overdue",
                on <= due,
                warn=True,
                article=days.article,
                params=(("dropout_review_limit", days),),
                on=on.isoformat(),
                deadline=due.isoformat(),
            )
        return c.decision()

    # -- corrections (Art 29) -------------------------------------------------------------

    @_retried
    @_idempotent
    def request_correction(
        self,
        actor: Actor,
        student_id: str,
        changes: Mapping[str, Any],
        reason: str,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """File a key-field correction for the supervising unit to approve (Art 29).

        Not while a change that ends the record is open, nor (under
        ``correction_during_transfer = "wait"``) a transfer that moves the student to
        another school (``change.other_open``); filing it takes the student's version.
        """
        if not isinstance(changes, Mapping) or not all(isinstance(k, str) for k in changes):
            shown = _short(changes)
            raise _bad_input(
                f'更正内容应为字段名到新值的映射（如 {{"name": "李四"}}）：{shown}',
                f"the changes must be a mapping of field names to new values "
                f"(such as {{'name': '李四'}}), not {shown}",
            )
        _reason_given(reason, "更正原因", "the reason")
        # the key fields' types before the rules read them (a birth date given as
        # text raised AttributeError in the Art 29 agreement rule: found by the
        # scenarios' review); another field is the rules' to refuse, and an identity
        # number is validated after them, as before
        _checked_fields({k: v for k, v in changes.items() if k in corrections.KEY_FIELDS}, None)
        on = self.today()
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "request_correction", expected_version)
            policy = self.policy(on)
            decision = Decision.combine(
                corrections.check_correction(s, changes, today=on, policy=policy),
                # (a change ending the record, and under "wait" a transfer, is open)
                self._no_other_open(uow, s, RequestKind.CORRECTION, policy=policy),
                self._own_filing(uow, actor, RequestKind.CORRECTION, s.school, policy=policy),
            )
            if not decision.allowed:
                return Outcome(decision, s)
            # an identity number validated and normalised as enroll stores it (a
            # lower-case x had let the same person be enrolled again)
            changes = _checked_fields(changes, on)
            if "id_number" in changes and not changes["id_number"] and not s.id_number:
                # no number to keep none of: not filed (approved after another correction
                # had given one, it read as removing it)
                changes = {k: v for k, v in changes.items() if k != "id_number"}
            # Art 13: the guardian's number a guardian's, as an enrolment checks it, and
            # a permanent residence card's number only where the profile takes it
            guardian = Decision.combine(
                corrections.check_guardian_after(s, changes),
                corrections.check_ids_taken(changes, policy=policy),
                # Art 29 with Art 12: a corrected photo is the student's (not taken
                # before the birth date) and an initial grade's of the year of entry
                corrections.check_corrected_photo(s, changes, policy=policy),
            )
            if not guardian.allowed:
                return Outcome(Decision.combine(decision, guardian), s)
            # Art 14: a birth date below school age is said (a correction is the truth)
            decision = Decision.combine(
                decision, guardian, corrections.check_corrected_age(s, changes, policy=policy)
            )
            unique = self._one_person(uow, s, changes)
            if not unique.allowed:
                return Outcome(unique, s)
            req = self._open_request(
                uow,
                actor,
                on,
                RequestKind.CORRECTION,
                s,
                from_school=s.school,  # the school that filed it (see _party)
                reason=reason,
                payload={k: _s(v) for k, v in changes.items()},
                # what was filed and why, masked as the log masks (the identity number,
                # the birth date hidden): before, the log held neither, and a value
                # changed before the approval went through unseen (key-fields review)
                logged={**changes, "reason": reason},
            )
            s = self._take(uow, s)
        return Outcome(decision, s, req)

    # -- transfers (Arts 20-25) ------------------------------------------------------------

    @_retried
    @_idempotent
    def request_transfer(
        self,
        actor: Actor,
        student_id: str,
        *,
        to_school: str,
        to_class: str,
        reason: TransferReason,
        stated_reason: str = "",
        applied_on: _dt.date | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """The receiving school files a guardian's transfer application (Art 21).

        The receiving school's 20 working days run from ``applied_on`` (the day the
        application reached it; default today), and the term window (Art 25(2)) is read
        on that day. Opening a transfer takes the student's
        version (at most one open transfer, even for two filed at the same moment).
        """
        on = self.today()
        _check_date(applied_on, "申请日期", "the application date", optional=True)
        _check_member(reason, TransferReason, "转学原因", "the transfer reason")
        _free_text(stated_reason, "转学说明", "the stated reason")
        with self.store.unit_of_work() as uow:
            self._authorize(uow, actor, "request_transfer", school=to_school)
            s = self._get_student(uow, student_id)
            _expect("student", s.id, expected_version, s.version)
            policy = self.policy(on)
            src = self._get_school(uow, s.school)
            dst = self._get_school(uow, to_school)
            klass = self._get_class(uow, to_class)
            from_city, to_city = self._city_of(uow, src), self._city_of(uow, dst)
            open_now = uow.requests.open_for_student(s.id)
            borrowing = transfers.into_senior_from_elsewhere(
                dst.stages, s.stage, same_city=from_city.code == to_city.code
            )
            # Art 25: a 借读 refused on false material before (read only for a 借读)
            refusal = self._false_material_refusal(uow, [s], to_city.code) if borrowing else ""
            facts = transfers.TransferFacts(
                student=s,
                from_school=src.code,
                to_school=dst.code,
                from_city=from_city.code,
                to_city=to_city.code,
                from_city_region=from_city.region,
                to_city_region=to_city.region,
                to_stages=dst.stages,
                from_special=Stage.SPECIAL in src.stages,
                to_special=Stage.SPECIAL in dst.stages,
                reason=reason,
                stated_reason=stated_reason,
                open_transfers=sum(1 for r in open_now if r.kind in _TRANSFER_KINDS),
                false_material_refusal=refusal,
                direct_counties=self._direct_counties(uow),
            )
            decision = Decision.combine(
                # (the term window on the day the guardian applied, Art 25(2))
                transfers.check_transfer(facts, on=on, policy=policy, applied_on=applied_on),
                # (under correction_during_transfer = "wait", an open correction too)
                change_rules.check_no_other_open(
                    s, RequestKind.TRANSFER, open_now, same=_TRANSFER_KINDS, policy=policy
                ),
                self._applied(applied_on, on, policy),
                enrolment.check_class(
                    klass,
                    school=dst.code,
                    grade=s.grade,
                    stage=s.stage,
                    size=self._seated(uow, klass, policy),
                    policy=policy,
                ),
                # (Art 31: not by a unit whose stage it would wait at)
                self._own_filing(
                    uow, actor, RequestKind.TRANSFER, dst.code, src.code, policy=policy
                ),
            )
            told = self._told(uow, actor, decision, s.school)
            if not decision.allowed:
                return Outcome(told, self._shown(uow, actor, s))
            req = self._open_request(
                uow,
                actor,
                applied_on or on,
                RequestKind.TRANSFER,
                s,
                warnings=[w.code for w in decision.warnings],
                from_school=src.code,
                to_school=dst.code,
                to_class=klass.id,
                reason=f"{reason.value}:{stated_reason}",
            )
            s = self._take(uow, s)
            req = self._sweep_request(uow, req, on)
            _ran_on_backdated(uow, applied_on, on)
        return Outcome(told, self._shown(uow, actor, s), req)

    @_retried
    def transfer_in(
        self,
        actor: Actor,
        *,
        origin: str,
        abroad: bool,
        school: str,
        class_id: str,
        grade: int,
        name: str,
        sex: str,
        birth_date: _dt.date,
        hukou_region: str,
        registry_number: str | None = None,
        id_number: str | None = None,
        guardian_id: str | None = None,
        photo: Photo | None = None,
        migrant: bool = False,
        applied_on: _dt.date | None = None,
        stated_reason: str = "",
    ) -> Outcome:
        """A transfer in from another province (Art 22) or from abroad (Art 23).

        From another province the receiving school pulls the record by its 学籍号
        (``registry_number`` is required). A G 学籍号 is "G" and the student's ID number
        (Art 13): ``id_number`` may be left out and is taken from it; one that differs
        is bad input. From abroad the earlier record continues
        when there is one; a student who never had one gets a new registry. A student
        who left this province earlier continues the same record either way; the
        outcome then names it by its request only (``outcome.student`` is ``None``,
        ``outcome.request.student`` its id): the earlier record is not the receiving
        school's to read before the return is approved (Art 28); it keeps the key fields
        of its first entry, those given otherwise warned (``enrolment.key_fields_kept``,
        Art 29, as for a record an enrolment takes up again). The receiving school's
        and its authority's approvals follow (20 working days each). As any transfer
        (Art 25(2)), not filed inside the policy's ``transfer_blackout``, and applied for
        (``applied_on``, default today) mid-term outside the ``transfer_window`` only with
        a ``stated_reason`` (before, it was started on any day).
        """
        on = self.today()
        _check_date(applied_on, "申请日期", "the application date", optional=True)
        _free_text(stated_reason, "转学说明", "the stated reason")
        _check_flag(abroad, "abroad（是否来自境外）", "abroad")  # ("false" read as true)
        kind = RequestKind.CROSS_BORDER_IN if abroad else RequestKind.CROSS_PROVINCE_IN
        _check_person(name, sex, grade, hukou_region)
        _checked_fields({"birth_date": birth_date, "photo": photo, "migrant": migrant}, on)
        if not abroad and not registry_number:
            return Outcome(Decision.refuse(violation("transfer.cross_province_number")))
        with self.store.unit_of_work() as uow:
            self._authorize(uow, actor, "transfer_in", school=school)
            policy = self.policy(on)
            sch = self._get_school(uow, school)
            klass = self._get_class(uow, class_id)
            stage = stage_of_grade(grade, policy.school_system.value)
            number = _numbers.parse(registry_number, today=on) if registry_number else None
            id_number, guardian_id = _valid_ids(id_number, guardian_id, on)
            if number is not None and number.kind == "G":
                id_number = _g_id_number(number, id_number)
            if number is None and id_number is None and guardian_id is None:
                return Outcome(Decision.refuse(violation("enrolment.no_identifier")))
            found: dict[str, Student] = {}
            if number is not None:
                found.update({x.id: x for x in uow.students.by_registry_number(number.text)})
            # by the ID number and by the guardian's, as enroll finds the person
            found.update(
                {x.id: x for x in _same_person(uow, id_number, guardian_id, name, birth_date)}
            )
            gone = (St.CROSS_PROVINCE_OUT, St.CROSS_BORDER_OUT)
            left = [x for x in found.values() if x.status in gone]
            timing = transfers.check_timing(
                on, policy=policy, stated_reason=stated_reason, applied_on=applied_on
            )
            borrowing = transfers.into_senior_from_elsewhere(sch.stages, stage, same_city=False)
            to_city = self._city_of(uow, sch).code if borrowing else "-"
            # Art 25: the same 借读 refused on false material before (the person's
            # records: a refused transfer in leaves a voided one); else its material
            # is to be verified (transfer.verify_material, kept on the request)
            material = transfers.check_false_material_bar(
                student=", ".join(sorted(found)) or "-",
                to_stages=sch.stages,
                stage=stage,
                to_city=to_city,
                refusal=(
                    self._false_material_refusal(uow, list(found.values()), to_city)
                    if borrowing
                    else ""
                ),
                policy=policy,
                from_city=origin,
            )
            decision = Decision.combine(
                material,
                # a student coming back: one change at a time (Art 19), and under
                # correction_during_transfer = "wait" not while a correction is open
                *(self._no_other_open(uow, x, kind, policy=policy) for x in left[:1]),
                timing,  # Art 25(2), as for a transfer within the province
                # a grade the profile closes to transfers (not for one from abroad)
                *(
                    ()
                    if abroad
                    else (
                        transfers.check_closed_grade(
                            grade, policy=policy, stated_reason=stated_reason
                        ),
                    )
                ),
                self._applied(applied_on, on, policy),
                enrolment.check_duplicate(
                    [x for x in found.values() if x.status not in gone],
                    continuing=False,
                    with_id=id_number is not None,
                ),
                *self._admission(
                    policy,
                    on,
                    on,
                    sch,
                    klass,
                    grade,
                    stage,
                    birth_date,
                    sex,
                    id_number,
                    self._seated(uow, klass, policy),
                ),
                enrolment.check_guardian_id(
                    guardian_id, id_number=id_number, birth_date=birth_date
                ),
                enrolment.check_foreign_ids(id_number, guardian_id, policy=policy),  # Art 13
                # (Art 31: not by the authority whose stage it would wait at; its 补办 of
                # a record from abroad is enroll's, Art 23, the school submitting it)
                self._own_filing(uow, actor, kind, sch.code, policy=policy),
            )
            if not decision.allowed:
                # (a record coming back: the receiving school may not read it yet)
                return Outcome(
                    self._told(uow, actor, decision, left[0].school) if left else decision
                )
            if left:
                student = left[0]
                # the record coming back keeps the key fields of its first entry
                # (Art 29): those given otherwise are said, as when an enrolment takes
                # a record up again (before, an ID number given was dropped in silence)
                decision = Decision.combine(
                    decision,
                    corrections.check_key_fields_kept(
                        student,
                        {
                            "name": name,
                            "sex": sex,
                            "birth_date": birth_date,
                            "hukou_region": hukou_region,
                            "id_number": id_number,
                            "guardian_id": guardian_id,
                        },
                        policy,
                    ),
                )
            else:
                if number is not None:
                    record = _numbers.NumberRecord(
                        number,
                        (_numbers.NumberChange(on, number, f"continued from {origin}"),),
                        id_number if number.kind == "G" else None,
                        guardian_id,
                    )
                    if number.kind != "G" and id_number is not None:
                        # a J or L number from a student who has an ID number now: the
                        # G number is linked and current, the other kept (Art 13), as
                        # when an ID number is added here
                        record = _numbers.link_resident_id(record, id_number, on)
                else:
                    record = _numbers.new_record(
                        on,
                        id_number=id_number,
                        guardian_id=guardian_id,
                        area=sch.region,
                        birth_date=birth_date,
                        sex=sex,  # type: ignore[arg-type]
                        allocator=uow.allocator,
                        validated=True,  # by _valid_ids
                        held=_held(uow),
                    )
                regional = _numbers.issue_regional_number(
                    policy, uow.allocator, region=sch.region, year=on.year, stage=stage
                )
                student = self._add_student(
                    uow,
                    actor,
                    on,
                    f"{kind.value}_record",
                    str(policy.cite(kind.value, None, REQUEST_TABLES[kind].rows[0].article)),
                    place=(sch, klass, grade, stage),
                    status=St.PENDING_REVIEW,
                    entry=on,
                    record=record,
                    regional=regional,
                    person={
                        "name": name,
                        "sex": sex,
                        "birth_date": birth_date,
                        "hukou_region": hukou_region,
                        "id_number": id_number,
                        "guardian_id": guardian_id,
                        "photo": photo,
                        "migrant": migrant,
                    },
                    submitted=True,
                    origin=origin,
                )
            req = self._open_request(
                uow,
                actor,
                applied_on or on,
                kind,
                student,
                warnings=[w.code for w in (*material.warnings, *timing.warnings)],
                to_school=sch.code,
                to_class=klass.id,
                reason=origin,
                # the grade and stage the return was decided in (a record coming back
                # takes them at approval: it left in an earlier grade)
                payload={
                    "origin": origin,
                    "grade": str(grade),
                    "stage": stage.value,
                    **({"stated_reason": stated_reason} if stated_reason else {}),
                },
                record_told=not left,
            )
            req = self._sweep_request(uow, req, on)
            _ran_on_backdated(uow, applied_on, on)
            if left:
                decision = self._told(uow, actor, decision, student.school)
        # a record coming back is the province's earlier record (a guardian's number,
        # its history) that this school may not read before its return is approved
        # (found by the privacy review): the outcome names it through the request, and
        # its decision without the facts of the rules (found by the access review)
        return Outcome(decision, None if left else student, req)

    @_retried
    def request_cross_border_out(
        self,
        actor: Actor,
        student_id: str,
        *,
        destination: str,
        leave_date: _dt.date | None,
        reason: str,
    ) -> Outcome:
        """Art 23: the school files a cross-border transfer out with destination, date and
        reason; its authority approves. Not inside the policy's ``transfer_blackout``;
        mid-term outside the ``transfer_window``, a warning (its reason is the stated
        reason, Art 25(2))."""
        _free_text(destination, "目的地", "the destination")
        _check_date(leave_date, "离境日期", "the leaving date", optional=True)
        _free_text(reason, "原因", "the reason")
        on = self.today()
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "request_cross_border_out")
            policy = self.policy(on)
            timing = transfers.check_timing(on, policy=policy, stated_reason=reason)
            decision = Decision.combine(
                transfers.check_abroad(
                    s, destination=destination, leave_date=leave_date, reason=reason
                ),
                self._no_other_open(uow, s, RequestKind.CROSS_BORDER_OUT, policy=policy),
                timing,
                self._own_filing(uow, actor, RequestKind.CROSS_BORDER_OUT, s.school, policy=policy),
            )
            if not decision.allowed:
                return Outcome(decision, s)
            req = self._open_request(
                uow,
                actor,
                on,
                RequestKind.CROSS_BORDER_OUT,
                s,
                warnings=[w.code for w in timing.warnings],
                from_school=s.school,
                reason=reason,
                payload={"destination": destination, "date": _s(leave_date), "reason": reason},
            )
        return Outcome(decision, s, req)

    @_retried
    def request_cross_province_out(
        self, actor: Actor, student_id: str, *, to_school_name: str, reason: str
    ) -> Outcome:
        """Art 22: another province's school started a transfer; this side approves. As
        any transfer (Art 25(2)): not inside the policy's ``transfer_blackout``, and
        mid-term outside the ``transfer_window`` only with a ``reason``."""
        _free_text(to_school_name, "转入学校名称", "the receiving school's name")
        _free_text(reason, "原因", "the reason")
        on = self.today()
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "request_cross_province_out")
            if s.status is not St.REGISTERED:
                return Outcome(
                    Decision.refuse(
                        violation("transfer.status", student=s.id, status=s.status.value)
                    ),
                    s,
                )
            policy = self.policy(on)
            decision = Decision.combine(
                self._no_other_open(uow, s, RequestKind.CROSS_PROVINCE_OUT, policy=policy),
                transfers.check_closed_grade(
                    s.grade, policy=policy, stated_reason=reason, student=s.id
                ),
                transfers.check_timing(on, policy=policy, stated_reason=reason),
                self._own_filing(
                    uow, actor, RequestKind.CROSS_PROVINCE_OUT, s.school, policy=policy
                ),
            )
            if not decision.allowed:
                return Outcome(decision, s)
            req = self._open_request(
                uow,
                actor,
                on,
                RequestKind.CROSS_PROVINCE_OUT,
                s,
                warnings=[w.code for w in decision.warnings],
                from_school=s.school,
                reason=reason,
                payload={"to_school_name": to_school_name},
            )
        return Outcome(decision, s, req)

    # -- suspension, resumption, dropout (Arts 26-27) -------------------------------------------

    @_retried
    @_idempotent
    def suspend(
        self,
        actor: Actor,
        student_id: str,
        reason: str,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """The school submits a suspension (休学) for approval (Art 26)."""
        return self._change(
            actor, student_id, RequestKind.SUSPENSION, reason, expected_version=expected_version
        )

    @_retried
    @_idempotent
    def resume(
        self,
        actor: Actor,
        student_id: str,
        reason: str,
        *,
        to_class: str | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """The school submits a resumption (复学) for approval (Art 26)."""
        return self._change(
            actor,
            student_id,
            RequestKind.RESUMPTION,
            reason,
            to_class=to_class,
            expected_version=expected_version,
        )

    @_retried
    @_idempotent
    def record_dropout(
        self,
        actor: Actor,
        student_id: str,
        reason: str,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """The school records a dropout; the authority reviews within 15 working days (Art 27)."""
        return self._change(
            actor, student_id, RequestKind.DROPOUT, reason, expected_version=expected_version
        )

    def _change(
        self,
        actor: Actor,
        student_id: str,
        kind: RequestKind,
        reason: str,
        to_class: str | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        _reason_given(reason, "原因", "the reason")  # (Arts 26, 27: filed with its reason)
        on = self.today()
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, _CHANGE_ACTIONS[kind], expected_version)
            open_now = uow.requests.open_for_student(s.id)
            decision = Decision.combine(
                change_rules.check_change(
                    s, kind, open_same_kind=sum(1 for r in open_now if r.kind is kind)
                ),
                change_rules.check_no_other_open(
                    s, kind, open_now, same=(kind,), policy=self.policy(on)
                ),
                # (a student coming back: a suspension or a dropout keeps its class)
                self._class_back(uow, s, to_class, on)
                if kind is RequestKind.RESUMPTION or to_class
                else Decision.allow(),
                self._own_filing(uow, actor, kind, s.school, policy=self.policy(on)),
            )
            if not decision.allowed:
                return Outcome(decision, s)
            req = self._open_request(uow, actor, on, kind, s, reason=reason, to_class=to_class)
        return Outcome(decision, s, req)

    @_retried
    @_idempotent
    def return_from_dropout(
        self,
        actor: Actor,
        student_id: str,
        *,
        to_class: str | None = None,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """A dropout returns to school on the registry kept for it (Art 27(2))
        (``expected_version`` and ``idempotency_key`` as for :meth:`update_student`),
        applied by the school at once: no request, no approval (the profile's
        ``dropout_return_reviewed``, false: Art 26's approval is a resumption's, and
        Art 27 names none of the return; a reviewed return is a documented gap).
        Past the years the profile keeps it for (``dropout_registry_kept``:
        :func:`~xueji.rules.changes.check_registry_kept`) the return warns
        (``dropout.registry_lapsed``) and goes ahead: a child's return to school is
        never refused."""
        on = self.today()
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "return_from_dropout", expected_version)
            policy = self.policy(on)
            # (the student table's "return" also brings back a student who left the
            # province or the country: that is a transfer in, not a dropout's return)
            decision = change_rules.check_return_from_dropout(s, policy)
            if not decision.allowed:
                return Outcome(decision, s)
            # the class check kept with it: an allowed return lists both (before, none);
            # and the years the registry was kept for (Art 27(2)): a warning past them
            decision = Decision.combine(
                decision,
                self._class_back(uow, s, to_class, on),
                change_rules.check_registry_kept(
                    s, dropped_on=self._dropped_on(uow, s), today=on, policy=policy
                ),
            )
            if not decision.allowed:
                return Outcome(decision, s)
            changes = {"class_id": to_class} if to_class else {}
            s = self._write_student(uow, actor, on, s, "return", "return_from_dropout", changes)
        return Outcome(decision, s)

    @_retried
    @_idempotent
    def void_record(
        self,
        actor: Actor,
        student_id: str,
        reason: str,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """作废: a record entered in error (a child typed in at the wrong school, or
        twice) is voided, by its school or the school's authority, with ``reason``
        (Art 14; the student table's ``void``: kept, not deleted). Only a draft or a
        record under its new-student review, on its first entry
        (:func:`~xueji.rules.changes.check_void`: a record taken up again is the
        student's registry, ``void.taken_up``); its open review is withdrawn with it.
        A record taken up again by an enrolment entered in error (a dropout enrolled
        again, Art 27(2); a graduate continuing into grade 7 or 10, Art 12, at the
        wrong school) is undone instead: it is again what that enrolment found it (a
        dropout; a graduate at its old school), so the right school can enrol it.

        The record stays in the store (status ``voided``, its history and numbers
        kept): it is no duplicate of the child's enrolment at the right school
        (:func:`~xueji.rules.enrolment.check_duplicate`), holds no seat
        (:data:`~xueji.lifecycle.SEATED`), is left out of the national export, and
        its G number, the child's identity number's, is released
        (:attr:`~xueji.numbers.NumberRecord.voided`: it no longer finds the voided
        record, and the child's record at the right school is issued it); a J or L
        number stays held, never issued again. The log entry ``void_record`` cites
        Art 14 with the reason. Found by the lifecycle review: the table had the
        step and no command fired it. ``expected_version`` and ``idempotency_key``
        as for :meth:`update_student`."""
        _free_text(reason, "作废原因", "the reason")
        on = self.today()
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "void_record", expected_version)
            open_now = uow.requests.open_for_student(s.id)
            first = _first_entry(s)
            reentry = (
                None if first or s.status not in change_rules.VOIDABLE else _reentry_entry(uow, s)
            )
            decision = change_rules.check_void(
                s,
                reason=reason,
                first_entry=first,
                open_requests=open_now,
                reentry=reentry is not None,
            )
            if not decision.allowed:
                return Outcome(decision, s)
            if reentry is not None:
                new = self._undo_reentry(uow, actor, on, s, reentry, reason)
                for req in open_now:  # its new-student review
                    self._advance(uow, actor, req, "withdraw", on, note=f"作废 voided: {reason}")
                return Outcome(decision, new)
            row = STUDENT.fire(s.status, "void")
            numbers, after = s.numbers, {"reason": reason}
            g = numbers.current.text if numbers is not None else ""
            if numbers is not None and g.startswith("G") and g not in numbers.voided:
                # the child's identity number's: released to its record at the right
                # school (one person, one number, Art 13)
                numbers = attrs.evolve(numbers, voided=(*numbers.voided, g))
                after["released"] = "registry_number"
            new = attrs.evolve(s, status=row.target, numbers=numbers, version=s.version + 1)
            uow.students.update(new)
            self._log(
                uow,
                actor,
                on,
                "void_record",
                s.id,
                {"status": s.status.value},
                {"status": new.status.value, **after},
                str(self.policy(on).cite("student", "void", row.article)),
                record=new,
                read=s,
            )
            for req in open_now:  # its new-student review (any other refused above)
                self._advance(uow, actor, req, "withdraw", on, note=f"作废 voided: {reason}")
        return Outcome(decision, new)

    def _undo_reentry(
        self,
        uow: UnitOfWork,
        actor: Actor,
        on: _dt.date,
        s: Student,
        reentry: ChangeEntry,
        reason: str,
    ) -> Student:
        """Art 14 with Art 27(2) or Art 12: an enrolment that took a record up again,
        entered in error, undone (:meth:`void_record`): the record is again what
        ``reentry`` found it (a dropout, from its ``enroll_after_dropout`` entry; a
        graduate, or one who completed the stage, from its ``enroll_next_stage``
        entry), at the school, class, grade and stage, with the entry date, photo and
        地区学号, it had; the 地区学号 the enrolment issued is dropped from
        ``regional_numbers`` (never issued again: the allocator moved on), the 学籍号
        is the record's as before. Logged by the step (:func:`_undo_event`:
        ``void_reenrolment``, ``void_continuation``) with the reason, the values
        before and after. A graduate's continuing typed in at the wrong school was
        refused ``void.taken_up`` before, and stuck there (found by the leftovers
        review)."""
        was = reentry.before
        event = _undo_event(reentry)
        row = STUDENT.fire(s.status, event)
        photo = _logged_photo(str(was.get("photo", "")))
        issued = reentry.after.get("regional_number")
        new = attrs.evolve(
            s,
            status=row.target,
            school=str(was["school"]),
            class_id=str(was["class_id"]),
            grade=int(str(was["grade"])),
            stage=Stage(str(was["stage"])),
            entry_date=_dt.date.fromisoformat(str(was["entry_date"])),
            photo=photo,
            regional_number=str(was["regional_number"]),
            regional_numbers=tuple(n for n in s.regional_numbers if n != issued),
            version=s.version + 1,
        )
        uow.students.update(new)
        self._log(
            uow,
            actor,
            on,
            event,
            s.id,
            {"status": s.status.value} | {k: getattr(s, k) for k in _TAKEN_UP_LOGGED},
            {"status": new.status.value, "reason": reason}
            | {k: getattr(new, k) for k in _TAKEN_UP_LOGGED},
            str(self.policy(on).cite("student", event, row.article)),
            record=new,
            read=s,
        )
        return new

    @classmethod
    def _lapsed(
        cls, uow: UnitOfWork, existing: Sequence[Student], on: _dt.date, policy: Policy
    ) -> frozenset[str]:
        """The ids of the compulsory dropouts among ``existing`` whose kept registry has
        lapsed by ``on`` (Art 27(2): :func:`~xueji.rules.changes.registry_lapsed`, the
        day each dropout was approved read from its requests)."""
        return frozenset(
            s.id
            for s in existing
            if s.status is St.DROPPED_OUT
            and s.grade in policy.compulsory_grades.value
            and change_rules.registry_lapsed(
                s, dropped_on=cls._dropped_on(uow, s), today=on, policy=policy
            )
        )

    @staticmethod
    def _dropped_on(uow: UnitOfWork, s: Student) -> _dt.date | None:
        """The day ``s``'s dropout was approved (its latest approved dropout request's
        last step), or None where none is found (a record made a dropout before
        requests were kept, or outside the registry)."""
        days = [
            r.history[-1].on
            for r in _requests_of(uow.requests, s.id)
            if r.kind is RequestKind.DROPOUT and r.state is R.APPROVED and r.history
        ]
        return max(days, default=None)

    # -- graduation and the school year (Art 18) ------------------------------------------------

    @_retried
    @_idempotent
    def graduate(
        self,
        actor: Actor,
        student_id: str,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Graduate a final-grade student: compulsory education directly by the school;
        senior high through the authority's approval (Art 18)."""
        return self._finish(actor, student_id, "graduate", expected_version)

    @_retried
    @_idempotent
    def complete(
        self,
        actor: Actor,
        student_id: str,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
    ) -> Outcome:
        """Record 结业 (completion without graduation) for a final-grade student (Art 18):
        as :meth:`graduate`, compulsory education directly by the school, senior high
        through the authority's approval (Art 18: 毕(结)业 alike; the request is a
        graduation request whose payload says ``outcome = complete``)."""
        return self._finish(actor, student_id, "complete", expected_version)

    @staticmethod
    def _final_since(uow: UnitOfWork, s: Student, on: _dt.date) -> _dt.date | None:
        """The date ``s`` came into its present grade, as :meth:`detect` reads it from
        the whole log (:func:`_grade_since`), from the student's own entries and the
        rollovers run since its first (each year's rollover entry, read by its
        subject): the fact graduation's window is read from (Art 18). ``None`` where
        the log cannot say."""
        own = [e for e in uow.log.entries(s.id) if "record_digest" in e.after]
        if not own:
            return None
        years = range(own[0].on.year - 1, on.year + 1)  # (a rollover runs before the next)
        ran = uow.log.last_many(f"year:{y}" for y in years).values()
        rolls = [e for e in ran if e.command == "rollover"]
        digests: dict[str, _Logged] = {}
        rollovers: list[_LoggedRollover | None] = []
        merged = sorted([*own, *rolls], key=operator.attrgetter("seq"))
        collections.deque(_watch_records(merged, digests, rollovers), maxlen=0)
        logged = digests.get(s.id)
        return None if logged is None else _grade_since(logged, s.grade, s.id, rollovers)

    def _finish(
        self, actor: Actor, student_id: str, event: str, expected_version: int | None = None
    ) -> Outcome:
        on = self.today()
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, event, expected_version)
            policy = self.policy(on)
            needs_approval = graduation.graduation_needs_approval(s.stage, policy)
            outcome = {"outcome": "complete"} if event == "complete" else {}
            open_now = uow.requests.open_for_student(s.id)  # (read once: both uses below)
            pending = [r for r in open_now if r.kind is RequestKind.GRADUATION]
            since = self._final_since(uow, s, on)
            decision = Decision.combine(
                graduation.check_graduation(s, on=on, policy=policy, final_since=since),
                # (an open request for the same outcome is the repeat handled below; one
                # for the other outcome, 毕业 against 结业, must be decided first)
                change_rules.check_no_other_open(
                    s,
                    RequestKind.GRADUATION,
                    open_now,
                    same=(RequestKind.GRADUATION,)
                    if needs_approval and all(dict(r.payload) == outcome for r in pending)
                    else (),
                    policy=policy,
                ),
                self._own_filing(uow, actor, RequestKind.GRADUATION, s.school, policy=policy)
                if needs_approval
                else Decision.allow(),
            )
            if not decision.allowed:
                return Outcome(decision, s)
            if needs_approval:
                if pending:  # already submitted: a repeat is a no-op, and says which one
                    return Outcome(decision, s, pending[0])
                # the school year's graduation deadline is the review's (Art 18): a
                # later approval is flagged, and the Art 32 report charges it to the
                # authority where the school filed in time
                due = graduation.graduation_window(on, policy=policy, final_since=since)[1]
                req = self._open_request(
                    uow,
                    actor,
                    on,
                    RequestKind.GRADUATION,
                    s,
                    warnings=decision.codes,
                    deadline=due,
                    payload=outcome,
                )
                return Outcome(decision, s, req)
            s = self._write_student(uow, actor, on, s, event, event, {})
        return Outcome(decision, s)

    @_retried
    def rollover(self, actor: Actor, year: int) -> Outcome:
        """The 1 August rollover of school year ``year`` (Art 18): every student in school
        moves up one grade; the cases Art 18 leaves open follow the policy. Running it
        twice for the same year changes nothing.

        Set-based (:func:`~xueji.rules.graduation.rollover_plan`): a SQL store promotes
        the province in one statement. Promotion changes no status, so it is logged as
        one entry for the year (the rule, how many moved, how many were held); students
        completed (结业) at the rollover each get their own entry.

        Its entries are dated its rollover date; run later, it records the day it ran
        (:data:`RAN_ON_KEY`, :func:`latest_log_day`), which a later command may not be
        dated before.
        """
        on = self.today()
        if type(year) is not int or not _dt.MINYEAR <= year < _dt.MAXYEAR:
            shown = repr(year)
            raise _bad_input(f"学年无效：{shown}", f"not a school year: {shown}")
        with self._reading() as uow:  # who may run it, before what the date says
            self._authorize(uow, actor, "rollover")
        policy = self.policy(on)
        due = policy.rollover_date.value.in_year(year)
        when = graduation.check_rollover_date(on, year, policy=policy)
        if not when.allowed:
            return Outcome(when)
        # run late, it still does what it would have done on its date (its entry is
        # dated then): the profile in force on that day decides (found by the review:
        # a profile that came into force in between decided instead), and its
        # rollover date is the date; with none in force then, the one of today
        with contextlib.suppress(PolicyNotInForce):
            then = self.policy(due)
            if (due_then := then.rollover_date.value.in_year(year)) <= on:
                policy, due = then, due_then
        # never dated before the profile it is decided under was in force (Art 33): an
        # amendment in force from 5 August moving the date to 3 August, run late, was
        # dated the 3rd, under a profile not yet in force (the one in force then had a
        # later date); it takes effect on the amendment's first day
        due = max(due, policy.valid_from)
        key = f"rollover:{year}"
        plan = graduation.rollover_plan(policy)
        with self.store.unit_of_work() as uow:  # (the actor was authorized above)
            if uow.meta.get(key) is not None:
                return Outcome(when)  # (run already: its date checked, nothing done)
            # the open requests, read once: the students a transfer holds (under
            # "hold"), those an ending-blocking change keeps from 结业, and the named
            # classes that may move up with their students
            transferring, blocked, going = set(), set(), []
            transfers: list[Request] = []  # (the open transfers, for "hold" below)
            incoming: set[str] = set()  # new records from outside under review
            for r in uow.requests.open():
                # (run late) a transfer filed after the date was not open on it: run
                # then, the rollover moved its student up; only one open on the date
                # holds them under "hold" (one ended since is not open now: Art 16,
                # 18(2); found by the review: one filed 5 August held its student at
                # a rollover run on 1 September)
                if r.kind in _TRANSFER_KINDS and r.opened_on <= due:
                    transferring.add(r.student)
                    transfers.append(r)
                if r.kind in _INCOMING_KINDS:
                    incoming.add(r.student)
                if r.kind in change_rules.ENDING_BLOCKERS:
                    blocked.add(r.student)
                if r.to_class:
                    going.append(r)
            exclude = frozenset(transferring if plan.hold_open_transfers else ())
            # (a record coming in from outside stays in any case: not held for it)
            held_for_transfer = _held_below_final(uow, plan, exclude - incoming)
            entered_after: frozenset[str] = frozenset()
            late_final = 0  # of them, registered in a final grade: not unfinished
            late_suspended = 0  # of them, suspended below a final grade: not held
            late_suspended_final = 0  # of them, suspended in a final grade
            since: list[Student] = []  # (run late) records written since its date
            if on > due:
                # run late: a record that entered after the rollover's date (a new
                # intake, a student continuing into grade 7, a new record from another
                # province) is in the new school year already (found by the analysts'
                # review: a September grade 1 went to grade 2). One pass over the
                # records, on a late run only. A record that came back after the date
                # (a return, a resumption) keeps its first entry date and is moved.
                # The same pass finds the records the log shows written since the date
                # (their last entry dated after it, read a batch at a time): their status
                # may have changed since, read below (_as_on_rollover_date)
                late, since = [], []
                records = uow.students.all()
                while part := list(itertools.islice(records, SWEEP_BATCH)):
                    late += [s for s in part if s.entry_date > due]
                    heads = uow.log.last_many(s.id for s in part if s.entry_date <= due)
                    since += [s for s in part if (h := heads.get(s.id)) and h.on > due]
                entered_after = frozenset(s.id for s in late)
                late_suspended = sum(
                    1
                    for s in late
                    if s.status is St.SUSPENDED and s.grade < plan.final_grades[s.stage]
                )
                late_final = sum(
                    1
                    for s in late
                    if s.status is St.REGISTERED and s.grade >= plan.final_grades[s.stage]
                )
                late_suspended_final = sum(
                    1
                    for s in late
                    if s.status is St.SUSPENDED and s.grade >= plan.final_grades[s.stage]
                )
                exclude |= entered_after
            marked: list[tuple[Student, Request]] = []
            if plan.hold_open_transfers:
                # each transfer whose student is held says so, for its end to move
                # them up by the rollovers they missed (Art 18(2))
                marked = self._mark_held(uow, plan, transfers, entered_after, year)
            # a record from another province or from abroad under review (its
            # transfer in open) was not in school here on the date: it stays, as
            # its return does (Art 18); a record under first-entry review moves up
            # with its class (graduation.UNDER_REVIEW, Arts 16 and 18(2))
            exclude |= incoming
            # run late, each record decided by its status on the date, not today's
            as_on = _AsOnDate.read(uow, plan, due, since, exclude)
            exclude |= as_on.kept
            unfinished = (
                uow.students.count_where(St.REGISTERED, plan.final_grades)
                - late_final
                + as_on.unfinished
            )
            completed = 0  # of the unfinished, those given 结业; the rest are held
            if plan.complete_unfinished:
                completed = self._complete_unfinished(
                    uow, actor, due, plan.final_grades, blocked | entered_after | as_on.kept
                )
            held = 0  # the suspended held below their final grade (who would move up)
            if St.SUSPENDED not in plan.statuses:
                held = (
                    uow.students.count_where(St.SUSPENDED)
                    - uow.students.count_where(St.SUSPENDED, plan.final_grades)
                    - late_suspended
                    + as_on.held
                )
            # the suspended in a final grade (or above it): held there under any
            # profile, neither moved up nor graduated (Art 18 with Art 26); before, in
            # no figure of the entry (found by the status review). Counted from
            # today's statuses (a late run does not correct it by the date's)
            suspended_final = (
                uow.students.count_where(St.SUSPENDED, plan.final_grades) - late_suspended_final
            )
            # set-based: one statement in a SQL store, not a loop over the province
            # the classes first: a class moves up with the students who move up in it
            classes = uow.classes.promote(plan.statuses, plan.final_grades, exclude)
            going = [r for r in going if r.student not in exclude]
            classes += self._promote_destinations(uow, plan, going)
            promoted = uow.students.promote(plan.statuses, plan.final_grades, exclude)
            if marked:  # (under "hold") each keeps their seat in the class gone up (Art 16)
                _keep_held_seats(uow, marked)
            if as_on.move:  # (run late) those in school on the date, out of it since
                moved, classes_moved = self._move_as_on(uow, actor, due, policy, as_on.move)
                promoted, classes = promoted + moved, classes + classes_moved
            # (run late) held by their status on the date, back since in a class that
            # went up with its other pupils: named, for the authority to seat them
            gone_up = _in_class_gone_up(uow, [s for s in since if s.id in as_on.kept])
            # the rules of the run, each a step with the parameter it reads (as
            # graduation.rollover_action's), a warning where a student was affected
            ran = Checks()
            unfinished_rule = policy.rollover_unfinished_final_grade
            ran.rule(
                "graduation.overdue",
                not unfinished,
                warn=True,
                article=unfinished_rule.article,
                params=(("rollover_unfinished_final_grade", unfinished_rule),),
                students=unfinished,
                action="complete" if plan.complete_unfinished else "hold",
                completed=completed,
                held_unfinished=unfinished - completed,
            )
            promotes = policy.rollover_promotes_suspended
            ran.rule(
                "rollover.suspended_held",
                not held,
                warn=True,
                article=promotes.article,
                params=(("rollover_promotes_suspended", promotes),),
                students=held,
            )
            if on > due:  # (run late: a record the log cannot decide is named, not guessed)
                ran.rule(
                    "rollover.status_unknown",
                    not as_on.unknown and not gone_up,
                    warn=True,
                    article=anhui(18, 2),
                    students=len(as_on.unknown) + len(gone_up),
                    ids=",".join(sorted(as_on.unknown)),
                    # (Art 16: to be put into a class of their grade by the authority,
                    # regrade; on time, their return into it was refused)
                    class_gone_up=",".join(gone_up),
                )
            uow.meta.set(key, on.isoformat())
            if due < on:  # its entries are dated its date: the day it ran is kept apart
                _ran_on(uow, on)
            rule = _LoggedRollover.written(plan, exclude)
            self._log(
                uow,
                actor,
                due,
                "rollover",
                f"year:{year}",
                {},
                {
                    "year": year,
                    "promoted": promoted,
                    "classes_promoted": classes,
                    "final_grade_unfinished": unfinished,
                    "completed": completed,
                    "held_unfinished": unfinished - completed,
                    "suspended_held": held,
                    "suspended_final_grade": suspended_final,
                    "held_for_open_transfer": held_for_transfer,
                    "entered_after_its_date": len(entered_after),
                    # (run late) decided by their status on the date, not today's
                    "moved_by_status_on_its_date": len(as_on.move),
                    "held_by_status_on_its_date": len(as_on.kept),
                    # what detect follows a record's grade through (Art 32(三))
                    **rule,
                    "rule": "status in {"
                    + rule["statuses"]
                    + "} and grade below the stage's final grade: grade + 1",
                },
                str(policy.as_cited(policy.rollover_date.article)),
            )
        return Outcome(Decision.combine(when, ran.decision()))

    def _move_as_on(
        self,
        uow: UnitOfWork,
        actor: Actor,
        due: _dt.date,
        policy: Policy,
        move: Sequence[tuple[Student, StudentStatus]],
    ) -> tuple[int, int]:
        """Move up the students a late rollover finds in school on its date and out of
        it since (:class:`_AsOnDate`, Art 18(2)): as on the date, grade + 1 and their
        class with them where it has not gone up already with the others (Art 16:
        a class moves up with its students), each with its own entry dated the
        rollover's date saying the status it was read from (detect follows the grade
        from it). Returns how many students and how many classes moved."""
        classes: set[str] = set()
        basis = str(policy.as_cited(policy.rollover_date.article))
        for s, was in move:
            klass = uow.classes.get(s.class_id)
            if klass is not None and klass.grade == s.grade and klass.id not in classes:
                uow.classes.update(attrs.evolve(klass, grade=klass.grade + 1))
                classes.add(klass.id)
            new = attrs.evolve(s, grade=s.grade + 1, version=s.version + 1)
            uow.students.update(new)
            self._log(
                uow,
                actor,
                due,
                "rollover",
                s.id,
                {"grade": s.grade},
                {"status_on_rollover_date": was.value},
                basis,
                record=new,
                read=s,
            )
        return len(move), len(classes)

    @staticmethod
    def _promote_destinations(
        uow: UnitOfWork, plan: graduation.RolloverPlan, going: Sequence[Request]
    ) -> int:
        """A request open at the rollover that will put a student who moves up into a
        named class (``going``: a transfer under ``rollover_open_transfers =
        "promote"``; a resumption under ``rollover_promotes_suspended``) goes on into
        the new grade: the class moves up with the student, though no one sits in it
        yet (an empty class stays where it is otherwise). Called after the classes'
        promotion and before the students'; a class moved already, with its own
        students, is not moved twice. Returns how many classes moved."""
        if not going:
            return 0
        students = uow.students.get_many({r.student for r in going})
        classes = uow.classes.get_many({r.to_class for r in going if r.to_class})
        moved: set[str] = set()
        for r in going:
            s, klass = students.get(r.student), classes.get(r.to_class or "")
            if s is None or klass is None or klass.id in moved:
                continue
            if plan.moves_up(s) and klass.grade == s.grade:  # the grade the student leaves
                uow.classes.update(attrs.evolve(klass, grade=klass.grade + 1))
                moved.add(klass.id)
        return len(moved)

    def _complete_unfinished(
        self,
        uow: UnitOfWork,
        actor: Actor,
        on: _dt.date,
        final_grades: Mapping[Stage, int],
        blocked: Collection[str],
    ) -> int:
        """结业 for the registered students still in a final grade at the rollover (a
        policy's ``rollover_unfinished_final_grade="complete"``), each with its own log
        entry: read a page at a time and written behind, :data:`SWEEP_BATCH` students a
        batch (a province's final grades need not fit in memory, nor take four
        statements a student). Not the ``blocked`` students, with a change open that the
        ended record could not take (a key-field correction, a transfer): completed, it
        would be stuck at its approval; they are held in the final grade instead, and
        counted as unfinished and held. Returns how many were completed."""
        found = (
            s
            for s in uow.students.in_final_grade(St.REGISTERED, final_grades)
            if s.id not in blocked
        )
        done = 0
        with _gc_paused():
            while part := list(itertools.islice(found, SWEEP_BATCH)):
                batch = WriteBehind(uow)
                batch.preload_students(part)
                for s in part:
                    self._write_student(batch, actor, on, s, "complete", "rollover", {})
                batch.flush()
                done += len(part)
        return done

    @_retried
    def advance_clock(self, actor: Actor, to: _dt.date | None = None) -> list[Request]:
        """Move a manual clock to ``to`` (if given) and run the deadline sweep up to
        today: every transfer stage past its deadline is approved by default where the
        policy says so (Art 24), each on the day after its deadline. Idempotent: running
        it again for the same day changes nothing. Returns the requests it advanced.

        The default approvals are the system's (Art 24 deems the party's consent: actor
        kind and unit ``system``); where ``actor`` is a person or unit, not
        ``Actor.system()`` itself, each entry's actor name says who ran the sweep
        (:func:`_sweep_runner`: ``系统（王科长 运行） system (run by 王科长)``), so the log
        names who is accountable for it (Arts 31, 32). Before, ``xueji sweep
        --operator NAME`` was accepted and recorded nowhere.

        A sweep that approved a stage dated before today records today as the day the
        registry ran at (:data:`RAN_ON_KEY`, :func:`latest_log_day`); one that
        approved nothing writes nothing."""
        _check_date(to, "推进到的日期", "the date to move to", optional=True)
        with self._reading() as uow:  # (a province actor must be the store's province)
            self._authorize(uow, actor, "advance_clock")
        if to is not None:
            advance = getattr(self.clock, "advance_to", None)
            if advance is None:
                raise _bad_input("该时钟不能手动推进", "this clock cannot be moved by hand")
            advance(to)
        today = self.today()
        changed = []
        runner = _sweep_runner(actor)
        with _gc_paused(), self.store.unit_of_work() as uow:
            due = self._due_readable(uow, today)
            for i in range(0, len(due), SWEEP_BATCH):
                part = due[i : i + SWEEP_BATCH]
                batch = WriteBehind(uow)
                try:
                    batch.preload(part)
                except CorruptRecord:  # a student record that cannot be read: held
                    part = self._with_readable_students(uow, part)
                    batch = WriteBehind(uow)
                    batch.preload(part)
                for req in part:
                    after = self._sweep_request(batch, req, today, runner=runner)
                    if after.version != req.version:
                        changed.append(after)
                batch.flush()
            # each approval is dated the day after its deadline: where the last is
            # before today, the day the sweep ran is kept apart (latest_log_day)
            if changed and (last := uow.log.last()) is not None and last.on < today:
                _ran_on(uow, today)
        return changed

    @staticmethod
    def _due_readable(uow: UnitOfWork, today: _dt.date) -> list[Request]:
        """The requests the sweep of ``today`` approves (``open_due_before``). One that
        cannot be read (edited by hand past reading) is held, said to the logger, where
        the store can read past it (the optional ``readable_due_before``); before, it
        stopped the sweep, and every default approval of the province with it."""
        try:
            return uow.requests.open_due_before(today)
        except CorruptRecord:
            readable = getattr(uow.requests, "readable_due_before", None)
            if readable is None:
                raise
        unreadable: dict[str, CorruptRecord] = {}
        due: list[Request] = readable(today, unreadable)
        for rid in sorted(unreadable):
            _held_unreadable(rid, None, unreadable[rid])
        return due

    @staticmethod
    def _with_readable_students(uow: UnitOfWork, part: Sequence[Request]) -> list[Request]:
        """The requests of ``part`` whose students' records can be read; the others are
        held, said to the logger (:func:`_held_unreadable`): the sweep goes on without
        them, and its next run after the record is repaired approves them, dated the
        day after their deadlines (the Art 32 report lists the record meanwhile)."""
        unreadable: dict[str, CorruptRecord] = {}
        _one_by_one(uow, {r.student for r in part}, unreadable)
        for r in part:
            if r.student in unreadable:
                _held_unreadable(r.id, r.student, unreadable[r.student])
        return [r for r in part if r.student not in unreadable]

    def forget_idempotency_keys(self, actor: Actor, *, before: _dt.date) -> int:
        """Remove the idempotency records of commands run before ``before``; returns
        how many were removed.

        Each keyed command leaves a small record in the store's meta table (see
        ``idempotency_key``) that nothing else removes, so a busy province's table
        only grows. A key is kept so that a client's retry is a no-op; retries come
        within minutes or days, so records months old can go. A command repeated with
        a forgotten key runs again as a new command, and is decided by the rules as
        any command is (a second enrolment of the same person is refused by Art 14).
        Records written before their date was kept (before this method) count as
        older than any ``before``, and so does a record edited into something else
        (a repeat with its key is refused as ``CorruptRecord``: it can serve none). A
        province-wide operation of the system's operator (Art 5); the change log is not
        touched.
        """
        _check_date(before, "日期", "the date")
        cutoff = before.isoformat()
        gone = 0
        with self.store.unit_of_work() as uow:
            # (a province actor must be the store's province: found by the review)
            self._authorize(uow, actor, "forget_idempotency_keys")
            old: list[str] = []
            for key, text in uow.meta.prefixed(_IDEM):
                try:
                    on_ = _idempotency_record(key, text).on
                except CorruptRecord:
                    on_ = None  # unreadable: it can serve no repeat (one is refused)
                if on_ is None or on_ < cutoff:
                    old.append(key)
                if len(old) >= _FORGET_BATCH:
                    gone += uow.meta.delete(old)
                    old = []
            gone += uow.meta.delete(old)
        return gone

    # -- queries -------------------------------------------------------------------------------

    def _read(self, uow: UnitOfWork, actor: Actor, subject: str, what: str, count: int) -> None:
        """Log a read of sensitive fields (the full ID number) by an actor (PIPL Art 51;
        未成年人网络保护条例): who read what, when, for which unit."""
        self._log(
            uow,
            actor,
            self.today(),
            "read_sensitive",
            subject,
            {},
            {"fields": what, "records": count},
            "个人信息保护法 第五十一条",
        )

    @_retried
    def student(self, actor: Actor, student_id: str) -> Student:
        """One student's record, full ID number included: the read is logged."""
        with self.store.unit_of_work() as uow:
            s = self._student_for(uow, actor, student_id, "student")
            self._read(uow, actor, s.id, _identity_fields([s]), 1)
            return s

    @_retried  # (it logs a read: see _read_payloads)
    def pending(self, actor: Actor, kind: RequestKind | None = None) -> list[Request]:
        """The open requests (of ``kind``, if given) whose current stage waits for
        ``actor``: its inbox, by deadline then id. One pass over the open requests
        (an index range), each checked against the party of its stage as a decision
        would be; the actor must be one that may read requests (Art 28). A request row
        edited past reading is left out, said to the logger (on a store that can read
        past it, as the SQL store does; the province's Art 32 report names it)."""
        _check_actor(actor)
        if kind is not None:
            _check_member(kind, RequestKind, "申请类别", "the request kind")
        with self._reading() as uow:
            if actor.kind is ActorKind.PROVINCE:  # (the store's province, as _authorize)
                self._check_province(uow, actor, "pending")
            # its own stages only; a denial cites the profile's access.pending (Art 28)
            access.check(actor, "pending", inside=True, detail="", cite=self._access_article)
            # a request row edited past reading is read past where the store can (it
            # stopped every unit's inbox): said to the logger; the province's Art 32
            # report names it
            bad: dict[str, CorruptRecord] = {}
            readable = getattr(uow.requests, "readable_open", None)
            found = [
                r
                for r in (uow.requests.open() if readable is None else readable(bad))
                if (kind is None or r.kind is kind) and self._check_party(uow, actor, r).allowed
            ]
        for rid in sorted(bad):
            _LOG.warning(
                "待办列表略过：请求 %s 无法读取（%s；storage.corrupt，第三十二条：在系统之外被改动） / "
                "inbox: request %s left out, it cannot be read (%s; storage.corrupt, Art 32: "
                "edited outside the registry)",
                rid,
                mask_ids(bad[rid].detail_zh),
                rid,
                mask_ids(bad[rid].detail),
            )
        self._read_payloads(actor, f"pending:{actor.unit}", found)
        far = _dt.date.max
        return sorted(found, key=lambda r: (self._due(r) or far, r.id))

    @_retried  # (it logs a read: see _read_payloads)
    def request(self, actor: Actor, request_id: str) -> Request:
        """One request (for an actor over either school it concerns). A correction's
        new identity number is in its payload whole: the read is logged."""
        with self._reading() as uow:
            r = self._get_request(uow, request_id)
            self._authorize(uow, actor, "request", schools=self._request_schools(uow, r))
        self._read_payloads(actor, r.id, [r])
        return r

    def _read_payloads(self, actor: Actor, subject: str, requests: Sequence[Request]) -> None:
        """Log the read of the identity numbers whole in ``requests``' payloads (a
        correction's new ``id_number`` or ``guardian_id``, which its approval applies),
        as :meth:`student` logs a record's (PIPL Art 51; Art 30): one entry naming the
        fields and how many requests held them. Nothing is logged when none did."""
        fields = sorted({k for r in requests for k in _SENSITIVE_PAYLOAD if r.payload.get(k)})
        if not fields:
            return
        held = sum(1 for r in requests if any(r.payload.get(k) for k in _SENSITIVE_PAYLOAD))
        with self.store.unit_of_work() as uow:
            self._read(uow, actor, subject, ",".join(f"payload.{k}" for k in fields), held)

    @_retried
    def students_of(self, actor: Actor, school: str) -> list[Student]:
        """The students of a school (the read of their ID numbers is logged)."""
        with self.store.unit_of_work() as uow:
            self._authorize(uow, actor, "students_of", school=school)
            self._get_school(uow, school)  # an unknown code is an error, not an empty read
            found = uow.students.by_school(school)
            self._read(uow, actor, f"school:{school}", _identity_fields(found), len(found))
            return found

    def migrant_dropouts(
        self, actor: Actor, *, start: _dt.date, end: _dt.date
    ) -> dict[str, tuple[change_rules.MigrantDropout, ...]]:
        """Art 27(3): the term's migrant-children dropouts of the compulsory grades
        (``compulsory_grades`` of the policy in force on ``end``) of the schools in the
        actor's jurisdiction, grouped by the 户籍 county they are handed to.

        Each dropout is of the school the child attended when dropping out, and is
        listed with that school, grade, 户籍 and migrant flag (kept in the request at
        its approval: :func:`~xueji.rules.changes.student_at_dropout`; a child still
        out on that dropout, its latest, is read as its record is now, corrected
        since where it was: a migrant flag or 户籍 put right), so the
        authority of that school hands it over even if the child has come back and
        transferred elsewhere since. Before, the record as it is now was read: the
        new school's authority was given it, labelled with the new school. A dropout
        approved before these were kept is read from the record as it is now.

        A dropout is in the term by the day it was approved; one approved in a break
        between the profile's ``terms`` (policy in force on ``end``) is in the summary
        of the term that follows (:func:`~xueji.rules.changes.summary_span`): the
        break before a term is in that term's summary. Before, a dropout approved in
        the winter or summer break was in no term's summary. Each line gives the day
        it was approved and the day the school recorded it.

        ``start`` after ``end`` is ``command.bad_input`` (before, ``{}``: a term with
        no dropout)."""
        _check_date(start, "起始日期", "the start date")
        _check_date(end, "截止日期", "the end date")
        if start > end:
            raise _bad_input(
                f"起始日期 {start.isoformat()} 晚于截止日期 {end.isoformat()}",
                f"the start date {start.isoformat()} is after the end date {end.isoformat()}",
            )
        with self._reading() as uow:
            self._authorize(uow, actor, "migrant_dropouts")
            inside = self._jurisdiction(uow, actor)
            read = []
            latest: dict[str, tuple[_dt.date, str]] = {}  # each student's last dropout
            dropouts = _of_kind(uow.requests, RequestKind.DROPOUT, R.APPROVED)
            for r, found in _with_students(uow, dropouts, lambda r: r.student):
                now = found or self._get_student(uow, r.student)
                read.append((r, now))
                key = (r.history[-1].on, r.id)
                latest[now.id] = max(latest.get(now.id, key), key)
            lines = []
            for r, now in read:
                # a child still out on this dropout: the record as corrected since
                still_out = now.status is St.DROPPED_OUT and latest[now.id][1] == r.id
                s = change_rules.student_at_dropout(now, r, still_out=still_out)
                if inside(s.school):  # approved on, recorded on
                    lines.append((s, r.history[-1].on, r.opened_on))
            return change_rules.migrant_dropout_summary(
                lines, start=start, end=end, policy=self.policy(end)
            )

    def history(self, actor: Actor, subject: str) -> list[ChangeEntry]:
        """The change-log entries of one subject: a student, a request or a school
        (others, such as a unit or a rollover year, for the province).

        A student or request id (``S0000001``, ``R0000001``: :data:`_RECORD_ID`, any
        case) the store does not hold is :class:`~xueji.errors.NotFound`
        (``not_found.student``, ``not_found.request``) to every actor, as the commands
        that file on it say: before, it was a province-level subject, refused to a
        county ("a province-level subject") and an empty history to the province, a
        typo (``s0000001``) too. The province (and the system), who may read such a
        subject, still reads the entries the log holds of a record no longer in the
        store (deleted outside the registry: an Art 32(三) finding); to anyone else it
        is not found, as it is to the filing commands."""
        _check_code(subject, "记录对象", "the subject")
        with self._reading() as uow:
            schools = self._subject_schools(uow, subject)
            gone = _RECORD_ID.fullmatch(subject) if schools == [_PROVINCE_LEVEL] else None
            if gone is None or uow.units.get(subject) is not None:
                self._authorize(uow, actor, "history", schools=schools)
                return uow.log.entries(subject)
            what, zh, en = (
                ("student", "学生", "student")
                if gone.group(1).upper() == "S"
                else ("request", "申请", "request")
            )
            missing = NotFound(f"not_found.{what}", f"{zh} {subject} 不存在", f"no {en} {subject}")
            try:
                self._authorize(uow, actor, "history", schools=schools)
            except AccessDenied:
                raise missing from None
            if uow.log.last(subject) is None:  # (one indexed read: the subject's last)
                raise missing
            return uow.log.entries(subject)

    # -- audit (Arts 31-32) -----------------------------------------------------------------

    def verify_log(
        self, actor: Actor, *, checkpoint: audit.Checkpoint | None = None
    ) -> audit.Verification:
        """Verify the whole change log's hash chain (Art 31 sampling, Art 32 tampering).

        With a ``checkpoint`` taken earlier (:meth:`checkpoint`, kept by a higher
        authority), also prove the log still passes through it
        (:func:`audit.verify_checkpoint`): the chain alone cannot show a history
        rewritten and re-sealed, nor the newest entries removed. One streamed pass
        either way."""
        _check_checkpoint(checkpoint)
        with self._reading() as uow:
            self._authorize(uow, actor, "verify_log")
            if checkpoint is not None:
                return audit.verify_checkpoint(uow.log.stream(), checkpoint)
            return audit.verify(uow.log.stream())

    def checkpoint(self, actor: Actor) -> audit.Checkpoint:
        """The log's head now, to export to a higher authority (``to_json``).

        The log is verified first (one streamed pass, as :meth:`verify_log`), and the
        head is the last entry of that pass: a checkpoint certifies that history up
        to it is sound, so over a chain already broken it would certify the
        tampering. Raises :class:`~xueji.errors.BrokenLog` (``audit.broken``, naming
        the first bad entry) then."""
        head: collections.deque[ChangeEntry] = collections.deque(maxlen=1)
        with self._reading() as uow:
            self._authorize(uow, actor, "checkpoint")
            result = audit.verify(_kept(uow.log.stream(), head))
        if not result.ok:
            assert result.seq is not None  # a failed verification names its entry
            assert result.problem is not None
            raise BrokenLog(result.seq, result.problem, result.message_zh, result.message_en)
        return audit.checkpoint(list(head), taken_on=self.today(), unit=actor.unit)

    def detect(
        self, actor: Actor, *, checkpoint: audit.Checkpoint | None = None
    ) -> audit.Art32Report:
        """Art 32: what the system can see on today's date, for the schools in the
        actor's jurisdiction: late entry, overdue approvals, stages approved by default,
        late graduation work, and a change log that does not verify (against
        ``checkpoint`` too, when one is given: see :meth:`verify_log`).

        Two passes over the store, both streamed: the requests, :data:`REPORT_BATCH`
        at a time with their students read in one query per batch, and the change
        log once, which both verifies the chain and finds the late graduations and
        the entries of commands that found their record changed outside the
        registry (:data:`ALTERED_SINCE`: reported for good, though the record now
        holds what the entry wrote); then the records against their last entries."""
        _check_checkpoint(checkpoint)
        on = self.today()
        findings: list[audit.Finding] = []
        with self._reading() as uow:
            self._authorize(uow, actor, "detect")
            inside = self._jurisdiction(uow, actor)
            everywhere = _sees_everything(actor)
            corrupt: dict[str, CorruptRecord] = {}  # records that cannot be read
            # a request row edited past reading is read past where the store can
            # (readable_all) and named below; it stopped the report before
            bad_requests: dict[str, CorruptRecord] = {}
            readable = getattr(uow.requests, "readable_all", None)
            requests = uow.requests.all() if readable is None else readable(bad_requests)
            stored: set[str] = set()  # every request the store holds (see _deleted_requests)
            held: dict[str, tuple[str, str]] = {}  # those inside: (digest, school)
            for r, student in _inside_with_students(
                uow,
                _ids_into(requests, stored),
                lambda r: r.student,
                inside,
                lambda r: (r.from_school, r.to_school),
                everywhere=everywhere,
                corrupt=corrupt,
            ):
                findings.extend(self._findings_of(uow, r, on, student))
                home = r.from_school or (student.school if student is not None else "")
                held[r.id] = (audit.request_digest(r), home or r.to_school or "")
            if everywhere:  # (whose it is cannot be read: the province's report says it)
                findings.extend(_unreadable_requests(bad_requests, on))
            late: list[tuple[ChangeEntry, _dt.date]] = []
            digests: dict[str, _Logged] = {}
            rollovers: list[_LoggedRollover | None] = []
            marked: list[tuple[ChangeEntry, str, str]] = []  # (see ALTERED_SINCE)
            opened: dict[str, _LoggedRequest] = {}  # each request's last entry
            entries = self._watch_graduations(
                _watch_requests(
                    _watch_records(uow.log.stream(), digests, rollovers, marked),
                    opened,
                    digests,
                    marked,
                ),
                late,
                digests,
            )
            verification = (
                audit.verify(entries)
                if checkpoint is None
                else audit.verify_checkpoint(entries, checkpoint)
            )
            with contextlib.suppress(CorruptRecord):  # (the reading stops at a bad row)
                collections.deque(entries, maxlen=0)  # the rest, where verification stopped
            findings.extend(self._late_graduations(uow, late, inside, everywhere, corrupt))
            # the final-grade students left ungraduated past their deadline (Art 18)
            findings.extend(
                self._missing_graduations(uow, on, digests, rollovers, inside, everywhere)
            )
            # (the log's own account, as the late graduations: said whether or not the
            # chain verifies, so a broken entry elsewhere does not hide it)
            findings.extend(_laundered(marked, inside, everywhere))
            if verification.ok:  # (a log that does not verify is the finding itself)
                findings.extend(
                    _altered_records(uow, digests, rollovers, inside, on, everywhere, corrupt)
                )
                findings.extend(_altered_requests(held, opened, on))
                findings.extend(
                    _deleted_requests(opened, stored, bad_requests, inside, on, everywhere)
                )
            if not verification.ok and verification.seq is not None:
                findings.append(
                    audit.Finding(
                        "altered_record",
                        "province",
                        f"log:{verification.seq}",
                        on,
                        verification.message_en,
                        verification.message_zh,
                    )
                )
        return audit.Art32Report(on, tuple(findings), verification)

    def _jurisdiction(self, uow: UnitOfWork, actor: Actor) -> Callable[[str], bool]:
        """:meth:`_inside` for one actor, each school looked up once (a report over the
        province asks about the same schools again and again)."""
        memo: dict[str, bool] = {}
        if _list_units(uow, actor):
            uow.schools.list()  # (see _list_units)

        def inside(school: str) -> bool:
            known = memo.get(school)
            if known is None:
                try:
                    known = self._inside(uow, actor, school)
                except NotFound:  # (a record moved by hand to no school: the province's)
                    known = _sees_everything(actor)
                memo[school] = known
            return known

        return inside

    def _findings_of(
        self, uow: UnitOfWork, r: Request, on: _dt.date, student: Student | None
    ) -> list[audit.Finding]:
        """The Art 32 findings of one request; ``student`` is its student as read (None
        if the store has no such student)."""
        out = []
        due = self._due(r)  # (a December dropout's, counted once the year is loaded)
        # a senior-high graduation filed after its deadline (Art 18) is the school's
        # lateness, not its reviewer's: said as the late graduation once approved
        filed_late = r.kind is RequestKind.GRADUATION and due is not None and r.opened_on > due
        if r.is_open and due is not None and due < on and not filed_late:
            party, _ = self._party(uow, r, student, lenient=True)
            out.append(
                audit.Finding(
                    "overdue_approval",
                    party,
                    r.id,
                    on,
                    f"{r.kind.value} at {r.state.value} since {r.stage_since}, due {due}",
                    f"{_kind_zh(r.kind)}自 {r.stage_since} 起{r.state.zh}，期限 {due}",
                )
            )
        for step in r.history:
            if step.event == "approve_by_default":
                waiting = attrs.evolve(r, state=step.source)
                party, _ = self._party(uow, waiting, student, lenient=True)
                out.append(
                    audit.Finding(
                        "default_approval",
                        party,
                        r.id,
                        step.on,
                        f"{r.kind.value} stage {step.source.value}",
                        f"{_kind_zh(r.kind)}在“{step.source.zh}”阶段逾期，系统默认审批同意",
                    )
                )
        if not r.history:  # made outside the facade, which always records the opening
            return out
        last = r.history[-1]
        for step in r.history:
            if step.due is not None and step.on > step.due:
                # a stage decided after its deadline (a transfer with no default
                # approval): the stage's party, though the request has moved on
                waiting = attrs.evolve(r, state=step.source)
                party, _ = self._party(uow, waiting, student, lenient=True)
                event_zh = _EVENT_ZH.get(step.event, step.event)
                out.append(
                    audit.Finding(
                        "late_decision",
                        party,
                        r.id,
                        step.on,
                        f"{r.kind.value} stage {step.source.value}: {step.event} on "
                        f"{step.on}, due {step.due}",
                        f"{_kind_zh(r.kind)}在“{step.source.zh}”阶段于 {step.on} {event_zh}，"
                        f"期限 {step.due}",
                    )
                )
        if (
            r.kind is not RequestKind.NEW_STUDENT
            and not r.is_open
            and due is not None
            and last.on > due
            and last.event != "approve_by_default"
            and last.due is None  # (one that kept its deadline is reported above)
            # a graduation approved late is its late_graduation (the log's), charged
            # to the reviewer or the school (_late_graduations); one filed late is not
            # its reviewer's late decision
            and not (r.kind is RequestKind.GRADUATION and (filed_late or r.state is R.APPROVED))
        ):
            party, _ = self._party(uow, attrs.evolve(r, state=last.source), student, lenient=True)
            out.append(
                audit.Finding(
                    "late_decision",
                    party,
                    r.id,
                    last.on,
                    f"{r.kind.value} {last.event} on {last.on}, due {due}",
                    f"{_kind_zh(r.kind)}于 {last.on} {_EVENT_ZH.get(last.event, last.event)}，"
                    f"期限 {due}",
                )
            )
        if r.kind is RequestKind.NEW_STUDENT:
            if "enrolment.late" in r.warnings:
                school, _ = self._party(
                    uow, attrs.evolve(r, state=R.AT_SCHOOL), student, lenient=True
                )
                out.append(
                    audit.Finding(
                        "late_entry",
                        school,
                        r.id,
                        r.opened_on,
                        "submitted after the deadline",
                        "新生信息逾期提交",
                    )
                )
            decided = r.history[-1].on
            if not r.is_open and r.deadline is not None and decided > r.deadline:
                party, _ = self._party(
                    uow, attrs.evolve(r, state=R.AT_AUTHORITY), student, lenient=True
                )
                out.append(
                    audit.Finding(
                        "late_entry",
                        party,
                        r.id,
                        decided,
                        f"reviewed on {decided}, due {r.deadline}",
                        f"于 {decided} 审核，期限 {r.deadline}",
                    )
                )
        return out

    def _watch_graduations(
        self,
        entries: Iterable[ChangeEntry],
        late: list[tuple[ChangeEntry, _dt.date]],
        digests: Mapping[str, _Logged],
    ) -> Iterator[ChangeEntry]:
        """``entries`` (passed through :func:`_watch_records`, which keeps ``digests``)
        passed through, keeping in ``late`` the graduations (and completions) logged
        after the graduation deadline of the school year the student finished (Art 18:
        :func:`~xueji.rules.graduation.graduation_window`, from the date the record
        came into its final grade, as the command read it: a student held in the final
        grade at a rollover is late from that year's 31 July on), each with that
        deadline. An entry dated when no policy was in force was edited (no
        graduation could be logged then): it is passed over, not raised on, and the
        chain's verification reports it (the finding of Art 32(三))."""
        due_of: dict[tuple[_dt.date, _dt.date | None], _dt.date | None] = {}
        for e in entries:
            if e.command in ("graduate", "complete"):
                logged = digests.get(e.subject) if "record_digest" in e.after else None
                key = (e.on, None if logged is None else logged[4])
                if key in due_of:
                    due = due_of[key]
                else:
                    try:
                        window = graduation.graduation_window(
                            e.on, policy=self.policy(e.on), final_since=key[1]
                        )
                        due = window[1]
                    except PolicyNotInForce:
                        due = None
                    due_of[key] = due
                if due is not None and e.on > due:
                    late.append((e, due))
            yield e

    def _late_graduations(
        self,
        uow: UnitOfWork,
        late: Sequence[tuple[ChangeEntry, _dt.date]],
        inside: Callable[[str], bool],
        everywhere: bool = False,
        corrupt: dict[str, CorruptRecord] | None = None,
    ) -> list[audit.Finding]:
        """The findings of the ``late`` graduations of students in the jurisdiction,
        their students read :data:`REPORT_BATCH` at a time (a record that cannot be
        read, kept in ``corrupt``, or that is gone is reported as altered instead)."""
        out = []
        found = _inside_with_students(
            uow, late, lambda pair: pair[0].subject, inside, everywhere=everywhere, corrupt=corrupt
        )
        for (e, due), student in found:
            if student is None:  # (gone or unreadable: an altered_record finding)
                continue
            out.append(
                audit.Finding(
                    "late_graduation",
                    self._late_graduation_party(uow, e, due, student),
                    e.subject,
                    e.on,
                    f"due {due}",
                    f"毕业（结业）于 {e.on} 办理，期限 {due}",
                )
            )
        return out

    def _missing_graduations(
        self,
        uow: UnitOfWork,
        on: _dt.date,
        digests: Mapping[str, _Logged],
        rollovers: Sequence[_LoggedRollover | None],
        inside: Callable[[str], bool],
        everywhere: bool,
    ) -> list[audit.Finding]:
        """Art 18 with Art 32(四): the registered students in a final grade (or above
        it) whose graduation deadline has passed on ``on`` (that of the school year
        they finished, :func:`~xueji.rules.graduation.graduation_window`, from the date
        the log says they came into the grade: :func:`_grade_since`; a student the log
        cannot say of is taken as the class of ``on``'s year, never due yet), counted
        per school and deadline: one ``graduation_missing`` finding each, charged to
        the school, its subject the school. Read from the store's stream of the final
        grades (``in_final_grade``, a page at a time), the tallies alone kept: a
        report over a province holds no list of students (its peak memory is
        benchmarked at 1,000,000). Found by the status review: only graduations logged
        late were reported, never one not done at all."""
        try:
            policy = self.policy(on)
        except PolicyNotInForce:
            return []
        final_grades = graduation.rollover_plan(policy).final_grades
        due_of: dict[_dt.date | None, _dt.date] = {}
        counts: collections.Counter[tuple[str, _dt.date]] = collections.Counter()
        # (a row that cannot be read stops the stream: it is the altered_record finding,
        # and the counts are of the rows read before it)
        with contextlib.suppress(CorruptRecord):
            for s in uow.students.in_final_grade(St.REGISTERED, final_grades):
                if not (everywhere or inside(s.school)):
                    continue
                logged = digests.get(s.id)
                since = None if logged is None else _grade_since(logged, s.grade, s.id, rollovers)
                due = due_of.get(since)
                if due is None:
                    due = due_of[since] = graduation.graduation_window(
                        on, policy=policy, final_since=since
                    )[1]
                if on > due:
                    counts[(s.school, due)] += 1
        return [
            audit.Finding(
                "graduation_missing",
                school,
                school,
                on,
                f"{n} final-grade student(s) not graduated, due {due}",
                f"{n} 名毕业年级学生未办理毕业（结业），期限 {due}",
            )
            for (school, due), n in sorted(counts.items())
        ]

    def _late_graduation_party(
        self, uow: UnitOfWork, e: ChangeEntry, due: _dt.date, student: Student
    ) -> str:
        """Whom a late graduation (entry ``e``, due ``due``) is charged to (Art 32(四)):
        a senior high's, approved by its authority on a request (Art 18), the
        authority's where the school filed the request by the deadline (it sat on it),
        the school's where it filed late; a graduation the school recorded itself
        (compulsory), the school's. Found by the lifecycle review: the school was
        named though it had filed in time."""
        for r in _requests_of(uow.requests, student.id):
            if (
                r.kind is RequestKind.GRADUATION
                and r.state is R.APPROVED
                and r.history
                and r.history[-1].on == e.on
                and r.opened_on <= due
            ):
                reviewer = attrs.evolve(r, state=R.AT_AUTHORITY)
                return self._party(uow, reviewer, student, lenient=True)[0]
        return student.school

    def public_class_list(self, actor: Actor, school: str) -> list[PublicListRow]:
        """Art 31: the school's 在籍 students by class for 公示, with no sensitive field."""
        with self._reading() as uow:
            self._authorize(uow, actor, "public_class_list", school=school)
            self._get_school(uow, school)
            return public_class_list(uow.students.by_school(school))

    def _request_schools(self, uow: UnitOfWork, r: Request) -> list[str]:
        return _schools_of(r, uow.students.get(r.student))

    def _subject_schools(self, uow: UnitOfWork, subject: str) -> list[str]:
        """The schools a log subject belongs to; a province-level subject belongs to none
        (only the province and the system may read it)."""
        student = uow.students.get(subject)
        if student is not None:
            return [student.school]
        req = uow.requests.get(subject)
        if req is not None:
            return self._request_schools(uow, req)
        if uow.schools.get(subject) is not None:
            # a code a store written before units and schools shared one code space
            # holds as both: its entries are the unit's and the school's alike, and
            # the subject alone cannot tell them apart (the province's, as a unit's)
            return [subject] if uow.units.get(subject) is None else ["\0province"]
        if subject.startswith("school:") and uow.schools.get(subject[7:]) is not None:
            return [subject[7:]]
        return [_PROVINCE_LEVEL]

    # -- statistics and the national export (Arts 5, 28) ------------------------------------

    def _schools_within(self, uow: UnitOfWork, actor: Actor) -> list[School]:
        """The schools in the actor's jurisdiction (Arts 4, 7, 28), by code."""
        _list_units(uow, actor)
        schools = sorted(uow.schools.list(), key=lambda s: s.code)
        return [s for s in schools if self._inside(uow, actor, s.code)]

    def statistics(self, actor: Actor) -> Statistics:
        """Art 28: today's count of the students in the actor's jurisdiction by unit,
        school, stage, grade and status (counts only: no personal field, no read logged),
        and of them the migrant children (随迁子女; Art 27(3) singles them out) and the
        special-needs students (残疾学生), where the store counts them (the optional
        ``students.tally_flags``; without it those two counts are None, and the report
        says so: :data:`~xueji.statistics.FLAGS_BLANK`)."""
        with self._reading() as uow:
            self._authorize(uow, actor, "statistics")
            units = {u.code: u for u in uow.units.list()}
            schools = self._schools_within(uow, actor)
            codes = [s.code for s in schools]
            tally_flags = getattr(uow.students, "tally_flags", None)
            # counted by the store, in one GROUP BY: no record read
            counts = uow.students.tally(codes) if tally_flags is None else tally_flags(codes)
            return tabulate_tally(schools, counts, units, taken_on=self.today(), scope=actor.unit)

    def national_export(self, actor: Actor) -> list[NationalRecord]:
        """Art 5: the records of the actor's jurisdiction in the national system's form,
        full identity numbers included (for the national system only): the read is
        logged. A 作废 (voided) record is left out
        (:data:`~xueji.statistics.NATIONAL_EXCLUDED`: not in the registry, Art 30). A list of the whole jurisdiction: for a province, write the records as
        they come with :meth:`national_export_to`."""
        out: list[NationalRecord] = []
        self._national_export(actor, out.append, "national_export")
        return out

    def national_export_to(self, actor: Actor, sink: Callable[[NationalRecord], object]) -> int:
        """Art 5: hand each record of the actor's jurisdiction, in the national system's
        form, to ``sink`` (a file writer: :func:`xueji.excel.table_writer`), one school
        at a time, so that a province is never held in memory; returns how many.

        The read is logged first, in a unit of work of its own, with the number of
        records the jurisdiction holds: a sink that fails halfway (a full disk) leaves
        the read on record. The records are then read in one unit of work (a snapshot
        on PostgreSQL), so the export is of one moment."""
        if not callable(sink):
            shown = _short(sink)
            raise _bad_input(
                f"sink 应为可调用对象：{shown}", f"the sink must be callable, not {shown}"
            )
        return self._national_export(actor, sink, "national_export_to")

    def _national_export(
        self, actor: Actor, sink: Callable[[NationalRecord], object], action: str
    ) -> int:
        schools = self._log_national_read(actor, action)
        sent = 0
        with self._reading() as uow:
            for school in schools:
                for s in uow.students.by_school(school.code):
                    if s.status in NATIONAL_EXCLUDED:  # 作废: not in the registry (Art 30)
                        continue
                    sink(national_record(s))
                    sent += 1
        return sent

    @_retried
    def _log_national_read(self, actor: Actor, action: str) -> list[School]:
        """Authorise a national export, log its read, return the schools it covers."""
        with self.store.unit_of_work() as uow:
            self._authorize(uow, actor, action)
            schools = self._schools_within(uow, actor)
            tally = uow.students.tally(s.code for s in schools)
            count = sum(n for k, n in tally.items() if k[3] not in NATIONAL_EXCLUDED)
            self._read(uow, actor, f"national:{actor.unit}", _NATIONAL_READ_FIELDS, count)
            return schools


# -- explanations (the explain branch) ----------------------------------------------------


def explain_default_approval(
    registry: Registry, actor: Actor, request_id: str, on: _dt.date | None = None
) -> Decision:
    """Art 24: whether a request's current stage is (on ``on``, default today) approved
    by default, as a decision whose explanation names the deadline's computation: the
    day the stage began, the working days counted, the holidays and weekends skipped
    and the make-up days counted. Read-only; the actor needs the ``request`` permission.

    A request whose table has no default approval (a new student's review, Art 15; a
    dropout's, Art 27; any but a transfer's) is refused with ``stage.kind_no_default``
    citing its own article, whatever its deadline. The deadline is explained as it was
    set, under the policy in force the day the stage began (Art 33); the policy in
    force on ``on`` says whether default approval applies.

    An open stage is explained with what the deadline sweep holds it for
    (:meth:`Registry._default_holds`), each a step with its article: a request
    changed outside the registry (``audit.request_altered``, Art 32(三)), a stage
    of the unit that filed it (``stage.own_filing``, Art 31), a class that cannot
    take the student (Art 16), a 借读 the profile bars on an earlier refusal on
    false material (``transfer.false_material``, Art 25). Before, a request the
    sweep held was explained as approved by default (found by the merge review).
    """
    r = registry.request(actor, request_id)
    day = on or registry.today()
    policy = registry.policy(day)
    table = REQUEST_TABLES[r.kind]
    has_default = (
        table.get(r.state, "approve_by_default") is not None
        if r.is_open
        else any(row.event == "approve_by_default" for row in table)
    )
    kind_rule = approvals.check_stage_has_default(
        request=r.id,
        kind=r.kind.value,
        stage=r.state.value,
        provided=has_default,
        # the profile's rule.stage.kind_no_default, else, refused, its citation of the
        # kind's table, else the table's article (marked inherited under another
        # instrument); passed (a transfer's stage), the article of the profile's
        # transfer_default_approval (Anhui's Art 24 under its own profile), where the
        # profile provides transfers' default approval (before, Art 24 marked
        # inherited under a profile giving its own: found by the province review)
        article=policy.citations.get("rule.stage.kind_no_default")
        or (
            policy.as_cited(policy.transfer_default_approval.article)
            if has_default
            else policy.cite(r.kind.value, None, table.rows[0].article)
        ),
    )
    if not kind_rule.allowed:
        return cite_decision(kind_rule, policy)
    # what the sweep holds a stage for besides its deadline (Arts 32(三), 31, 16, 25)
    holds = registry._default_holds(actor, r.id, day) if r.is_open and has_default else None
    set_under = registry.policy(r.stage_since)
    computation = None
    if r.kind in _TRANSFER_KINDS and r.is_open:
        computation = registry.calendar.explain_add(
            r.stage_since, set_under.transfer_stage_limit.value
        )
    return cite_decision(
        Decision.combine(
            kind_rule,
            # (before the deadline's step, which ends the explanation with its computation)
            *([holds] if holds is not None else []),
            approvals.check_overdue(
                r.deadline if r.is_open else None,
                today=day,
                policy=policy,
                computation=computation,
                set_under=set_under,
            ),
        ),
        policy,
    )


def _check_person(name: str, sex: str, grade: int, hukou_region: str) -> None:
    """Input checks shared by the commands that create a record."""
    # the checks of _checked_fields written out for the usual row, which passes them
    # all (once per imported row); a row that fails one is refused there, with why
    if not (
        (sex == "M" or sex == "F") and _text_ok(name) and name.strip() and _region_ok(hukou_region)
    ):
        _checked_fields({"name": name, "sex": sex, "hukou_region": hukou_region}, None)
    _check_grade(grade)


_BAD_TEXT = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
"""What no name, code or key may hold: control characters (a tab or a newline is a
typing slip; PostgreSQL cannot store a NUL) and unpaired surrogates (half of an emoji
cut off: not text, and no database can store it)."""

_FIELD_NAMES = {
    "name": ("姓名", "the name"),
    "sex": ("性别", "sex"),
    "birth_date": ("出生日期", "the birth date"),
    "hukou_region": ("户籍地区码", "the hukou region"),
    "id_number": ("身份证号", "the identity number"),
    "guardian_id": ("监护人身份证号", "the guardian's identity number"),
    "photo": ("照片", "the photo"),
    "migrant": ("随迁子女标记", "the migrant flag"),
    "special_needs": ("残疾学生标记", "the special-needs flag"),
    "consent": ("同意记录", "the consent"),
}


_BAD_FREE_TEXT = re.compile(r"[\x00\ud800-\udfff]")
"""What free text (a reason, a note, an Art 17 entry) may not hold: a NUL (no server
stores it) or an unpaired surrogate (not text). Line breaks and tabs are welcome."""


def _free_text(value: object, what_zh: str, what_en: str) -> None:
    """Refuse free text that is not a ``str`` or that no store could keep alike."""
    if not _free_text_ok(value):
        raise _bad_input(f"{what_zh}无效：{value!r}", f"{what_en} is not valid text: {value!r}")


def _reason_given(value: object, what_zh: str, what_en: str) -> None:
    """Refuse a required reason that is not valid free text (:func:`_free_text`) or
    that is blank (empty, or whitespace only): a suspension, resumption or dropout
    (Arts 26, 27), a correction (Art 29) and a regrade (Art 18(2)) are filed with
    their reason, which the change log records. Before, ``suspend(..., "")`` was
    accepted and logged an empty reason (found by the CLI review)."""
    _free_text(value, what_zh, what_en)
    assert isinstance(value, str)  # (checked above)
    if not value.strip():
        raise _bad_input(f"{what_zh}不能为空", f"{what_en} must not be blank")


def _check_stage_grade(
    stage: Stage, grade: int, system: Mapping[Stage, frozenset[int]] | None
) -> None:
    """Refuse a stage given with a grade it does not have under the school system
    (found by the review: "primary grade 8" was enrolled, and could never graduate)."""
    grades = (system or SIX_THREE_THREE)[stage]
    if grade not in grades:
        shown = f"{min(grades)}-{max(grades)}"
        raise _bad_input(
            f"学段 {stage.value} 没有 {grade} 年级（该学段为 {shown} 年级）",
            f"the stage {stage.value} has no grade {grade} (its grades are {shown})",
        )


def _bad_date(what_zh: str, what_en: str, value: object) -> NoReturn:
    """Refuse a value given where a date belongs (a ``datetime`` included: no store
    could keep it as a date)."""
    shown = repr(value)
    raise _bad_input(f"{what_zh}应为日期：{shown}", f"{what_en} must be a date, not {shown}")


def _short(value: object) -> str:
    """``value``'s repr for a message, cut short (a caller's object may be large)."""
    shown = mask_ids(repr(value))  # masked whole first: a cut number would escape the mask
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _check_date(value: object, what_zh: str, what_en: str, *, optional: bool = False) -> None:
    """Refuse what is not a ``datetime.date`` (ISO text, a ``datetime``) within
    :data:`~xueji.model.DATE_RANGE`, or ``None`` unless ``optional``."""
    if type(value) is not _dt.date:
        if not (optional and value is None):
            _bad_date(what_zh, what_en, value)
    elif not _a_date(value):
        _date_out_of_range(what_zh, what_en, value)


def _not_after(value: _dt.date | None, on: _dt.date, what_zh: str, what_en: str) -> None:
    """Refuse a date (already a date) after ``on``, today, as bad input: a record is
    typed after what it records (Art 15: the school types its new students in after
    they entered; Art 12: the photo is one taken). Found by the enrolment review: an
    ``entry_date`` in 2027 typed on 1 September 2026 had a 5-year-old's age counted at
    31 August 2027 and registered, and a photo dated next December passed Art 12.
    No pre-registration is read into the measures: a child not yet entered has no
    registry (Art 14), so there is no policy parameter for one."""
    if value is not None and value > on:
        day, today = value.isoformat(), on.isoformat()
        raise _bad_input(
            f"{what_zh} {day} 晚于今天（{today}）：学籍在入学后录入，照片须已采集（第十二条、第十五条）",
            f"{what_en} {day} is after today ({today}): a registry is typed in after the "
            "entry, of a photo taken (Arts 12, 15)",
        )


_FIRST_DAY, _LAST_DAY = DATE_RANGE


def _a_date(value: object) -> bool:
    """A ``datetime.date`` (not a ``datetime``) within :data:`~xueji.model.DATE_RANGE`."""
    return type(value) is _dt.date and _FIRST_DAY <= value <= _LAST_DAY


def _date_out_of_range(what_zh: str, what_en: str, value: _dt.date) -> NoReturn:
    first, last = _FIRST_DAY.isoformat(), _LAST_DAY.isoformat()
    raise _bad_input(
        f"{what_zh} {value.isoformat()} 不在 {first} 至 {last} 之间",
        f"{what_en} {value.isoformat()} is not between {first} and {last}",
    )


def _check_actor(actor: object) -> None:
    """Refuse an actor that is not an :class:`~xueji.model.Actor` (a unit's code, say),
    or one whose kind, unit or name no store keeps alike: the unit must be a usable key
    (:func:`_check_key`: it keys log subjects and reads) and the name text without
    control characters or unpaired surrogates. Every public entry point that takes an
    actor checks it here first."""
    if not isinstance(actor, Actor):
        shown = _short(actor)
        raise _bad_input(
            f'操作者应为 Actor（如 Actor(ActorKind.SCHOOL, "A")）：{shown}',
            f"the actor must be an Actor (such as Actor(ActorKind.SCHOOL, 'A')), not {shown}",
        )
    # a kind given as text ("province") passed every kind test but the province's
    # own (`is ActorKind.PROVINCE`): another province's actor read its histories
    _check_member(actor.kind, ActorKind, "用户类别", "the actor's kind")
    # a unit of another type was a raw TypeError (len of an int), or an empty inbox
    _check_code(actor.unit, "用户单位", "the actor's unit")
    _check_key("用户单位", "actor's unit", actor.unit)
    # the name is sealed into each change-log entry as given: one that was not text
    # (None, 5) was stored as text by the SQL store, and its log no longer verified
    if not _text_ok(actor.name):
        shown = _short(actor.name)
        raise _bad_input(
            f"操作者姓名应为不含控制字符或残缺字符的文本：{shown}",
            f"the actor's name must be text without control characters or unpaired"
            f" surrogates, not {shown}",
        )


def _check_code(value: object, what_zh: str, what_en: str) -> None:
    """Refuse a code or id given as anything but text (a list or a dict was an
    ``unhashable type`` TypeError from the store; a number was not found)."""
    if not isinstance(value, str):
        shown = _short(value)
        raise _bad_input(f"{what_zh}应为文本：{shown}", f"{what_en} must be text, not {shown}")


_E = TypeVar("_E", bound=enum.Enum)


def _check_member(value: object, kind: type[_E], what_zh: str, what_en: str) -> None:
    """Refuse what is not a member of the enum ``kind``, naming the members. A plain
    string, even one equal to a member's value (``"job_move"``), is refused like a
    ``"1"`` given as a grade: convert it with ``kind(value)`` first."""
    if not isinstance(value, kind):
        valid = "、".join(f"{kind.__name__}.{m.name}" for m in kind)
        shown = _short(value)
        hint_zh = hint_en = ""
        if isinstance(value, str) and value in {m.value for m in kind}:
            hint_zh = f"（请用 {kind.__name__}({value!r})）"
            hint_en = f" (use {kind.__name__}({value!r}))"
        raise _bad_input(
            f"{what_zh}应为 {valid} 之一，而不是 {shown}{hint_zh}",
            f"{what_en} must be one of {valid.replace('、', ', ')}, not {shown}{hint_en}",
        )


def _check_checkpoint(checkpoint: object) -> None:
    """Refuse a checkpoint that is not an :class:`audit.Checkpoint` (read one from its
    JSON with :meth:`audit.Checkpoint.from_json`) or ``None``."""
    if checkpoint is not None and not isinstance(checkpoint, audit.Checkpoint):
        shown = _short(checkpoint)
        raise _bad_input(
            f"检查点应为 audit.Checkpoint：{shown}",
            f"the checkpoint must be an audit.Checkpoint, not {shown}",
        )


def _check_flag(value: object, what_zh: str, what_en: str) -> None:
    """Refuse a flag that is not a ``bool`` (``"false"`` is true in Python)."""
    if type(value) is not bool:
        shown = _short(value)
        raise _bad_input(
            f"{what_zh}应为 True 或 False：{shown}", f"{what_en} must be True or False, not {shown}"
        )


def _text_ok(value: object) -> bool:
    return isinstance(value, str) and _BAD_TEXT.search(value) is None


def _free_text_ok(value: object) -> bool:
    return isinstance(value, str) and _BAD_FREE_TEXT.search(value) is None


def _region_ok(value: object) -> bool:
    """A GB/T 2260 region code that is or was in use (six digits)."""
    return _text_ok(value) and len(value) == 6 and regions.last_year_in_use(value) >= 0  # type: ignore[arg-type]


def _check_region_in_use(region: str, on: _dt.date) -> None:
    """A new school's region is a GB/T 2260 code in use in ``on``'s year (it builds the
    J and L numbers, each valid only for a child born while its area code is in use:
    Art 13); one retired is ``school.region_retired``, naming its years."""
    if regions.last_year_in_use(region) >= on.year:
        return
    spans = regions.years_in_use(region)
    raise XuejiError(
        "school.region_retired",
        f"行政区划码 {region} 已停用（{spans}）：学校的行政区划码须为 {on.year} 年的现行代码"
        "（无身份证号学生的学籍号以其为地区码，第十三条）",
        f"region code {region} is no longer in use ({spans}): a school's region is a code "
        f"in use in {on.year} (the registry numbers of students with no ID number are "
        "built on it, Art 13)",
    )


def _check_grade(grade: object) -> None:
    """Grades run from 1 to 12 (a whole number, not a ``bool`` or a text)."""
    if type(grade) is not int or not 1 <= grade <= 12:
        raise _bad_input(f"年级应为1至12：{grade!r}", f"grades run from 1 to 12, not {grade!r}")


def _photo_ok(photo: object) -> bool:
    return isinstance(photo, Photo) and _a_date(photo.taken_on) and _text_ok(photo.digest)


_PARENT_LEVELS = {
    UnitLevel.PROVINCE: frozenset[UnitLevel](),
    UnitLevel.CITY: frozenset({UnitLevel.PROVINCE}),
    UnitLevel.COUNTY: frozenset({UnitLevel.CITY, UnitLevel.PROVINCE}),  # (省直管县 too)
}
"""The level a unit's parent may have (Art 4: 省, 市, 县(区)); a province has none."""


def _check_code_free(uow: UnitOfWork, code: str, adding: str) -> None:
    """Units and schools share one code space: an actor, a request's history (its
    opener) and the change log's subjects name either by its code alone. A school
    under a unit's code, or a unit under a school's, is
    :class:`~xueji.errors.DuplicateKey` (``kind`` the record holding the code). Before,
    a school of 芜湖 coded as 合肥's county 蜀山区 (340104) went in; the transfer it
    opened could then be withdrawn by that county and not by the school, and the
    school read the county's log entries. (The store refuses it too: a host's store
    that does not is still held to it here.)"""
    if adding == "school" and uow.units.get(code) is not None:
        raise DuplicateKey("unit", code, adding="school")
    if adding == "unit" and uow.schools.get(code) is not None:
        raise DuplicateKey("school", code, adding="unit")


def _check_tree_shape(uow: UnitOfWork, actor: Actor, unit: Unit, parent: Unit | None) -> None:
    """The unit tree as Art 4 has it: one province per registry, with no parent; a city
    under the province; a county under a city (or, 省直管县, the province). On a store
    being set up, the province acting before its own unit exists may add only that
    unit, under the code it acts with. Before, "province 99" founded province 34, and
    a second province or a city with no parent went in without a word."""
    allowed = _PARENT_LEVELS[unit.level]
    if (parent is None) != (not allowed) or (parent is not None and parent.level not in allowed):
        want = "、".join(sorted(x.value for x in allowed)) or "-"
        raise _bad_input(
            f"{unit.level.value} 级单位 {unit.code} 的上级应为 {want} 级单位",
            f"the parent of {unit.level.value} unit {unit.code} must be a unit of level {want}",
        )
    if unit.level is UnitLevel.PROVINCE and any(
        u.level is UnitLevel.PROVINCE for u in uow.units.list()
    ):
        raise _bad_input(
            f"本库已有省级单位，不能再添加 {unit.code}",
            f"this registry already has its province unit; {unit.code} cannot be added",
        )
    founding = actor.kind is ActorKind.PROVINCE and uow.units.get(actor.unit) is None
    # (the store is being set up: _check_province let the acting province through)
    if founding and (unit.level is not UnitLevel.PROVINCE or unit.code != actor.unit):
        raise _bad_input(
            f"新库须先添加省级单位 {actor.unit} 本身",
            f"a new registry first adds its province unit {actor.unit} itself",
        )


def _check_tree_kind(
    actor: object, value: object, kind: type[Unit | School | SchoolClass], zh: str, en: str
) -> None:
    """Refuse, after the actor (:func:`_check_actor`), a value given where ``add_unit``,
    ``add_school`` or ``add_class`` takes a :class:`~xueji.model.Unit`,
    :class:`~xueji.model.School` or :class:`~xueji.model.SchoolClass` (``None``, a
    code, a mapping): before, a raw AttributeError from reading its code."""
    _check_actor(actor)
    if not isinstance(value, kind):
        shown = _short(value)
        raise _bad_input(
            f"{zh}应为 {kind.__name__}：{shown}",
            f"{en} must be a {kind.__name__}, not {shown}",
        )


def _check_tree_record(value: Unit | School | SchoolClass) -> None:
    """A unit, school or class as the store must keep it alike everywhere: each field
    of its declared type (text without a NUL or broken character, a whole number, a
    date that is not a ``datetime``, a flag), its codes usable as keys, a school's
    region a GB/T 2260 code (it is part of the J numbers, 地区学号 and their sequences'
    keys) and a class's grade 1-12. Before, a class of grade 13 or
    created on a ``datetime`` was accepted and then unreadable in a SQL store, and a
    region 130 characters long failed only on a server, at the first enrolment."""
    kind = type(value)
    for f in attrs.fields(kind):
        v = getattr(value, f.name)
        # the annotation as written (a string, under postponed evaluation) or its name
        t = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", repr(f.type))
        if t == "str":
            ok = _free_text_ok(v)
        elif t == "str | None":
            ok = v is None or _free_text_ok(v)
        elif t == "int":
            ok = type(v) is int
        elif t == "bool":
            ok = type(v) is bool
        elif t in ("_dt.date", "date"):
            ok = type(v) is _dt.date
        elif t in ("frozenset[Stage]", "frozenset"):
            ok = isinstance(v, frozenset) and all(isinstance(x, Stage) for x in v)
        elif t == "UnitLevel":
            ok = isinstance(v, UnitLevel)
        else:  # pragma: no cover - a field added to the model without a check here
            raise AssertionError(f"{kind.__name__}.{f.name}: {t!r} has no check")
        if not ok:
            shown = repr(v)
            raise _bad_input(
                f"{kind.__name__}.{f.name} 无效：{shown}",
                f"{kind.__name__}.{f.name} is not valid: {shown}",
            )
    for name in ("code", "id", "authority", "parent", "central_school", "school"):
        key = getattr(value, name, None)
        if isinstance(key, str):
            _check_key("代码", f"{kind.__name__}.{name}", key)
    region = value.region if isinstance(value, School) else None  # in numbers and keys
    if region is not None and not _region_ok(region):
        raise _bad_input(
            f"行政区划码无效：{region!r}",
            f"{kind.__name__}.region is not a GB/T 2260 code: {region!r}",
        )
    if isinstance(value, SchoolClass):
        _check_grade(value.grade)


def _checked_fields(fields: Mapping[str, Any], on: _dt.date | None) -> dict[str, Any]:
    """A record's person fields (those of :data:`_FIELD_NAMES` present in ``fields``)
    checked for type and form, identity numbers validated and normalised (with ``on``;
    None leaves them as they are): what ``enroll``, ``update_student`` and a
    correction store must be storable and read back alike by every store. A
    ``datetime`` is not a date here (the SQL store could not read it back as one)."""
    out = dict(fields)
    for k, v in fields.items():
        if k == "name":
            ok = _text_ok(v)
            if ok and not v.strip():
                raise _bad_input("姓名不能为空", "the name is empty")
        elif k == "sex":
            ok = v in ("M", "F")
            if not ok:
                shown = repr(v)
                raise _bad_input(f"性别应为 M 或 F：{shown}", f"sex is 'M' or 'F', not {shown}")
        elif k == "birth_date":
            ok = type(v) is _dt.date
            if ok and not _a_date(v):
                _date_out_of_range("出生日期", "the birth date", v)
        elif k == "hukou_region":
            ok = _region_ok(v)
        elif k in ("id_number", "guardian_id"):
            ok = v is None or isinstance(v, str)
            if ok and v is not None and on is not None:
                out[k] = ids.validate(v, today=on)  # InvalidResidentId says what is wrong
        elif k == "photo":
            ok = v is None or _photo_ok(v)
            if ok and v is not None and on is not None:
                _not_after(v.taken_on, on, "照片采集日期", "the photo's date")
        elif k in ("migrant", "special_needs"):
            ok = type(v) is bool
        elif k == "consent":
            ok = v is None or (
                isinstance(v, Consent)
                and _a_date(v.given_on)
                and _text_ok(v.basis)
                and _text_ok(v.given_by)
                and (v.guardian_id is None or isinstance(v.guardian_id, str))
            )
        else:
            continue
        if not ok:
            zh, en = _FIELD_NAMES[k]
            shown = repr(v)
            raise _bad_input(f"{zh}无效：{shown}", f"{en} is not valid: {shown}")
    return out


def _checked_consent(
    consent: Consent, *, birth_date: _dt.date, id_number: str | None, on: _dt.date
) -> Consent:
    """A consent (of its types already, :func:`_checked_fields`) that can be one (PIPL
    Art 31), its guardian's number validated and normalised; bad input naming the field
    otherwise: a basis of :data:`~xueji.rules.privacy.CONSENT_BASES`, a giver named (not
    blank), given on or before today and not before the child's birth date, and a
    guardian's identity number valid (as the student's ``guardian_id``, Art 13), not
    the child's own and of someone born before the child. Before, any consent cleared
    ``privacy.consent_missing``: an empty basis and giver, a consent of 2030, the
    child's own number as the guardian's (found by the enrolment review). Bad input,
    not a rule's warning: such a consent records nothing a school could complete, and
    the rule (a consent missing, a warning) then reads the record as it stands."""

    def bad(field: str, zh: str, en: str) -> NoReturn:
        raise _bad_input(
            f"同意记录的 {field} 无效：{zh}", f"the consent's {field} is not valid: {en}"
        )

    if consent.basis not in privacy.CONSENT_BASES:
        known = "、".join(sorted(privacy.CONSENT_BASES))
        shown = repr(consent.basis)
        bad(
            "basis",
            f"{shown} 不是 {known} 之一",
            f"{shown} is not one of {known.replace('、', ', ')}",
        )
    if not consent.given_by.strip():
        bad(
            "given_by",
            "须填写给出同意的监护人姓名",
            "the name of the guardian who gave it is empty",
        )
    if consent.given_on > on:
        bad(
            "given_on",
            f"{consent.given_on} 晚于今天（{on}）",
            f"{consent.given_on} is after today ({on})",
        )
    if consent.given_on < birth_date:
        # (the birth date is not shown: Art 30, a masked number may be beside it)
        bad("given_on", "早于学生出生日期", "it is before the student's birth date")
    guardian = consent.guardian_id
    if guardian is None:
        return consent
    try:
        guardian = ids.validate(guardian, today=on)
    except XuejiError as err:
        bad("guardian_id", err.message_zh, err.message_en)
    if not enrolment.guardian_fits(guardian, id_number=id_number, birth_date=birth_date):
        bad(
            "guardian_id",
            "须为父母或其他法定监护人的身份证号：不是学生本人的，持有人出生在学生之前（第十三条）",
            "it is a parent's or other legal guardian's: not the student's own, of someone "
            "born before the student (Art 13)",
        )
    return (
        consent if guardian == consent.guardian_id else attrs.evolve(consent, guardian_id=guardian)
    )


def _valid_ids(
    id_number: str | None, guardian_id: str | None, on: _dt.date
) -> tuple[str | None, str | None]:
    """The student's and the guardian's identity numbers, validated and normalised."""
    return (
        None if id_number is None else ids.validate(id_number, today=on),
        None if guardian_id is None else ids.validate(guardian_id, today=on),
    )


def _g_id_number(number: _numbers.RegistryNumber, id_number: str | None) -> str:
    """The student's identity number under a G 学籍号, which is "G" and that number
    (Art 13: one person, one registry, one number): taken from the 学籍号 when none is
    given (validated and normalised by :func:`xueji.numbers.parse`). A given
    ``id_number`` (normalised by :func:`_valid_ids`) that differs is bad input: the
    record would hold one person's number and answer to another's, whom a later
    enrolment by their own ID number would not find."""
    if id_number is not None and id_number != number.body:
        shown, given = _numbers.mask_number(number.text), mask(id_number)
        raise _bad_input(
            f"G字头学籍号 {shown} 应为 G 加学生身份证号，与所填身份证号 {given} 不一致"
            "（一人一籍一号，第十三条）",
            f"a G registry number ({shown}) is G and the student's ID number; it does not "
            f"match the ID number given ({given}) (one person, one number, Art 13)",
        )
    return number.body


def _guardian_in_step(
    numbers: _numbers.NumberRecord | None, changes: Mapping[str, Any]
) -> _numbers.NumberRecord | None:
    """``numbers`` (a record's :class:`~xueji.numbers.NumberRecord`) with the guardian's
    identity number ``changes`` give it, where it holds one (the identifier of a
    record issued a J number, Art 13), else ``numbers`` itself. Before, an edit or a
    correction of the guardian's number left the old one there (found by the
    key-fields review; docs/numbers.md)."""
    if numbers is None or numbers.guardian_id is None or "guardian_id" not in changes:
        return numbers
    guardian = changes["guardian_id"] or None
    if guardian == numbers.guardian_id:
        return numbers
    return attrs.evolve(numbers, guardian_id=guardian)


def _decode_changes(payload: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in payload.items():
        if k == "birth_date":
            out[k] = _dt.date.fromisoformat(v)
        elif k == "photo":
            if v:  # (a removal, refused since: read as none, and refused at approval)
                day, digest = v.split("|", 1)
                out[k] = Photo(_dt.date.fromisoformat(day), digest)
            else:
                out[k] = None
        elif k in ("id_number", "guardian_id"):
            out[k] = v or None
        elif k in ("migrant", "special_needs"):  # (written by _s as str(bool))
            out[k] = v == "True"
        else:
            out[k] = v
    return out
