"""The profiles a store records (``xueji init --policy``), read back by a host (Art 33)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import Province, school_actor
from xueji import Actor, ManualClock, Registry
from xueji.errors import CorruptRecord
from xueji.model import TransferReason
from xueji.policy import ANHUI_2013, NATIONAL_2013
from xueji.storage import MemoryStore
from xueji.storage.sql import SqlStore
from xueji.store_profiles import PROFILES_KEY, recorded_profiles


def _overdue_transfer(path: Path) -> str:
    """A store written under ``national-2013`` holding a transfer filed on 10 September
    2026, its first stage's 10 working days long past by 1 December; its URL."""
    p = Province(policies=(NATIONAL_2013,), store=SqlStore.sqlite(str(path)))
    s = p.register("A", 1)
    p.at(dt.date(2026, 9, 10))
    out = p.reg.request_transfer(
        school_actor("W"), s.id, to_school="W", to_class="W-1", reason=TransferReason.JOB_MOVE
    )
    assert out.allowed, out.decision
    p.store.engine.dispose()
    return f"sqlite:///{path}"


def test_art33_a_registry_built_from_a_store_decides_under_its_recorded_profiles(
    tmp_path: Path,
) -> None:
    """Found by the documentation review: the sweep's one-liner built ``Registry(store)``,
    which decides under ``anhui-2013`` whatever ``xueji init --policy`` recorded: on a
    store recorded ``national-2013`` (no default approval) it wrote three
    ``approve_by_default_transfer`` entries. ``recorded_profiles`` reads the record;
    ``Registry.from_store`` decides under it."""
    from xueji.cli import main

    url = _overdue_transfer(tmp_path / "r.db")
    store = SqlStore.open(url, existing=True)
    try:
        assert recorded_profiles(store) is None  # no record yet
        assert Registry.from_store(store).policies == (ANHUI_2013,)  # the default
        assert Registry.from_store(store, default=(NATIONAL_2013,)).policies == (NATIONAL_2013,)
    finally:
        store.engine.dispose()
    assert main(["init", "--store", url, "--policy", "national-2013"]) == 0
    store = SqlStore.open(url, existing=True)
    try:
        assert recorded_profiles(store) == (NATIONAL_2013,)
        reg = Registry.from_store(store, clock=ManualClock(dt.date(2026, 12, 1)))
        assert reg.policies == (NATIONAL_2013,)
        assert reg.advance_clock(Actor.system()) == []  # nothing approved by default
        with store.reading() as uow:
            commands = [e.command for e in uow.log.stream()]
        assert "approve_by_default_transfer" not in commands
        # the record wins over the default (a default is for a store with none)
        assert Registry.from_store(store, default=(ANHUI_2013,)).policies == (NATIONAL_2013,)
        # Registry(store) alone is what it always was: the host names the profiles
        assert Registry(store).policies == (ANHUI_2013,)
    finally:
        store.engine.dispose()


def test_a_recorded_profile_edited_by_hand_is_a_corrupt_record() -> None:
    """The record is checked against its digests, on any store (its meta table)."""
    store = MemoryStore()
    with store.unit_of_work() as uow:
        uow.meta.set(PROFILES_KEY, '[{"shipped": "anhui-2013", "code": "x", "digest": "y"}]')
    with pytest.raises(CorruptRecord) as caught:
        recorded_profiles(store)
    assert caught.value.code == "storage.corrupt"
    assert "xueji init --replace-profiles" in str(caught.value)
    with pytest.raises(CorruptRecord):
        Registry.from_store(store)
