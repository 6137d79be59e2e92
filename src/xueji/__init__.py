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

import importlib
from typing import TYPE_CHECKING, Any

from xueji._version import __version__

if TYPE_CHECKING:  # the names below are imported when first used (``__getattr__``)
    from xueji import decision, errors, ids, lifecycle, numbers, policy, regions, rules, workdays
    from xueji.articles import Article
    from xueji.clock import Clock, ManualClock, SystemClock
    from xueji.decision import Decision, Violation
    from xueji.errors import (
        BrokenLog,
        CalendarNotCovered,
        CannotComplete,
        ConcurrencyConflict,
        CorruptRecord,
        DuplicateKey,
        InvalidPolicy,
        InvalidRegistryNumber,
        InvalidResidentId,
        InvalidSchedule,
        MissingExtra,
        NotFound,
        NumberSpaceExhausted,
        PolicyNotInForce,
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

_SOURCES: dict[str, str] = {
    "decision": "xueji.decision",
    "errors": "xueji.errors",
    "ids": "xueji.ids",
    "lifecycle": "xueji.lifecycle",
    "numbers": "xueji.numbers",
    "policy": "xueji.policy",
    "regions": "xueji.regions",
    "rules": "xueji.rules",
    "workdays": "xueji.workdays",
    "Article": "xueji.articles",
    "Clock": "xueji.clock",
    "ManualClock": "xueji.clock",
    "SystemClock": "xueji.clock",
    "Decision": "xueji.decision",
    "Violation": "xueji.decision",
    "BrokenLog": "xueji.errors",
    "CalendarNotCovered": "xueji.errors",
    "CannotComplete": "xueji.errors",
    "ConcurrencyConflict": "xueji.errors",
    "CorruptRecord": "xueji.errors",
    "DuplicateKey": "xueji.errors",
    "InvalidPolicy": "xueji.errors",
    "InvalidRegistryNumber": "xueji.errors",
    "InvalidResidentId": "xueji.errors",
    "InvalidSchedule": "xueji.errors",
    "MissingExtra": "xueji.errors",
    "NotFound": "xueji.errors",
    "NumberSpaceExhausted": "xueji.errors",
    "PolicyNotInForce": "xueji.errors",
    "Refused": "xueji.errors",
    "StaleVersion": "xueji.errors",
    "StorageError": "xueji.errors",
    "StoreBusy": "xueji.errors",
    "TransitionRefused": "xueji.errors",
    "XuejiError": "xueji.errors",
    "ResidentId": "xueji.ids",
    "RequestKind": "xueji.lifecycle",
    "RequestState": "xueji.lifecycle",
    "StudentStatus": "xueji.lifecycle",
    "IdMask": "xueji.masking",
    "mask": "xueji.masking",
    "Actor": "xueji.model",
    "ActorKind": "xueji.model",
    "Photo": "xueji.model",
    "Request": "xueji.model",
    "School": "xueji.model",
    "SchoolClass": "xueji.model",
    "Student": "xueji.model",
    "TransferReason": "xueji.model",
    "Unit": "xueji.model",
    "UnitLevel": "xueji.model",
    "MemoryAllocator": "xueji.numbers",
    "NumberRecord": "xueji.numbers",
    "RegistryNumber": "xueji.numbers",
    "SequenceAllocator": "xueji.numbers",
    "ANHUI_2013": "xueji.policy",
    "NATIONAL_2013": "xueji.policy",
    "Param": "xueji.policy",
    "Policy": "xueji.policy",
    "load_policy": "xueji.policy",
    "policy_in_force": "xueji.policy",
    "Outcome": "xueji.registry",
    "Registry": "xueji.registry",
    "MemoryStore": "xueji.storage",
    "Deadline": "xueji.workdays",
    "WorkdayCalendar": "xueji.workdays",
}
"""Where each public name lives. ``import xueji`` imports none of them: the first use
of a name imports its module (PEP 562), so that the ``xueji`` command starts without
loading the registry and its storage (Ctrl-C in that time printed a traceback)."""


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        try:  # a submodule not listed (``xueji.storage``), as an eager import gave it
            return importlib.import_module(f"xueji.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"xueji.{name}":
                raise
            raise AttributeError(f"module 'xueji' has no attribute {name!r}") from None
    module = importlib.import_module(source)
    value = module if source == f"xueji.{name}" else getattr(module, name)
    globals()[name] = value  # imported once
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_SOURCES))


__all__ = [
    "ANHUI_2013",
    "NATIONAL_2013",
    "Actor",
    "ActorKind",
    "Article",
    "BrokenLog",
    "CalendarNotCovered",
    "CannotComplete",
    "Clock",
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
    "NotFound",
    "NumberRecord",
    "NumberSpaceExhausted",
    "Outcome",
    "Param",
    "Photo",
    "Policy",
    "PolicyNotInForce",
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
