"""The profiles a store decides under, recorded in the store itself (Art 33).

``xueji init --store URL --policy CODE / --policy-file FILE`` records, in the store's
meta table (:data:`PROFILES_KEY`), the profiles its commands decide under, so that no
later command needs the options or the files. Every ``xueji`` command that works on
the store reads the record. A host that builds its own
:class:`~xueji.registry.Registry` over such a store reads it too:
:func:`recorded_profiles`, or :meth:`Registry.from_store
<xueji.registry.Registry.from_store>`, which builds the registry under it.
``Registry(store)`` alone decides under the ``policies=`` it is given (by default
``anhui-2013``), whatever the store records.

>>> from xueji.storage import MemoryStore
>>> store = MemoryStore()
>>> recorded_profiles(store) is None  # nothing recorded
True
>>> with store.unit_of_work() as uow:
...     write_profiles(uow, [{"shipped": "national-2013"}], build([{"shipped": "national-2013"}]))
>>> [p.code for p in recorded_profiles(store) or ()]
['national-2013']
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

from xueji.errors import CorruptRecord, XuejiError
from xueji.policy import PROFILES, Policy, parse_policy, policy_to_dict

__all__ = [
    "PROFILES_KEY",
    "build",
    "needs_recorded_bases",
    "profile_digest",
    "read_profiles",
    "recorded_profiles",
    "with_recorded_bases",
    "write_profiles",
]

PROFILES_KEY = "profiles"
"""The meta key of a store's recorded profiles: a JSON list, in the order given, of
what ``xueji init`` was given: ``{"shipped": code, "code", "digest"}`` for a shipped
profile, ``{"file": name, "text": its text, "code", "digest"}`` for a profile file
(so that no later command needs the file). ``digest`` is the SHA-256 of the entry
without it, which an entry edited by hand fails. What is recorded is what was
given, not the profile as this version builds it: a later xueji builds the same
sources anew (a shipped profile as it ships it, a file over it, with any parameter
added since inherited from its base), as it does for the same options."""


def build(sources: Sequence[Mapping[str, str]], *, where: str | None = None) -> tuple[Policy, ...]:
    """The profiles ``sources`` give (what the options give, or a store's record read
    back, ``where`` naming it), built by this version of xueji: a shipped profile
    (``{"shipped": code}``) is this version's, a file (``{"file": name, "text": text}``,
    with its ``path`` where it was read from one) is read over the shipped profiles
    and those before it. An unknown code is ``cli.unknown_policy``; a file that does
    not load, its loader's error."""
    chosen: list[Policy] = []
    known = dict(PROFILES)
    for source in sources:
        if "shipped" in source:
            code = source["shipped"]
            if code not in PROFILES:
                raise XuejiError(
                    "cli.unknown_policy",
                    f"未知的政策 {code}" + (f"（{where}）" if where else ""),
                    f"unknown policy profile {code!r}" + (f" ({where})" if where else ""),
                )
            chosen.append(PROFILES[code])
            continue
        named = source.get("path") or (f"{where} ({source['file']})" if where else source["file"])
        policy = parse_policy(source["text"], where=named, profiles=known)
        known[policy.code] = policy
        chosen.append(policy)
    return tuple(chosen)


