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

>>> import xueji
>>> xueji.ids.is_valid("11010519491231002X")
True
>>> xueji.ANHUI_2013.transfer_stage_limit.value
20
"""

from xueji import decision, errors, ids, numbers, policy, regions, workdays
from xueji._version import __version__
from xueji.articles import Article
from xueji.decision import Decision, Violation
from xueji.errors import (
    CalendarNotCovered,
    InvalidPolicy,
    InvalidRegistryNumber,
    InvalidResidentId,
    InvalidSchedule,
    NumberSpaceExhausted,
    PolicyNotInForce,
    XuejiError,
)
from xueji.ids import ResidentId
from xueji.masking import IdMask, mask
from xueji.numbers import MemoryAllocator, NumberRecord, RegistryNumber, SequenceAllocator
from xueji.policy import ANHUI_2013, Param, Policy, load_policy, policy_in_force
from xueji.workdays import Deadline, WorkdayCalendar

__all__ = [
    "ANHUI_2013",
    "Article",
    "CalendarNotCovered",
    "Deadline",
    "Decision",
    "IdMask",
    "InvalidPolicy",
    "InvalidRegistryNumber",
    "InvalidResidentId",
    "InvalidSchedule",
    "MemoryAllocator",
    "NumberRecord",
    "NumberSpaceExhausted",
    "Param",
    "Policy",
    "PolicyNotInForce",
    "RegistryNumber",
    "ResidentId",
    "SequenceAllocator",
    "Violation",
    "WorkdayCalendar",
    "XuejiError",
    "__version__",
    "decision",
    "errors",
    "ids",
    "load_policy",
    "mask",
    "numbers",
    "policy",
    "policy_in_force",
    "regions",
    "workdays",
]
