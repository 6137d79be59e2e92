"""xueji (学籍): China's primary and secondary school student-registry rules as code.

The reference implementation of 《安徽省中小学生学籍信息化管理办法》 (皖教基〔2013〕20号).
The package face re-exports the public names; each concept lives in its own module:

* :mod:`xueji.ids`: resident identity numbers (GB 11643)
* :mod:`xueji.regions`: GB/T 2260 address codes with their history
* :mod:`xueji.numbers`: registry numbers (学籍号 G/J/L) and 地区学号
* :mod:`xueji.workdays`: working days on the State Council schedule, deadlines
* :mod:`xueji.policy`: policy profiles (``ANHUI_2013``), parameters with articles
* :mod:`xueji.decision`: ``Decision`` and ``Violation``, the outcomes of rules
* :mod:`xueji.errors`: ``XuejiError`` and its subclasses
* :mod:`xueji.lifecycle`: transition tables as data
* :mod:`xueji.rules`: pure rules, one module per chapter of the measures
* :mod:`xueji.model`: units, schools, classes, students, requests, actors
* :mod:`xueji.storage`: storage protocols and the in-memory store
* :class:`xueji.Registry`: the facade every command goes through

>>> import xueji
>>> xueji.ids.is_valid("11010519491231002X")
True
>>> xueji.ANHUI_2013.transfer_stage_limit.value
20
"""

from xueji import decision, errors, ids, lifecycle, numbers, policy, regions, rules, workdays
from xueji._version import __version__
from xueji.articles import Article
from xueji.clock import Clock, ManualClock, SystemClock
from xueji.decision import Decision, Violation
from xueji.errors import (
    AccessDenied,
    BrokenLog,
    CalendarNotCovered,
    CannotComplete,
    ClockBackwards,
    ConcurrencyConflict,
    CorruptRecord,
    DuplicateKey,
    InvalidPolicy,
    InvalidRegistryNumber,
    InvalidResidentId,
    InvalidSchedule,
    MissingExtra,
    NotADate,
    NotFound,
    NumberSpaceExhausted,
    PolicyNotInForce,
    ReadOnlyRecord,
    Refused,
    StaleVersion,
    StorageError,
    StoreBusy,
    TransitionRefused,
    XuejiError,
)
from xueji.ids import ResidentId
from xueji.lifecycle import RequestKind, RequestState, StudentStatus
from xueji.masking import IdMask, mask
from xueji.model import (
    Actor,
    ActorKind,
    Photo,
    Request,
    School,
    SchoolClass,
    Student,
    TransferReason,
    Unit,
    UnitLevel,
)
from xueji.numbers import MemoryAllocator, NumberRecord, RegistryNumber, SequenceAllocator
from xueji.policy import ANHUI_2013, NATIONAL_2013, Param, Policy, load_policy, policy_in_force
from xueji.registry import Outcome, Registry
from xueji.storage import MemoryStore
from xueji.workdays import Deadline, WorkdayCalendar

__all__ = [
    "ANHUI_2013",
    "NATIONAL_2013",
    "AccessDenied",
    "Actor",
    "ActorKind",
    "Article",
    "BrokenLog",
    "CalendarNotCovered",
    "CannotComplete",
    "Clock",
    "ClockBackwards",
    "ConcurrencyConflict",
    "CorruptRecord",
    "Deadline",
    "Decision",
    "DuplicateKey",
    "IdMask",
    "InvalidPolicy",
    "InvalidRegistryNumber",
    "InvalidResidentId",
    "InvalidSchedule",
    "ManualClock",
    "MemoryAllocator",
    "MemoryStore",
    "MissingExtra",
    "NotADate",
    "NotFound",
    "NumberRecord",
    "NumberSpaceExhausted",
    "Outcome",
    "Param",
    "Photo",
    "Policy",
    "PolicyNotInForce",
    "ReadOnlyRecord",
    "Refused",
    "Registry",
    "RegistryNumber",
    "Request",
    "RequestKind",
    "RequestState",
    "ResidentId",
    "School",
    "SchoolClass",
    "SequenceAllocator",
    "StaleVersion",
    "StorageError",
    "StoreBusy",
    "Student",
    "StudentStatus",
    "SystemClock",
    "TransferReason",
    "TransitionRefused",
    "Unit",
    "UnitLevel",
    "Violation",
    "WorkdayCalendar",
    "XuejiError",
    "__version__",
    "decision",
    "errors",
    "ids",
    "lifecycle",
    "load_policy",
    "mask",
    "numbers",
    "policy",
    "policy_in_force",
    "regions",
    "rules",
    "workdays",
]