def _canonical(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _data_digest(data: Any) -> str:
    return "sha256:" + hashlib.sha256(_canonical(data).encode("utf-8")).hexdigest()


def profile_digest(policy: Policy) -> str:
    """A profile's digest: two profiles with the same digest decide alike (every
    parameter, article, note and citation is in the data)."""
    return _data_digest(policy_to_dict(policy))


def _corrupt(zh: str, en: str) -> CorruptRecord:
    return CorruptRecord(
        "xueji_meta",
        PROFILES_KEY,
        f"{en}: record the store's profiles again with xueji init --replace-profiles",
        f"{zh}：请以 xueji init --replace-profiles 重新记录此库的政策",
    )


def _entry(source: Mapping[str, str], code: str) -> dict[str, str]:
    """A recorded source (:data:`PROFILES_KEY`) with its profile's code and digest."""
    kept = {k: v for k, v in source.items() if k in ("shipped", "file", "text")}
    kept["code"] = code
    return {**kept, "digest": _data_digest(kept)}


_FIELDS = (
    frozenset({"shipped", "code", "digest"}),
    frozenset({"file", "text", "code", "digest"}),
)


def read_profiles(uow: Any) -> tuple[Policy, ...] | None:
    """The profiles recorded in the store of the unit of work ``uow`` (None: no
    record), each entry checked against its digest and built by this version of xueji
    (:func:`build`). A record that is not one, edited by hand (a digest that does not
    match) or naming a profile this version cannot build is a
    :class:`~xueji.errors.CorruptRecord` naming the key."""
    text = uow.meta.get(PROFILES_KEY)
    if text is None:
        return None
    try:
        index = json.loads(text)
    except (ValueError, RecursionError):
        index = None
    if not (
        isinstance(index, list)
        and index
        and all(
            isinstance(e, dict)
            and frozenset(e) in _FIELDS
            and all(isinstance(v, str) for v in e.values())
            for e in index
        )
    ):
        raise _corrupt("不是已记录政策的列表", "not a list of recorded profiles")
    for e in index:
        if _data_digest({k: v for k, v in e.items() if k != "digest"}) != e["digest"]:
            raise _corrupt(
                f"政策 {e['code']} 的摘要不符：记录后被改动过",
                f"profile {e['code']}'s digest does not match: it was changed after it "
                "was recorded",
            )
    try:
        built = build(index, where=f"xueji_meta {PROFILES_KEY}")
    except XuejiError as error:  # (a profile this version of xueji cannot build)
        raise _corrupt(error.message_zh, error.message_en) from None
    for entry, policy in zip(index, built, strict=True):
        if policy.code != entry["code"]:
            raise _corrupt(
                f"记录的政策 {entry['code']} 现读作 {policy.code}",
                f"the profile recorded as {entry['code']} now reads as {policy.code}",
            )
    return built


def needs_recorded_bases(sources: Sequence[Mapping[str, str]]) -> bool:
    """Whether a file among ``sources`` takes as its ``base`` a profile that neither
    the shipped profiles nor the sources before it give (a file that is not TOML is
    left to :func:`build` to say)."""
    known = set(PROFILES)
    for source in sources:
        if "shipped" in source:
            known.add(source["shipped"])
            continue
        try:
            data = tomllib.loads(source["text"].removeprefix("\ufeff"))
        except (tomllib.TOMLDecodeError, RecursionError):
            return False
        base, code = data.get("base"), data.get("code")
        if isinstance(base, str) and base not in known:
            return True
        if isinstance(code, str):
            known.add(code)
    return False


def with_recorded_bases(uow: Any, sources: Sequence[Mapping[str, str]]) -> list[Mapping[str, str]]:
    """``sources`` (what the options give), preceded by what the store of ``uow``
    records (:data:`PROFILES_KEY`, checked as :func:`read_profiles` checks it) where a
    file among them takes as its base a profile that only the store records: a
    successor's file (``base = "jiangsu-2014"``) given to a store whose record holds
    its predecessor's. The recorded profiles are kept, so ``xueji init`` records the
    successor beside them (``added``), and a store command given the successor's file
    is given the profiles the store records. A recorded profile whose code a source
    gives is the source's. Found by the province review: the successor's file was
    refused, ``unknown base profile 'jiangsu-2014'``, by a store that recorded it.
    """
    if not needs_recorded_bases(sources) or read_profiles(uow) is None:
        return list(sources)
    index = json.loads(uow.meta.get(PROFILES_KEY))
    given: set[str] = set()
    for source in sources:
        if "shipped" in source:
            given.add(source["shipped"])
            continue
        with contextlib.suppress(tomllib.TOMLDecodeError, RecursionError):
            code = tomllib.loads(source["text"].removeprefix("\ufeff")).get("code")
            if isinstance(code, str):
                given.add(code)
    kept = [
        {k: v for k, v in e.items() if k in ("shipped", "file", "text")}
        for e in index
        if e["code"] not in given
    ]
    return [*kept, *sources]


def write_profiles(uow: Any, sources: Sequence[Mapping[str, str]], given: Sequence[Policy]) -> None:
    """Record ``sources`` (as :func:`build` takes them) as the store's profiles, each
    with the code of the profile it gave (``given``, built from them) and a digest;
    what was recorded before is replaced (``xueji init`` decides when it may be)."""
    entries = [_entry(src, p.code) for src, p in zip(sources, given, strict=True)]
    uow.meta.set(PROFILES_KEY, _canonical(entries))


def recorded_profiles(store: Any) -> tuple[Policy, ...] | None:
    """The profiles recorded in ``store`` by ``xueji init --policy/--policy-file``
    (None: no record), read in a unit of work of their own that only reads (the
    store's ``reading()`` where it has one) and checked as :func:`read_profiles`
    checks them. A host builds its registry under them (:meth:`Registry.from_store
    <xueji.registry.Registry.from_store>`), as every ``xueji`` command does."""
    reading = getattr(store, "reading", None)
    unit: contextlib.AbstractContextManager[Any] = (
        store.unit_of_work() if reading is None else reading()
    )
    with unit as uow:
        return read_profiles(uow)
