"""Pure rules: functions of (facts, policy, date) that return a :class:`~xueji.Decision`.

No storage, no clock, no I/O: analysts can call them directly. One module per chapter
of the measures: :mod:`~xueji.rules.tree` (Arts 7, 28: where a school may be placed),
:mod:`~xueji.rules.enrolment` (Arts 12-16),
:mod:`~xueji.rules.corrections` (Arts 17, 29), :mod:`~xueji.rules.transfers`
(Arts 20-25), :mod:`~xueji.rules.changes` (Arts 26-27) and
:mod:`~xueji.rules.graduation` (Art 18). Every violation's ``code`` is listed in
:data:`RULE_CODES` with its article.
"""

from xueji.rules._base import RULE_CODES, violation

__all__ = ["RULE_CODES", "violation"]
