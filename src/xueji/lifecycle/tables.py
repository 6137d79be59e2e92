"""Transition tables as data: (state, event) -> next state, with guards and article.

Each table is a frozen mapping that can be printed as a Markdown table
(:meth:`TransitionTable.to_markdown`) and drawn as a Mermaid diagram
(:meth:`TransitionTable.to_mermaid`). :meth:`TransitionTable.fire` refuses an event
that is not in the table with :class:`~xueji.errors.TransitionRefused`, naming the
state and the event. Guards are the names of rules (``xueji.rules``) checked by the
service before firing; the table only says which rules apply.

>>> STUDENT.fire(StudentStatus.REGISTERED, "suspend").target
<StudentStatus.SUSPENDED: 'suspended'>
>>> STUDENT.fire(StudentStatus.GRADUATED, "suspend")
Traceback (most recent call last):
    ...
xueji.errors.TransitionRefused: 学籍状态“毕业”不接受事件“suspend” (a student registry in state 'graduated' does not accept event 'suspend')
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Generic, TypeVar

import attrs

from xueji.articles import Article, anhui
from xueji.errors import TransitionRefused

__all__ = [
    "COMMAND_CITATIONS",
    "CORRECTION",
    "CROSS_BORDER_IN",
    "CROSS_BORDER_OUT",
    "CROSS_PROVINCE_IN",
    "CROSS_PROVINCE_OUT",
    "DROPOUT",
    "GRADUATION",
    "NEW_STUDENT",
    "REQUEST_TABLES",
    "RESUMPTION",
    "SEATED",
    "STUDENT",
    "SUSPENSION",
    "TRANSFER",
    "RequestKind",
    "RequestState",
    "StudentStatus",
    "Transition",
    "TransitionTable",
    "citation_keys",
]


class StudentStatus(enum.StrEnum):
    """学籍状态: the status of a student's registry."""

    DRAFT = "draft"  # 录入中: entered by the school, not yet submitted
    PENDING_REVIEW = "pending_review"  # 待审核: submitted for 新生预审核 (Art 15)
    REGISTERED = "registered"  # 在籍: formally registered (正式注册入籍)
    SUSPENDED = "suspended"  # 休学 (Art 26)
    DROPPED_OUT = "dropped_out"  # 辍学, registry kept (保留学籍, Art 27)
    CROSS_PROVINCE_OUT = "cross_province_out"  # 跨省转出 (Art 22)
    CROSS_BORDER_OUT = "cross_border_out"  # 跨境转出 (Art 23)
    GRADUATED = "graduated"  # 毕业 (Art 18)
    COMPLETED = "completed"  # 结业 (Art 18)
    VOIDED = "voided"  # 误录作废: entered in error, never deleted

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return _STATUS_ZH[self]

    @property
    def in_school(self) -> bool:
        """True for a student who is at school (moves up a grade on 1 August)."""
        return self is StudentStatus.REGISTERED


SEATED = frozenset(
    {
        StudentStatus.DRAFT,
        StudentStatus.PENDING_REVIEW,
        StudentStatus.REGISTERED,
        StudentStatus.SUSPENDED,
    }
)
"""The statuses whose students hold a seat in their class: what a class's size counts
(Art 16's class size, ``StudentRepository.count_in_class``). A record being entered
or reviewed holds its seat, and so does a suspended student (休学, Art 26), who comes
back to the class; a dropout (辍学) keeps the registry (保留学籍, Art 27) but not the
seat, and a student gone to another province or abroad, graduated, completed or
voided holds none. A class counts only those of its own grade: a suspended student
held in their grade at the rollover takes no seat in the class that went up."""

_STATUS_ZH = {
    StudentStatus.DRAFT: "录入中",
    StudentStatus.PENDING_REVIEW: "待审核",
    StudentStatus.REGISTERED: "在籍",
    StudentStatus.SUSPENDED: "休学",
    StudentStatus.DROPPED_OUT: "辍学",
    StudentStatus.CROSS_PROVINCE_OUT: "跨省转出",
    StudentStatus.CROSS_BORDER_OUT: "跨境转出",
    StudentStatus.GRADUATED: "毕业",
    StudentStatus.COMPLETED: "结业",
    StudentStatus.VOIDED: "作废",
}


