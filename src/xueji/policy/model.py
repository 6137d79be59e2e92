"""The :class:`Policy`: every parameter the rules use, each with its article."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Generic, TypeVar

import attrs

from xueji.articles import Article
from xueji.masking import IdMask
from xueji.policy.values import MonthDay, Stage, Term, TransferWindow

__all__ = ["Param", "Policy"]

T = TypeVar("T")


@attrs.frozen
class Param(Generic[T]):
    """A parameter's value with the article it comes from.

    ``note`` records a reading chosen where the article is ambiguous, so that the
    choice is documented beside the value rather than guessed silently.
    """

    value: T
    article: Article
    note: str = ""


def _fields_are_params(inst: Policy, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, Param):
        raise TypeError(f"Policy.{attribute.name} must be a Param (a value with its article)")


@attrs.frozen(kw_only=True)
class Policy:
    """A policy profile: one jurisdiction's measures as data.

    Build another jurisdiction's profile from an existing one with
    :func:`attrs.evolve` (every ``Param`` field replaced keeps its own article) or
    from a data file (:func:`xueji.policy.load_policy`); never by editing the
    library. Rules read parameters as ``policy.<name>.value`` and cite
    ``policy.<name>.article``.

    ``valid_from`` and ``valid_until`` are both inclusive; ``valid_until`` None
    means open-ended (Art 33: a decision is taken under the profile in force on its
    date).
    """

    code: str
    name: str
    instrument: str
    valid_from: _dt.date
    valid_until: _dt.date | None = None
    validity_article: Article

    # 第三章 入学和毕业
    school_entry_age: Param[int] = attrs.field(validator=_fields_are_params)
    school_entry_age_cutoff: Param[MonthDay] = attrs.field(validator=_fields_are_params)
    initial_grades: Param[frozenset[int]] = attrs.field(validator=_fields_are_params)
    regional_number_format: Param[str] = attrs.field(validator=_fields_are_params)
    new_student_deadline: Param[MonthDay | None] = attrs.field(validator=_fields_are_params)
    registration_within_months: Param[int | None] = attrs.field(validator=_fields_are_params)
    class_size_caps: Param[Mapping[Stage, int]] = attrs.field(validator=_fields_are_params)
    graduation_deadline: Param[MonthDay] = attrs.field(validator=_fields_are_params)
    graduation_needs_approval: Param[frozenset[Stage]] = attrs.field(validator=_fields_are_params)
    rollover_date: Param[MonthDay] = attrs.field(validator=_fields_are_params)
    rollover_promotes_suspended: Param[bool] = attrs.field(validator=_fields_are_params)
    rollover_unfinished_final_grade: Param[str] = attrs.field(validator=_fields_are_params)
    rollover_open_transfers: Param[str] = attrs.field(validator=_fields_are_params)

    # 第四章 变动和审批
    transfer_stage_limit: Param[int] = attrs.field(validator=_fields_are_params)
    transfer_default_approval: Param[bool] = attrs.field(validator=_fields_are_params)
    transfer_window: Param[TransferWindow] = attrs.field(validator=_fields_are_params)
    transfer_blackout: Param[tuple[MonthDay, MonthDay] | None] = attrs.field(
        validator=_fields_are_params
    )
    terms: Param[tuple[Term, ...]] = attrs.field(validator=_fields_are_params)
    dropout_review_limit: Param[int | None] = attrs.field(validator=_fields_are_params)
    compulsory_grades: Param[frozenset[int]] = attrs.field(validator=_fields_are_params)

    # 第五章 管理和安全
    locked_fields: Param[frozenset[str]] = attrs.field(validator=_fields_are_params)
    id_mask: Param[IdMask] = attrs.field(validator=_fields_are_params)

    # 通知
    maintenance_fee_per_student: Param[Decimal] = attrs.field(validator=_fields_are_params)

    def __attrs_post_init__(self) -> None:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(
                f"policy {self.code}: valid_until {self.valid_until} is before "
                f"valid_from {self.valid_from}"
            )
        for name, allowed in (
            ("rollover_unfinished_final_grade", ("hold", "complete")),
            ("rollover_open_transfers", ("promote", "hold")),
        ):
            if getattr(self, name).value not in allowed:
                raise ValueError(f"policy {self.code}: {name} is one of {allowed}")
        fmt = self.regional_number_format.value
        if "{seq" not in fmt:
            raise ValueError(f"policy {self.code}: regional_number_format needs a {{seq}} field")

    def in_force(self, on: _dt.date) -> bool:
        """True if the profile is in force on ``on`` (both ends inclusive)."""
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        """The names of the :class:`Param` fields, in declaration order."""
        return tuple(f.name for f in attrs.fields(cls) if f.validator is _fields_are_params)

    def parameters(self) -> dict[str, Param[Any]]:
        """Every parameter by name (for printing and documentation)."""
        return {name: getattr(self, name) for name in self.parameter_names()}
