"""xueji.ids.is_valid against python-stdnum's stdnum.cn.ric.is_valid.

Both run over the same deterministic list of numbers (random.Random(2013)). The
list mixes valid numbers with each kind of invalid one; every number on which the
two verdicts differ is classified by reason, and an unexplained difference is a
failure of the benchmark.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence

from stdnum.cn import ric

from common import BenchResult, Figure, section, table
from xueji import ids, regions

SEED = 2013
FULL_SIZE = 1_000_000
QUICK_SIZE = 200_000
GOAL_RATIO = 20.0

# Share of the list per kind, in per cent (sums to 100).
SHARES: dict[str, int] = {
    "valid": 50,
    "wrong check character": 10,
    "impossible date": 10,
    "unknown region code": 10,
    "retired region code": 5,
    "code started after birth": 5,
    "wrong length": 10,
}

REASON_LATE = (
    "(a) region code came into use after the birth year (GB 11643: number keeps the "
    "code it was issued with; xueji accepts, stdnum rejects)"
)
REASON_KEYERROR = "(b) stdnum KeyError"
REASON_FUTURE = "(c) birth date in the future (xueji rejects)"
REASON_OTHER = "(d) UNEXPLAINED"
REASONS = (REASON_LATE, REASON_KEYERROR, REASON_FUTURE, REASON_OTHER)

# A verdict of stdnum: True, False, or None when it raised KeyError.
Verdict = bool | None

_CST = dt.timezone(dt.timedelta(hours=8))


# -- the list of numbers ------------------------------------------------------------


def _ymd(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _date_in(rng: random.Random, first_year: int, last_year: int) -> str:
    """A uniformly drawn real date in [1 Jan first_year, 31 Dec last_year] as YYYYMMDD."""
    lo = dt.date(first_year, 1, 1).toordinal()
    hi = dt.date(last_year, 12, 31).toordinal()
    return _ymd(dt.date.fromordinal(rng.randint(lo, hi)))


def _seq(rng: random.Random) -> str:
    return f"{rng.randrange(1000):03d}"


def _number(code: str, birth: str, seq: str) -> str:
    body = code + birth + seq
    return body + ids.check_character(body)


def _impossible_date(rng: random.Random) -> tuple[str, bool]:
    """A birth field that is no real date, or (1 in 8) a real date in the future.

    Returns the YYYYMMDD text and whether it is a future date.
    """
    year = rng.randint(1940, 2020)
    kind = rng.randrange(8)
    if kind == 0:
        return f"{year}13{rng.randint(1, 28):02d}", False  # month 13
    if kind == 1:
        return f"{year}00{rng.randint(1, 28):02d}", False  # month 00
    if kind == 2:
        return f"{year}{rng.randint(1, 12):02d}00", False  # day 00
    if kind == 3:
        return f"{year}{rng.randint(1, 12):02d}32", False  # day 32
    if kind == 4:
        return f"{year}{rng.choice(('0230', '0231', '0431', '0631', '0931', '1131'))}", False
    if kind == 5 or kind == 6:
        common = rng.choice([y for y in range(1940, 2021) if y % 4])
        return f"{common}0229", False  # 29 February in a common year
    return _date_in(rng, 2027, 2099), True  # a real date, in the future


def generate(size: int, seed: int = SEED) -> tuple[list[str], list[str]]:
    """``size`` numbers and, for each, the kind it was generated as (shuffled together)."""
    rng = random.Random(seed)
    tab = regions.table()
    current = sorted(c for c, r in tab.items() if r.last_year == regions.OPEN_END)
    retired = sorted((c, r.last_year) for c, r in tab.items() if r.last_year < regions.OPEN_END)
    late = sorted(
        (c, min(s.start for s in r.spans if s.start is not None))
        for c, r in tab.items()
        if all(s.start is not None for s in r.spans)
        and min(s.start for s in r.spans if s.start is not None) >= 1985
    )
    provinces = sorted({c[:2] for c in tab})
    foreign = [f"{p:02d}" for p in range(100) if f"{p:02d}" not in provinces]

    counts = {kind: size * share // 100 for kind, share in SHARES.items()}
    counts["valid"] += size - sum(counts.values())

    items: list[tuple[str, str]] = []

    def add(kind: str, number: str) -> None:
        items.append((number, kind))

    for _ in range(counts["valid"]):
        add("valid", _number(rng.choice(current), _date_in(rng, 1940, 2020), _seq(rng)))

    for _ in range(counts["wrong check character"]):
        good = _number(rng.choice(current), _date_in(rng, 1940, 2020), _seq(rng))
        wrong = rng.choice([c for c in "0123456789X" if c != good[17]])
        add("wrong check character", good[:17] + wrong)

    for _ in range(counts["impossible date"]):
        birth, future = _impossible_date(rng)
        add(
            "future date" if future else "impossible date",
            _number(rng.choice(current), birth, _seq(rng)),
        )

    for _ in range(counts["unknown region code"]):
        if rng.randrange(5):  # known province, county not in the table (e.g. 349999)
            while True:
                code = rng.choice(provinces) + f"{rng.randrange(10_000):04d}"
                if code not in tab:
                    break
            kind = "unknown county"
        else:
            code = rng.choice(foreign) + f"{rng.randrange(10_000):04d}"
            kind = "unknown province"
        add(kind, _number(code, _date_in(rng, 1940, 2020), _seq(rng)))

    for i in range(counts["retired region code"]):
        code, last = rng.choice(retired)
        if i % 2 and last < 2024:  # born after the code was retired
            add("retired, born after", _number(code, _date_in(rng, last + 1, 2024), _seq(rng)))
        else:  # born in or before the last year of the code
            add("retired, born before", _number(code, _date_in(rng, 1940, last), _seq(rng)))

    for _ in range(counts["code started after birth"]):
        code, first = rng.choice(late)
        add("code started after birth", _number(code, _date_in(rng, 1940, first - 1), _seq(rng)))

    for i in range(counts["wrong length"]):
        good = _number(rng.choice(current), _date_in(rng, 1940, 2020), _seq(rng))
        match i % 3:
            case 0:  # first-generation form: YYMMDD, no check character
                add("wrong length", good[:6] + good[8:17])
            case 1:
                add("wrong length", good[:17])
            case _:
                add("wrong length", good + str(rng.randrange(10)))

    rng.shuffle(items)
    return [n for n, _ in items], [k for _, k in items]


# -- timing -------------------------------------------------------------------------


def time_plain(f: Callable[[str], bool], numbers: Sequence[str]) -> float:
    """Seconds for ``f`` over every number, in a plain loop (for a function that never raises)."""
    gc.collect()
    t0 = time.perf_counter()
    for x in numbers:
        f(x)
    return time.perf_counter() - t0


def time_guarded(f: Callable[[str], bool], numbers: Sequence[str]) -> float:
    """Seconds for ``f`` over every number, each call guarded by ``try/except Exception``."""
    gc.collect()
    t0 = time.perf_counter()
    for x in numbers:
        try:  # noqa: SIM105 - contextlib.suppress would add its own cost to every call
            f(x)
        except Exception:
            pass
    return time.perf_counter() - t0


# -- verdicts -----------------------------------------------------------------------


def stdnum_verdict(number: str) -> Verdict:
    try:
        return bool(ric.is_valid(number))
    except KeyError:
        return None


def classify(number: str, xueji: bool, stdnum: Verdict, today: str) -> str:
    """The reason the two verdicts on ``number`` differ."""
    if stdnum is None:
        return REASON_KEYERROR if not xueji else REASON_OTHER
    if not xueji and stdnum and len(number) == 18 and number[6:14] > today:
        return REASON_FUTURE
    if xueji and not stdnum:
        year = int(number[6:10])
        region = regions.table().get(number[:6])
        if region is None:  # (a foreign permanent resident's: ``9`` + province + nationality)
            return REASON_OTHER
        spans = region.spans
        in_use = any(
            (s.start is None or s.start <= year) and (s.end is None or year <= s.end) for s in spans
        )
        later = any(s.start is not None and s.start > year for s in spans)
        if later and not in_use:
            return REASON_LATE
    return REASON_OTHER


def _shown(v: Verdict) -> str:
    return "KeyError" if v is None else str(v)


# -- the benchmark ------------------------------------------------------------------


def run(quick: bool = False) -> BenchResult:
    size = QUICK_SIZE if quick else FULL_SIZE
    section(f"ids: xueji.ids.is_valid vs stdnum.cn.ric.is_valid, {size:,} numbers")

    t0 = time.perf_counter()
    numbers, kinds = generate(size)
    print(f"generated {len(numbers):,} numbers (seed {SEED}) in {time.perf_counter() - t0:.1f} s")

    # Warm up both: each loads its region data on first use.
    ids.is_valid(numbers[0])
    stdnum_verdict(numbers[0])

    t_x = time_plain(ids.is_valid, numbers)
    print(f"xueji  is_valid: {t_x:7.2f} s  {size / t_x:>12,.0f} calls/s  (plain loop)")
    t_s = time_guarded(ric.is_valid, numbers)
    print(f"stdnum is_valid: {t_s:7.2f} s  {size / t_s:>12,.0f} calls/s  (try/except per call)")
    ratio = t_s / t_x
    print(f"throughput ratio xueji/stdnum: {ratio:.1f}x (goal >= {GOAL_RATIO:.0f}x)")

    # Verdicts, in a separate pass that is not timed.
    x_verdicts = [ids.is_valid(n) for n in numbers]
    s_verdicts = [stdnum_verdict(n) for n in numbers]
    today = _ymd(dt.datetime.now(_CST).date())

    per_kind: dict[str, Counter[str]] = {}
    reasons: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for number, kind, xv, sv in zip(numbers, kinds, x_verdicts, s_verdicts, strict=True):
        c = per_kind.setdefault(kind, Counter())
        c["n"] += 1
        c["xueji accepts"] += xv
        c["stdnum accepts"] += sv is True
        c["stdnum KeyError"] += sv is None
        if xv is not sv:
            c["differ"] += 1
            reason = classify(number, xv, sv, today)
            reasons[reason] += 1
            ex = examples.setdefault(reason, [])
            if len(ex) < 5:
                ex.append(f"{number} ({kind}): xueji {xv}, stdnum {_shown(sv)}")
    crashes = sum(v is None for v in s_verdicts)

    print()
    cols = ["n", "xueji accepts", "stdnum accepts", "stdnum KeyError", "differ"]
    rows = [[k, *(f"{per_kind[k][c]:,}" for c in cols)] for k in sorted(per_kind)]
    print(table(rows, ["generated as", *cols], right={1, 2, 3, 4, 5}))

    differ = sum(reasons.values())
    print()
    print(f"verdicts differ on {differ:,} of {size:,} numbers:")
    for reason in REASONS:
        print(f"  {reasons[reason]:>9,}  {reason}")
    unexplained = reasons[REASON_OTHER]
    if unexplained:
        print("UNEXPLAINED examples:")
        for line in examples[REASON_OTHER]:
            print(f"  {line}")
    else:
        for reason in REASONS[:3]:
            if examples.get(reason):
                print(f"  e.g. {examples[reason][0]}")

    figures = [
        Figure("ids", "xueji is_valid throughput", size / t_x, "calls/s"),
        Figure("ids", "stdnum is_valid throughput", size / t_s, "calls/s"),
        Figure(
            "ids",
            "throughput ratio xueji/stdnum",
            ratio,
            "x",
            1,
            f">= {GOAL_RATIO:.0f}x",
            ratio >= GOAL_RATIO,
        ),
        Figure("ids", "numbers with differing verdicts", differ),
        Figure("ids", "  (a) code in use only after birth year", reasons[REASON_LATE]),
        Figure("ids", "  (b) stdnum KeyError (crash)", reasons[REASON_KEYERROR]),
        Figure("ids", "  (c) future birth date", reasons[REASON_FUTURE]),
        Figure("ids", "  (d) unexplained differences", unexplained, "", 0, "0", unexplained == 0),
    ]
    details = {
        "size": size,
        "seed": SEED,
        "shares_percent": SHARES,
        "seconds_xueji": t_x,
        "seconds_stdnum": t_s,
        "calls_per_second_xueji": size / t_x,
        "calls_per_second_stdnum": size / t_s,
        "ratio": ratio,
        "stdnum_keyerror_crashes": crashes,
        "differences_by_reason": {r: reasons[r] for r in REASONS},
        "examples_by_reason": examples,
        "per_kind": {k: dict(v) for k, v in sorted(per_kind.items())},
        "today_cst": today,
    }
    return BenchResult("ids", figures, details)