class RequestState(enum.StrEnum):
    """The state of a request (审批): where it waits, or how it ended."""

    AT_SCHOOL = "at_school"  # awaiting the (sending) school
    AT_RECEIVING_SCHOOL = "at_receiving_school"  # 转入学校
    AT_RECEIVING_AUTHORITY = "at_receiving_authority"  # 转入学校的学籍主管部门
    AT_SENDING_SCHOOL = "at_sending_school"  # 转出学校
    AT_SENDING_AUTHORITY = "at_sending_authority"  # 转出学校的学籍主管部门
    AT_AUTHORITY = "at_authority"  # 学籍主管单位
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def is_open(self) -> bool:
        """True while the request waits for a party."""
        return self not in (RequestState.APPROVED, RequestState.REJECTED, RequestState.WITHDRAWN)

    @property
    def zh(self) -> str:
        """The Chinese name."""
        return _REQUEST_ZH[self]


_REQUEST_ZH = {
    RequestState.AT_SCHOOL: "待学校审核",
    RequestState.AT_RECEIVING_SCHOOL: "待转入学校审核",
    RequestState.AT_RECEIVING_AUTHORITY: "待转入地主管部门审核",
    RequestState.AT_SENDING_SCHOOL: "待转出学校核对",
    RequestState.AT_SENDING_AUTHORITY: "待转出地主管部门审核",
    RequestState.AT_AUTHORITY: "待主管单位审核",
    RequestState.APPROVED: "已通过",
    RequestState.REJECTED: "未通过",
    RequestState.WITHDRAWN: "已撤回",
}


class RequestKind(enum.StrEnum):
    """The kinds of request, each with its own table."""

    NEW_STUDENT = "new_student"  # 新生预审核 (Art 15)
    TRANSFER = "transfer"  # 省内转学 (Art 21)
    CROSS_PROVINCE_IN = "cross_province_in"  # 跨省转入 (Art 22)
    CROSS_PROVINCE_OUT = "cross_province_out"  # 跨省转出 (Art 22)
    CROSS_BORDER_IN = "cross_border_in"  # 跨境转入 (Art 23)
    CROSS_BORDER_OUT = "cross_border_out"  # 跨境转出 (Art 23)
    CORRECTION = "correction"  # 关键信息变更 (Art 29)
    SUSPENSION = "suspension"  # 休学 (Art 26)
    RESUMPTION = "resumption"  # 复学 (Art 26)
    DROPOUT = "dropout"  # 辍学 (Art 27)
    GRADUATION = "graduation"  # 高中毕(结)业 (Art 18; 结业: payload outcome = complete)


S = TypeVar("S", StudentStatus, RequestState)


@attrs.frozen
class Transition(Generic[S]):
    """One row of a table."""

    source: S
    event: str
    target: S
    article: Article
    guards: tuple[str, ...] = ()
    note: str = ""


def _index(rows: tuple[Transition[S], ...]) -> Mapping[tuple[S, str], Transition[S]]:
    out: dict[tuple[S, str], Transition[S]] = {}
    for row in rows:
        key = (row.source, row.event)
        if key in out:
            raise ValueError(f"two rows for {key}")  # overlapping branches are errors
        out[key] = row
    return MappingProxyType(out)


@attrs.frozen
class TransitionTable(Generic[S]):
    """A frozen table of transitions; ``name`` is what errors and diagrams call it."""

    name: str
    name_zh: str
    rows: tuple[Transition[S], ...]
    initial: S
    _by_key: Mapping[tuple[S, str], Transition[S]] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_by_key", _index(self.rows))

    def __iter__(self) -> Iterator[Transition[S]]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def get(self, state: S, event: str) -> Transition[S] | None:
        """The row for (state, event), or None."""
        return self._by_key.get((state, event))

    def events_from(self, state: S) -> tuple[str, ...]:
        """The events a state accepts."""
        return tuple(r.event for r in self.rows if r.source == state)

    def fire(self, state: S, event: str) -> Transition[S]:
        """The row for (state, event), or :class:`TransitionRefused`."""
        row = self._by_key.get((state, event))
        if row is None:
            raise TransitionRefused(self.name, self.name_zh, str(state.value), _zh(state), event)
        return row

    @property
    def states(self) -> tuple[S, ...]:
        """Every state the table mentions, in order of first appearance."""
        seen: dict[S, None] = {self.initial: None}
        for r in self.rows:
            seen.setdefault(r.source)
            seen.setdefault(r.target)
        return tuple(seen)

    def to_markdown(self) -> str:
        """The table as Markdown: state, event, next state, guards, article."""
        lines = [
            f"### {self.name_zh} ({self.name})",
            "",
            "| state | event | next state | guards | article |",
            "|---|---|---|---|---|",
        ]
        for r in self.rows:
            guards = ", ".join(f"`{g}`" for g in r.guards) or "—"
            lines.append(
                f"| {_zh(r.source)} `{r.source.value}` | `{r.event}` | "
                f"{_zh(r.target)} `{r.target.value}` | {guards} | {r.article} |"
            )
        return "\n".join(lines)

    def to_mermaid(self) -> str:
        """The table as a Mermaid state diagram."""
        lines = ["stateDiagram-v2", f"    [*] --> {self.initial.value}"]
        for r in self.rows:
            lines.append(f"    {r.source.value} --> {r.target.value}: {r.event}")
        return "\n".join(lines)


