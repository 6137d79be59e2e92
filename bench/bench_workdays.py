"""xueji.workdays.add_working_days against chinese-calendar's find_workday.

The counting rule is xueji's (Civil Code Art 201): the n-th working day strictly
after ``start``. chinese-calendar's ``find_workday(k, d)`` returns the (k+1)-th
working day on or after ``d``, so the reference is
``find_workday(n if is_workday(start) else n - 1, start)``.

The grid is every start date from 2004-01-01 to 2026-12-31 and n in 1..60 (with
``--quick``, every 7th start date). The reference runs over the grid in two worker
processes; per-call times are measured in this process, one benchmark at a time.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import random
import time
import tracemalloc
from collections.abc import Sequence

import chinese_calendar

from common import BenchResult, Figure, section
from xueji import workdays
from xueji.errors import CalendarNotCovered

SEED = 2013
FIRST = dt.date(2004, 1, 1)
LAST = dt.date(2026, 12, 31)
MAX_N = 60
QUICK_STEP = 7
WORKERS = 2
SAMPLE_FULL = 20_000
SAMPLE_QUICK = 5_000
BUILD_REPEATS = 5
GOAL_RATIO = 500.0

UNCOVERED = -1  # result recorded when a side raises because the year is not covered

Pair = tuple[dt.date, int]


def start_ordinals(step: int = 1) -> list[int]:
    return list(range(FIRST.toordinal(), LAST.toordinal() + 1, step))


# -- results over the grid ------------------------------------------------------------


def reference_chunk(ordinals: Sequence[int]) -> list[int]:
    """chinese-calendar's answers, as ordinals, for every (start, n) of the starts given.

    Runs in a worker process. ``is_workday(start)`` is evaluated once per start: it
    does not depend on n.
    """
    out: list[int] = []
    find, is_workday = chinese_calendar.find_workday, chinese_calendar.is_workday
    for o in ordinals:
        start = dt.date.fromordinal(o)
        shift = 0 if is_workday(start) else 1
        for n in range(1, MAX_N + 1):
            try:
                out.append(find(n - shift, start).toordinal())
            except NotImplementedError:
                out.append(UNCOVERED)
    return out


def xueji_results(ordinals: Sequence[int]) -> list[int]:
    out: list[int] = []
    add = workdays.add_working_days
    for o in ordinals:
        start = dt.date.fromordinal(o)
        for n in range(1, MAX_N + 1):
            try:
                out.append(add(start, n).toordinal())
            except CalendarNotCovered:
                out.append(UNCOVERED)
    return out


def reference_results(ordinals: list[int], workers: int = WORKERS) -> tuple[list[int], float]:
    """The reference over the grid in ``workers`` processes; (results, wall seconds)."""
    chunk = 40
    chunks = [ordinals[i : i + chunk] for i in range(0, len(ordinals), chunk)]
    out: list[int] = []
    t0 = time.perf_counter()
    next_report = 0.25
    with multiprocessing.Pool(workers) as pool:
        for done, part in enumerate(pool.imap(reference_chunk, chunks), start=1):
            out.extend(part)
            if done / len(chunks) >= next_report:
                elapsed = time.perf_counter() - t0
                print(f"  reference: {done / len(chunks):4.0%} of the grid, {elapsed:6.1f} s")
                next_report += 0.25
    return out, time.perf_counter() - t0


# -- per-call timing ----------------------------------------------------------------


def time_xueji_grid(ordinals: Sequence[int]) -> tuple[float, int]:
    """Seconds for add_working_days over the grid, and the number of calls."""
    add = workdays.add_working_days
    starts = [dt.date.fromordinal(o) for o in ordinals]
    ns = range(1, MAX_N + 1)
    gc.collect()
    t0 = time.perf_counter()
    for start in starts:
        for n in ns:
            try:  # noqa: SIM105 - contextlib.suppress would add its own cost to every call
                add(start, n)
            except CalendarNotCovered:
                pass
    return time.perf_counter() - t0, len(starts) * len(ns)


def time_xueji_pairs(pairs: Sequence[Pair]) -> float:
    add = workdays.add_working_days
    gc.collect()
    t0 = time.perf_counter()
    for start, n in pairs:
        try:  # noqa: SIM105
            add(start, n)
        except CalendarNotCovered:
            pass
    return time.perf_counter() - t0


def time_reference_pairs(pairs: Sequence[Pair]) -> float:
    """Seconds for the translated reference (is_workday + find_workday) over the pairs."""
    find, is_workday = chinese_calendar.find_workday, chinese_calendar.is_workday
    gc.collect()
    t0 = time.perf_counter()
    for start, n in pairs:
        try:  # noqa: SIM105
            find(n if is_workday(start) else n - 1, start)
        except NotImplementedError:
            pass
    return time.perf_counter() - t0


# -- the index ----------------------------------------------------------------------


def measure_build() -> dict[str, float]:
    """Build time (best of BUILD_REPEATS), memory_bytes and tracemalloc peak of a fresh
    WorkdayCalendar built from the installed chinese-calendar."""
    schedules_s: list[float] = []
    index_s: list[float] = []
    cal = workdays.default_calendar()
    for _ in range(BUILD_REPEATS):
        gc.collect()
        t0 = time.perf_counter()
        schedules = workdays._chinese_calendar_schedules()
        t1 = time.perf_counter()
        cal = workdays.WorkdayCalendar(schedules)
        t2 = time.perf_counter()
        schedules_s.append(t1 - t0)
        index_s.append(t2 - t1)
    del cal, schedules
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    cal = workdays.WorkdayCalendar(workdays._chinese_calendar_schedules())
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    totals = [a + b for a, b in zip(schedules_s, index_s, strict=True)]
    return {
        "build_seconds": min(totals),
        "schedules_seconds": min(schedules_s),
        "index_seconds": min(index_s),
        "memory_bytes": cal.memory_bytes,
        "tracemalloc_peak_bytes": peak - before,
        "tracemalloc_retained_bytes": current - before,
        "covered_days": len(cal._index.cum),
        "working_days": len(cal._index.workdays),
    }


def _day(ordinal: int) -> str:
    return "uncovered" if ordinal == UNCOVERED else dt.date.fromordinal(ordinal).isoformat()


# -- the benchmark ------------------------------------------------------------------


def run(quick: bool = False) -> BenchResult:
    step = QUICK_STEP if quick else 1
    grid = start_ordinals(step)
    section(
        f"workdays: add_working_days vs chinese_calendar.find_workday, "
        f"{len(grid):,} starts x n 1..{MAX_N}"
    )

    workdays.default_calendar()  # built once; its build is measured below
    build = measure_build()
    print(
        f"index build: {build['build_seconds'] * 1e3:.1f} ms "
        f"(schedules {build['schedules_seconds'] * 1e3:.1f} ms + index "
        f"{build['index_seconds'] * 1e3:.1f} ms, best of {BUILD_REPEATS}); "
        f"memory_bytes {build['memory_bytes'] / 1e6:.2f} MB; "
        f"tracemalloc peak {build['tracemalloc_peak_bytes'] / 1e6:.2f} MB; "
        f"{build['covered_days']:,} days, {build['working_days']:,} working days"
    )

    # Per-call times, one side at a time, in this process.
    t_grid, calls = time_xueji_grid(start_ordinals())
    x_call = t_grid / calls
    rng = random.Random(SEED)
    size = SAMPLE_QUICK if quick else SAMPLE_FULL
    pairs = [
        (dt.date.fromordinal(grid[i // MAX_N]), i % MAX_N + 1)
        for i in rng.sample(range(len(grid) * MAX_N), size)
    ]
    x_sample = time_xueji_pairs(pairs) / size
    r_call = time_reference_pairs(pairs) / size
    ratio = r_call / x_call
    print(
        f"xueji add_working_days: {x_call * 1e6:8.3f} us/call over the full grid ({calls:,} calls)"
    )
    print(f"xueji add_working_days: {x_sample * 1e6:8.3f} us/call over the sample ({size:,} pairs)")
    print(f"chinese_calendar ref.:  {r_call * 1e6:8.1f} us/call over the sample ({size:,} pairs)")
    print(f"per-call ratio reference/xueji: {ratio:,.0f}x (goal >= {GOAL_RATIO:,.0f}x)")

    # Agreement over the grid.
    print(f"reference over {len(grid) * MAX_N:,} pairs in {WORKERS} processes ...", flush=True)
    ref, ref_wall = reference_results(grid)
    mine = xueji_results(grid)
    both_uncovered = 0
    mismatch_count = 0
    shown: list[str] = []
    for i, (a, b) in enumerate(zip(mine, ref, strict=True)):
        if a == b:
            both_uncovered += a == UNCOVERED
            continue
        mismatch_count += 1
        if len(shown) < 10:
            start, n = dt.date.fromordinal(grid[i // MAX_N]), i % MAX_N + 1
            shown.append(f"{start} + {n}: xueji {_day(a)}, chinese-calendar {_day(b)}")
    pairs_total = len(mine)
    print(
        f"compared {pairs_total:,} pairs (reference wall time {ref_wall:.1f} s): "
        f"{pairs_total - mismatch_count:,} agree ({both_uncovered:,} of them both "
        f"uncovered: result after 2026), {mismatch_count:,} mismatches"
    )
    for m in shown:
        print(f"  MISMATCH {m}")

    figures = [
        Figure("workdays", "pairs compared", pairs_total),
        Figure("workdays", "  of which both uncovered (after 2026)", both_uncovered),
        Figure("workdays", "mismatches", mismatch_count, "", 0, "0", mismatch_count == 0),
        Figure("workdays", "xueji add_working_days (full grid)", x_call * 1e6, "us/call", 3),
        Figure("workdays", "xueji add_working_days (same sample)", x_sample * 1e6, "us/call", 3),
        Figure("workdays", "chinese-calendar find_workday (sample)", r_call * 1e6, "us/call", 1),
        Figure(
            "workdays",
            "per-call ratio find_workday/xueji",
            ratio,
            "x",
            0,
            f">= {GOAL_RATIO:,.0f}x",
            ratio >= GOAL_RATIO,
        ),
        Figure(
            "workdays", "index build (schedules + index)", build["build_seconds"] * 1e3, "ms", 1
        ),
        Figure("workdays", "index memory_bytes", build["memory_bytes"] / 1e6, "MB", 2),
        Figure(
            "workdays",
            "tracemalloc peak during build",
            build["tracemalloc_peak_bytes"] / 1e6,
            "MB",
            2,
        ),
    ]
    details = {
        "grid_starts": len(grid),
        "grid_step_days": step,
        "max_n": MAX_N,
        "pairs_compared": pairs_total,
        "both_uncovered": both_uncovered,
        "mismatches": mismatch_count,
        "mismatch_examples": shown,
        "reference_wall_seconds": ref_wall,
        "workers": WORKERS,
        "xueji_us_per_call_grid": x_call * 1e6,
        "xueji_calls_grid": calls,
        "xueji_us_per_call_sample": x_sample * 1e6,
        "reference_us_per_call_sample": r_call * 1e6,
        "sample_size": size,
        "ratio": ratio,
        "build": build,
    }
    return BenchResult("workdays", figures, details)