def _zh(state: StudentStatus | RequestState) -> str:
    return state.zh


def _t(
    source: S, event: str, target: S, article: Article, *guards: str, note: str = ""
) -> Transition[S]:
    return Transition(source, event, target, article, tuple(guards), note)


St = StudentStatus
R = RequestState

_ENTRY_CHECKS = (
    "enrolment.check_age",
    "enrolment.check_photo",
    "enrolment.check_stage",
    "enrolment.check_class",
)
"""The checks of a new record's entry (Arts 14, 12, 2, 16) that its submission and its
review's approval run again on the record as it stands."""

STUDENT: TransitionTable[StudentStatus] = TransitionTable(
    "student registry",
    "学籍状态",
    (
        _t(
            St.DRAFT,
            "submit",
            St.PENDING_REVIEW,
            anhui(15),
            *_ENTRY_CHECKS,
            "enrolment.check_entry_deadline",
            "approvals.check_own_filing",
            note="the entry checks run again on the record as it stands (edited directly "
            "as a draft), under the profile in force on its entry date",
        ),
        _t(
            St.DRAFT,
            "void",
            St.VOIDED,
            anhui(14),
            "changes.check_void",
            note="entered in error; kept, not deleted",
        ),
        _t(
            St.PENDING_REVIEW,
            "approve",
            St.REGISTERED,
            anhui(15),
            "approvals.check_party",
            "approvals.check_own_filing",
            *_ENTRY_CHECKS,
        ),
        _t(St.PENDING_REVIEW, "reject", St.DRAFT, anhui(15), note="back to the school to correct"),
        _t(St.PENDING_REVIEW, "void", St.VOIDED, anhui(14), "changes.check_void"),
        _t(
            St.DRAFT,
            "void_reenrolment",
            St.DROPPED_OUT,
            anhui(14, note="误录的重新入学撤销，恢复辍学，第二十七条第二款"),
            "changes.check_void",
            note="a dropout's re-entry entered in error (at the wrong school): the record "
            "is a dropout again where the re-entry found it",
        ),
        _t(
            St.PENDING_REVIEW,
            "void_reenrolment",
            St.DROPPED_OUT,
            anhui(14, note="误录的重新入学撤销，恢复辍学，第二十七条第二款"),
            "changes.check_void",
        ),
        _t(
            St.DRAFT,
            "void_continuation",
            St.GRADUATED,
            anhui(14, note="误录的升学入学撤销，恢复毕业，第十二条"),
            "changes.check_void",
            note="a graduate's next-stage enrolment entered in error (at the wrong "
            "school): the record is the graduate it was, at its old school",
        ),
        _t(
            St.PENDING_REVIEW,
            "void_continuation",
            St.GRADUATED,
            anhui(14, note="误录的升学入学撤销，恢复毕业，第十二条"),
            "changes.check_void",
        ),
        _t(
            St.DRAFT,
            "void_continuation_completed",
            St.COMPLETED,
            anhui(14, note="误录的升学入学撤销，恢复结业，第十二条"),
            "changes.check_void",
            note="the same for a student who had completed (结业) the stage",
        ),
        _t(
            St.PENDING_REVIEW,
            "void_continuation_completed",
            St.COMPLETED,
            anhui(14, note="误录的升学入学撤销，恢复结业，第十二条"),
            "changes.check_void",
        ),
        _t(St.REGISTERED, "suspend", St.SUSPENDED, anhui(26)),
        _t(St.SUSPENDED, "resume", St.REGISTERED, anhui(26)),
        _t(St.REGISTERED, "drop_out", St.DROPPED_OUT, anhui(27)),
        _t(St.SUSPENDED, "drop_out", St.DROPPED_OUT, anhui(27)),
        _t(
            St.DROPPED_OUT,
            "return",
            St.REGISTERED,
            anhui(27, 2),
            "changes.check_return_from_dropout",
            "changes.check_registry_kept",
        ),
        _t(
            St.DROPPED_OUT,
            "re_enroll",
            St.DRAFT,
            anhui(27, 2, note="一人一籍一号，第十三条"),
            "changes.check_reenrolment",
            note="a dropout whose registry was not kept (senior high, or lapsed) enrolled "
            "again, or a compulsory one continued into the next stage "
            "(dropout_continues_next_stage): the same record and 学籍号, a new 地区学号",
        ),
        _t(
            St.REGISTERED,
            "transfer",
            St.REGISTERED,
            anhui(21),
            "transfers.check_transfer",
            note="in province: the registry moves to the receiving school",
        ),
        _t(St.REGISTERED, "transfer_out_of_province", St.CROSS_PROVINCE_OUT, anhui(22)),
        _t(
            St.REGISTERED,
            "transfer_abroad",
            St.CROSS_BORDER_OUT,
            anhui(23),
            "transfers.check_abroad",
        ),
        _t(
            St.CROSS_PROVINCE_OUT,
            "return",
            St.REGISTERED,
            anhui(22),
            note="back from another province",
        ),
        _t(St.CROSS_BORDER_OUT, "return", St.REGISTERED, anhui(23), note="接续原来的学籍档案"),
        _t(
            St.REGISTERED,
            "promote",
            St.REGISTERED,
            anhui(18, 2),
            "graduation.rollover_action",
            note="1 August rollover",
        ),
        _t(
            St.SUSPENDED,
            "promote",
            St.SUSPENDED,
            anhui(18, 2),
            "graduation.rollover_action",
            note="only where the policy promotes suspended students",
        ),
        _t(
            St.DRAFT,
            "promote",
            St.DRAFT,
            anhui(18, 2),
            "graduation.rollover_action",
            note="a record under first-entry review moves up with its class (Art 16)",
        ),
        _t(
            St.PENDING_REVIEW,
            "promote",
            St.PENDING_REVIEW,
            anhui(18, 2),
            "graduation.rollover_action",
            note="as a draft; not a new record from outside, its transfer in open",
        ),
        _t(
            St.REGISTERED, "correct", St.REGISTERED, anhui(29), note="approved key-field correction"
        ),
        _t(St.PENDING_REVIEW, "correct", St.PENDING_REVIEW, anhui(29)),
        _t(
            St.DRAFT,
            "correct",
            St.DRAFT,
            anhui(29),
            note="a draft reported before (a record taken up again): its key fields stay "
            "locked; a draft never reported is edited directly",
        ),
        _t(St.SUSPENDED, "correct", St.SUSPENDED, anhui(29)),
        _t(St.DROPPED_OUT, "correct", St.DROPPED_OUT, anhui(29)),
        _t(St.REGISTERED, "graduate", St.GRADUATED, anhui(18), "graduation.check_graduation"),
        _t(St.REGISTERED, "complete", St.COMPLETED, anhui(18), "graduation.check_graduation"),
    ),
    St.DRAFT,
)
"""The student registry's statuses. Promotion is a self-transition, never a withdrawal."""


def _chain(
    name: str,
    name_zh: str,
    stages: tuple[RequestState, ...],
    article: Article,
    *,
    default: bool,
) -> TransitionTable[RequestState]:
    """A request's chain of stages, each decided by its party alone (Art 21), never by
    the unit that filed the request (Art 31: a school's change, or a transfer, filed
    by an authority whose stage it would be is refused at its filing)."""
    rows: list[Transition[RequestState]] = []
    party = ("approvals.check_party", "approvals.check_own_filing")
    for i, stage in enumerate(stages):
        nxt = stages[i + 1] if i + 1 < len(stages) else R.APPROVED
        rows.append(_t(stage, "approve", nxt, article, *party))
        if default:
            rows.append(
                _t(
                    stage,
                    "approve_by_default",
                    nxt,
                    anhui(24),
                    "approvals.check_overdue",
                    note="系统默认审批同意（第二十四条）",
                )
            )
        rows.append(_t(stage, "reject", R.REJECTED, article, *party))
        rows.append(_t(stage, "withdraw", R.WITHDRAWN, article))
    return TransitionTable(name, name_zh, tuple(rows), stages[0])


NEW_STUDENT = _chain(
    "new-student review", "新生预审核", (R.AT_AUTHORITY,), anhui(15), default=False
)
TRANSFER = _chain(
    "in-province transfer",
    "省内转学",
    (R.AT_RECEIVING_SCHOOL, R.AT_RECEIVING_AUTHORITY, R.AT_SENDING_SCHOOL, R.AT_SENDING_AUTHORITY),
    anhui(21),
    default=True,
)
CROSS_PROVINCE_IN = _chain(
    "cross-province transfer in",
    "跨省转入",
    (R.AT_RECEIVING_SCHOOL, R.AT_RECEIVING_AUTHORITY),
    anhui(22),
    default=True,
)
CROSS_PROVINCE_OUT = _chain(
    "cross-province transfer out",
    "跨省转出",
    (R.AT_SENDING_SCHOOL, R.AT_SENDING_AUTHORITY),
    anhui(22),
    default=True,
)
CROSS_BORDER_IN = _chain(
    "cross-border transfer in",
    "跨境转入",
    (R.AT_RECEIVING_SCHOOL, R.AT_RECEIVING_AUTHORITY),
    anhui(23),
    default=True,
)
CROSS_BORDER_OUT = _chain(
    "cross-border transfer out",
    "跨境转出",
    (R.AT_SENDING_SCHOOL, R.AT_SENDING_AUTHORITY),
    anhui(23),
    default=True,
)
CORRECTION = _chain(
    "key-field correction",
    "关键信息变更",
    (R.AT_AUTHORITY,),
    anhui(29),
    default=False,
)
SUSPENSION = _chain("suspension", "休学", (R.AT_AUTHORITY,), anhui(26), default=False)
RESUMPTION = _chain("resumption", "复学", (R.AT_AUTHORITY,), anhui(26), default=False)
DROPOUT = _chain("dropout", "辍学", (R.AT_AUTHORITY,), anhui(27), default=False)
GRADUATION = _chain(
    "senior-high graduation or 结业",
    "高中毕（结）业",
    (R.AT_AUTHORITY,),
    anhui(18),
    default=False,
)

REQUEST_TABLES: Mapping[RequestKind, TransitionTable[RequestState]] = MappingProxyType(
    {
        RequestKind.NEW_STUDENT: NEW_STUDENT,
        RequestKind.TRANSFER: TRANSFER,
        RequestKind.CROSS_PROVINCE_IN: CROSS_PROVINCE_IN,
        RequestKind.CROSS_PROVINCE_OUT: CROSS_PROVINCE_OUT,
        RequestKind.CROSS_BORDER_IN: CROSS_BORDER_IN,
        RequestKind.CROSS_BORDER_OUT: CROSS_BORDER_OUT,
        RequestKind.CORRECTION: CORRECTION,
        RequestKind.SUSPENSION: SUSPENSION,
        RequestKind.RESUMPTION: RESUMPTION,
        RequestKind.DROPOUT: DROPOUT,
        RequestKind.GRADUATION: GRADUATION,
    }
)


COMMAND_CITATIONS = (
    "add_unit",
    "add_school",
    "add_class",
    "enroll",
    "enroll_next_stage",
    "update_student",
    "regrade",
    "add_info",
)
"""The registry's commands whose change-log entry cites a fixed article of the Anhui
measures rather than a step of a table (Arts 6, 10, 12, 17, 18, 29): re-cited by a profile
as ``"command.<name>"``."""


def citation_keys() -> frozenset[str]:
    """What a profile may re-cite (:attr:`xueji.policy.Policy.citations`): a table, by
    ``"student"`` or a request kind's value (``"transfer"``), for all its steps, and
    one step of it, as ``"<table>.<event>"`` (``"student.suspend"``,
    ``"transfer.approve"``); a request's opening is ``"<kind>.open"``; a command of
    :data:`COMMAND_CITATIONS` as ``"command.<name>"``.

    >>> {"student", "student.suspend", "transfer.open", "transfer.approve"} <= citation_keys()
    True
    """
    keys = {"student", *(f"student.{r.event}" for r in STUDENT.rows if r.event not in _OWN)}
    keys |= {f"command.{c}" for c in COMMAND_CITATIONS}
    for kind, table in REQUEST_TABLES.items():
        keys |= {kind.value, f"{kind.value}.open"}
        keys |= {f"{kind.value}.{r.event}" for r in table if r.event not in _OWN}
    return frozenset(keys)


_OWN = frozenset({"approve_by_default", "promote"})
"""Steps whose log entry cites a parameter of the profile already, not the table: a
default approval (``transfer_default_approval``, Art 24) and the rollover
(``rollover_date``, Art 18); not re-citable, so no key is accepted that would be
used nowhere."""
