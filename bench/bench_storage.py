"""Province scale on real databases: the facade against the raw SQL floor, side by side.

For each store (SQLite in a file; PostgreSQL where it answers) and each size:

1. bulk enrolment through ``Registry.enroll_many`` (validation, numbers, the hash-chained
   change log) against a raw ``executemany`` of the same student and change-log rows into
   an empty copy of the schema, the two interleaved call by call: goal within 3x;
2. the 1 August rollover through ``Registry.rollover`` against one hand-written
   ``UPDATE``: goal within 2x;
3. the deadline sweep (``Registry.advance_clock``) over 100,000 open transfer stages, 1%
   of them overdue, against the raw indexed query that finds them: goal within 2x;
4. ``Registry.verify_log`` over the whole change log (streamed: its peak memory);
5. the Art 28 statistics of the province (``Registry.statistics``) against the
   hand-written ``GROUP BY`` that counts the same rows;
6. the Art 32 report of the province (``Registry.detect``: every request, the whole
   log): its time and peak memory;
7. the process's peak memory after each step (goal under 1 GiB at 1,000,000 students),
   and the growth of the per-student cost from the smaller size to the larger.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import itertools
import os
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from common import BenchResult, Figure, section
from xueji import audit, ids, regions
from xueji.clock import ManualClock
from xueji.lifecycle import RequestKind, RequestState
from xueji.model import (
    Actor,
    ActorKind,
    Photo,
    Request,
    RequestEvent,
    School,
    SchoolClass,
    Unit,
    UnitLevel,
)
from xueji.policy import Stage
from xueji.registry import Registry
from xueji.storage.sql import SqlStore, log_t, requests_t, students_t
from xueji.testing.servers import answers

# The server of the tests, but a database of its own (created on first use): the
# benchmark may run while the tests use (and drop) the tables in `test`.
PG_URL = os.environ.get(
    "XUEJI_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/xueji_bench"
)
MYSQL_URL = os.environ.get(
    "XUEJI_BENCH_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/xueji_bench"
)
"""MariaDB runs only when asked for (``XUEJI_BENCH_STORES=mariadb``): the issue's
figures are SQLite's and PostgreSQL's, and a third store would add half an hour."""
SCHOOLS = 10_000
BATCH = 5_000
OPEN_REQUESTS = 100_000
START = dt.date(2026, 9, 1)
KINDS = (
    (Stage.PRIMARY, range(1, 7), 6),
    (Stage.JUNIOR, range(7, 10), 3),
    (Stage.SENIOR, range(10, 13), 3),
)


def _reset_peak() -> None:
    """Start a new peak-memory reading (Linux: ``clear_refs`` 5 resets VmHWM), so that
    each step's peak is its own, not the whole process's (the benchmarks run before
    this one may have used more)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_mb() -> float:
    """The process's peak resident memory since the last :func:`_reset_peak`."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _counties() -> list[tuple[str, str]]:
    out = []
    for code, region in sorted(regions.table().items()):
        in_use = region.last_year == regions.OPEN_END
        if code.startswith("34") and in_use and code[2:4] != "00" and code[4:] != "00":
            out.append((code[:4], code))
    return out


def build_tree(store: SqlStore, n_students: int) -> tuple[list[School], dict[str, str]]:
    """Units, 10,000 schools and their classes, written straight into the store (setup,
    not measured). Returns the schools and each school's city."""
    rng = random.Random(2013)
    pairs = _counties()
    cities = sorted({c for c, _ in pairs})[:16]
    counties = [(c, k) for c, k in pairs if c in cities]
    per_school = -(-n_students // SCHOOLS)
    schools: list[School] = []
    city_of: dict[str, str] = {}
    with store.unit_of_work() as uow:
        uow.units.add(Unit("34", "安徽省教育厅", UnitLevel.PROVINCE, "340000"))
        for c in cities:
            uow.units.add(Unit(c, f"{c}教育局", UnitLevel.CITY, c + "00", "34"))
        for c, k in counties:
            uow.units.add(Unit(k, f"{k}教育局", UnitLevel.COUNTY, k, c))
        for i in range(SCHOOLS):
            city, county = rng.choice(counties)
            stage, grades, _ = KINDS[0 if i % 2 == 0 else (1 if i % 4 == 1 else 2)]
            school = School(f"{i:010d}", f"学校{i}", county, county, frozenset({stage}))
            uow.schools.add(school)
            schools.append(school)
            city_of[school.code] = city
            per_grade = -(-per_school // len(grades))
            for grade in grades:
                for idx in range(-(-per_grade // 45)):
                    uow.classes.add(
                        SchoolClass(
                            f"{school.code}-{grade}-{idx}",
                            school.code,
                            f"{grade}-{idx}",
                            grade,
                            "班主任",
                            START,
                        )
                    )
    return schools, city_of


def _settle(store: SqlStore) -> None:
    """Setup, not measured: on SQLite, write the setup's pages from the WAL into the
    database file (a checkpoint), so that the next measured commit does not carry
    them (SQLite checkpoints when a commit finds the WAL past 1,000 pages)."""
    if store.engine.dialect.name == "sqlite":
        store.engine.dispose()  # (no connection of the pool left reading)
        with contextlib.closing(sqlite3.connect(str(store.engine.url.database))) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def _log_reviews(store: SqlStore, day: dt.date) -> None:
    """Setup, not measured: the change-log entries of the reviews that registered the
    province (Art 15), one per student, sealed as the facade seals them and carrying
    each record's digest, for the students the benchmark registered with one
    ``UPDATE``. Without them the Art 32 report would rightly find every record
    changed outside the library (``detect``: a record that does not hold what its
    last entry wrote)."""
    with store.unit_of_work() as uow:
        previous = uow.log.last()
        students = uow.students.all()
        while page := list(itertools.islice(students, BATCH)):
            of_subject = uow.log.last_many([s.id for s in page])
            entries = []
            for s in page:
                previous = audit.make_entry(
                    (previous.seq if previous else 0) + 1,
                    day,
                    "county",
                    s.school,
                    "register",
                    s.id,
                    {"status": "draft"},
                    {"status": s.status.value, "record_digest": audit.record_digest(s)},
                    "皖教基〔2013〕20号 第十五条",
                    "",
                    previous,
                    of_subject.get(s.id),
                )
                entries.append(previous)
            uow.log.append_many(entries)


def _log_openings(store: SqlStore, opened: list[Request]) -> None:
    """Setup, not measured: the opening entry of each request the benchmark inserts
    with one ``INSERT`` (``open_transfer``, by the unit its history names), sealed as
    the facade seals them and carrying the request's digest. Without them the sweep
    would rightly hold every default approval (Art 32(三): a request no entry names
    was written outside the library) and ``detect`` report every request."""
    with store.unit_of_work() as uow:
        previous = uow.log.last()
        for i in range(0, len(opened), BATCH):
            entries = []
            for r in opened[i : i + BATCH]:
                previous = audit.make_entry(
                    (previous.seq if previous else 0) + 1,
                    r.opened_on,
                    "city",
                    r.history[0].actor,
                    "open_transfer",
                    r.id,
                    {},
                    {
                        "student": r.student,
                        "state": r.state.value,
                        "request_digest": audit.request_digest(r),
                    },
                    "皖教基〔2013〕20号 第二十一条",
                    "",
                    previous,
                    None,
                )
                entries.append(previous)
            uow.log.append_many(entries)


def rows(n: int, schools: list[School]) -> Iterator[dict[str, Any]]:
    """Enrolment rows: ``n`` students spread over the schools, realistic ID numbers."""
    rng = random.Random(2013)
    per_school = -(-n // len(schools))
    used: dict[tuple[str, dt.date, str], int] = {}
    for i in range(n):
        school = schools[i // per_school]
        _, grades, _ = next(k for k in KINDS if next(iter(school.stages)) is k[0])
        j = i % per_school
        grade = grades[j % len(grades)]
        k = (j // len(grades)) // 45
        birth = dt.date(2026 - 6 - grade, 1 + rng.randrange(8), 1 + rng.randrange(28))
        sex = "M" if i % 2 else "F"
        key = (school.region, birth, sex)
        used[key] = used.get(key, 0) + 1
        body = f"{school.region}{birth:%Y%m%d}{2 * used[key] - (1 if sex == 'M' else 0):03d}"
        yield {
            "school": school.code,
            "class_id": f"{school.code}-{grade}-{k}",
            "grade": grade,
            "name": f"学生{i}",
            "sex": sex,
            "birth_date": birth,
            "hukou_region": school.region,
            "id_number": body + ids.check_character(body),
            "photo": Photo(START, "bench"),
        }


def _floor_store(name: str, url: str) -> SqlStore:
    """An empty copy of the schema in another database, for the raw floor."""
    u = sa.engine.make_url(url)
    if name == "sqlite":
        return SqlStore.sqlite(str(u.database) + ".floor")
    floor_url = u.set(database=f"{u.database}_floor").render_as_string(hide_password=False)
    _server_database(floor_url)
    return _empty_copy(floor_url)


def _server_database(url: str) -> None:
    """Create the database of ``url`` (PostgreSQL or MariaDB) if it does not exist."""
    u = sa.engine.make_url(url)
    if u.get_backend_name() in ("mysql", "mariadb"):
        admin = sa.create_engine(u.set(database=""), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f"CREATE DATABASE IF NOT EXISTS `{u.database}`"))
        admin.dispose()
        return
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": u.database}
        ).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def _empty_copy(url: str) -> SqlStore:
    # (a database left half-made, or by another xueji: emptied, its version unread)
    store = SqlStore.from_url(url, migrate=False, check=False)
    store.drop_all()
    store.migrate()
    return store


def run_store(name: str, url: str, n: int) -> dict[str, float]:
    """All steps on one store at one size; returns the figures."""
    store = _empty_copy(url)
    schools, city_of = build_tree(store, n)
    clock = ManualClock(START)
    reg = Registry(store, clock=clock)
    out: dict[str, float] = {}
    gc.collect()
    _reset_peak()

    # 1. bulk enrolment: the facade, in batches per city (a city may enrol in its schools),
    # and the floor, interleaved: after each facade call the rows it wrote (students and
    # their log entries) are read back (not timed) and inserted with one executemany
    # each into an empty copy of the schema, in one transaction committed at the end
    # (timed), so that both sides see the same machine when a shared host's speed drifts.
    #
    # PostgreSQL plans from the tables' statistics (the import's own look-ups are
    # written not to need them, the rest are not), which autovacuum keeps current in
    # production; this machine's server runs with autovacuum off, so the benchmark
    # does autovacuum's part with its defaults: an ANALYZE (SqlStore.analyze) at most
    # once a minute (autovacuum_naptime), once the table has grown by 50 rows + 10%
    # since the last, its time counted as the facade's.
    floor = _floor_store(name, url)
    batch: dict[str, list[dict[str, Any]]] = {}
    done = analyzed_rows = 0
    analyzed_t = time.perf_counter()
    for k in ("enrol_facade_s", "enrol_floor_s", "enrol_analyze_s"):
        out[k] = 0.0
    with store.engine.connect() as src:
        seq = src.execute(sa.select(sa.func.coalesce(sa.func.max(log_t.c.seq), 0))).scalar_one()
    fconn = floor.engine.connect()
    ftx = fconn.begin()

    def enrol(city: str, part: list[dict[str, Any]]) -> None:
        nonlocal done, analyzed_rows, analyzed_t, seq
        t0 = time.perf_counter()
        res = reg.enroll_many(Actor(ActorKind.CITY, city), part)
        out["enrol_facade_s"] += time.perf_counter() - t0
        assert res.allowed, res.refused[:3]
        done += len(res.applied)
        now = time.perf_counter()
        if (
            name == "postgres"
            and now - analyzed_t >= 60
            and done - analyzed_rows > 50 + analyzed_rows // 10
        ):
            store.analyze()
            took = time.perf_counter() - now
            out["enrol_analyze_s"] += took
            out["enrol_facade_s"] += took
            analyzed_rows, analyzed_t = done, time.perf_counter()
        first, last = res.applied[0].id, res.applied[-1].id
        with store.engine.connect() as src:
            stu = [
                dict(r._mapping)
                for r in src.execute(
                    sa.select(students_t).where(students_t.c.id.between(first, last))
                )
            ]
            logs = [
                dict(r._mapping)
                for r in src.execute(
                    sa.select(log_t).where(log_t.c.seq > seq, log_t.c.subject.like("S%"))
                )
            ]
        assert len(stu) == len(logs) == len(res.applied)
        seq = max(r["seq"] for r in logs)
        t0 = time.perf_counter()
        fconn.execute(students_t.insert(), stu)
        fconn.execute(log_t.insert(), logs)
        out["enrol_floor_s"] += time.perf_counter() - t0

    for row in rows(n, schools):
        city = city_of[row["school"]]
        batch.setdefault(city, []).append(row)
        if len(batch[city]) >= BATCH:
            enrol(city, batch.pop(city))
    for city, rest in batch.items():
        enrol(city, rest)
    t0 = time.perf_counter()
    ftx.commit()
    out["enrol_floor_s"] += time.perf_counter() - t0
    fconn.close()
    out["enrol_rss_mb"] = _peak_mb()
    gc.collect()
    _reset_peak()

    # 2. the rollover: everyone registered (setup), then the facade against one UPDATE
    for st in (store, floor):
        with st.engine.begin() as conn:
            conn.execute(students_t.update().values(status="registered"))
    _log_reviews(store, dt.date(2026, 9, 20))
    for st in (store, floor):
        _settle(st)
    clock.advance_to(dt.date(2027, 8, 1))
    t0 = time.perf_counter()
    roll = reg.rollover(Actor.system(), 2027)
    out["rollover_facade_s"] = time.perf_counter() - t0
    assert roll.allowed
    c = students_t.c
    below = sa.or_(
        *(
            sa.and_(c.stage == s.value, c.grade < g)
            for s, g in ((Stage.PRIMARY, 6), (Stage.JUNIOR, 9), (Stage.SENIOR, 12))
        )
    )
    t0 = time.perf_counter()
    with floor.engine.begin() as conn:
        conn.execute(
            students_t.update()
            .where(c.status == "registered", below)
            .values(grade=c.grade + 1, version=c.version + 1)
        )
    out["rollover_floor_s"] = time.perf_counter() - t0
    out["rollover_rss_mb"] = _peak_mb()

    gc.collect()
    _reset_peak()

    # 3. the deadline sweep: 100,000 open transfer stages, 1% overdue
    k_open = min(OPEN_REQUESTS, n)
    with store.engine.connect() as src:
        students = list(src.execute(sa.select(c.id, c.school, c.grade).limit(k_open)))
    today = dt.date(2027, 9, 1)
    reqs, opened = [], []
    places = []  # an overdue transfer's class: of its student's grade, with room (Art 16
    # is checked again at the approval that moves the student)
    for i, (sid, school, grade) in enumerate(students):
        overdue = i % 100 == 0
        deadline = dt.date(2027, 8, 27) if overdue else dt.date(2027, 10, 30)
        to_school, to_class = schools[0].code, f"{schools[0].code}-1-0"
        if overdue:
            to_school, to_class = school, f"{school}-{grade}-t{i}"
            places.append(SchoolClass(to_class, school, f"{grade}-t{i}", grade, "班主任", START))
        r = Request(
            id=f"R{i:09d}",
            kind=RequestKind.TRANSFER,
            student=sid,
            state=RequestState.AT_SENDING_AUTHORITY,
            opened_on=dt.date(2027, 8, 1),
            stage_since=dt.date(2027, 8, 1),
            deadline=deadline,
            from_school=schools[0].code,
            to_school=to_school,
            to_class=to_class,
            history=(RequestEvent(dt.date(2027, 8, 1), city_of[schools[0].code], "open", *_SENT),),
        )
        opened.append(r)
        reqs.append(
            {
                "id": r.id,
                "version": 0,
                "student": sid,
                "is_open": True,
                "deadline": deadline,
                "kind": r.kind.value,
                "state": r.state.value,
                "doc": _dump(r),
            }
        )
    with store.unit_of_work() as uow:
        for klass in places:
            uow.classes.add(klass)
    for st in (store, floor):
        with st.engine.begin() as conn:
            for i in range(0, len(reqs), BATCH):
                conn.execute(requests_t.insert(), reqs[i : i + BATCH])
        if st is store:
            _log_openings(store, opened)
        if name == "postgres":
            st.analyze()  # setup, as autovacuum would (see step 1)
        _settle(st)  # (else the sweep's first commit writes the setup's 100,000 requests)
    del reqs, opened
    r_t = requests_t.c
    overdue_query = (
        sa.select(r_t.id, r_t.doc)
        .where(r_t.is_open == sa.true(), r_t.deadline < today)  # IS true: no index on MariaDB
        .order_by(r_t.deadline, r_t.id)
    )
    # 3a. finding what is due: the sweep on a day when nothing is overdue yet; a
    # millisecond each, so the best of five runs of each side (both change nothing)
    clock.advance_to(dt.date(2027, 8, 27))
    idle, idle_floor = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        assert reg.advance_clock(Actor.system()) == []
        idle.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with floor.engine.connect() as conn:
            conn.execute(overdue_query.where(r_t.deadline < dt.date(2027, 8, 27))).all()
        idle_floor.append(time.perf_counter() - t0)
    out["sweep_idle_s"], out["sweep_idle_floor_s"] = min(idle), min(idle_floor)
    # 3b. the sweep proper: 1% overdue, each approved by default with its log entry
    with store.engine.connect() as conn:
        seq0 = conn.execute(sa.select(sa.func.max(log_t.c.seq))).scalar_one()
    clock.advance_to(today)
    t0 = time.perf_counter()
    swept = reg.advance_clock(Actor.system())
    out["sweep_facade_s"] = time.perf_counter() - t0
    out["swept"] = len(swept)
    t0 = time.perf_counter()
    with floor.engine.connect() as conn:
        found = conn.execute(overdue_query).all()
    out["sweep_floor_s"] = time.perf_counter() - t0
    out["sweep_found"] = len(found)
    # ... against a floor that also makes the sweep's writes raw: the same request
    # updates, log entries and student updates, one executemany each
    with store.engine.connect() as src:
        ids_ = [r.id for r in swept]
        req_rows = [
            dict(r._mapping) for r in src.execute(sa.select(requests_t).where(r_t.id.in_(ids_)))
        ]
        log_rows = [
            dict(r._mapping) for r in src.execute(sa.select(log_t).where(log_t.c.seq > seq0))
        ]
        moved = sa.select(requests_t.c.student).where(r_t.id.in_(ids_))
        stu_rows = [
            dict(r._mapping) for r in src.execute(sa.select(students_t).where(c.id.in_(moved)))
        ]
    t0 = time.perf_counter()
    with floor.engine.begin() as conn:
        conn.execute(overdue_query).all()
        if req_rows:
            conn.execute(
                requests_t.update().where(r_t.id == sa.bindparam("rid")),
                [{**{k: v for k, v in r.items() if k != "id"}, "rid": r["id"]} for r in req_rows],
            )
            conn.execute(log_t.insert(), log_rows)
            conn.execute(
                students_t.update().where(c.id == sa.bindparam("sid")),
                [{**{k: v for k, v in r.items() if k != "id"}, "sid": r["id"]} for r in stu_rows],
            )
    out["sweep_writes_floor_s"] = time.perf_counter() - t0
    out["sweep_rss_mb"] = _peak_mb()
    gc.collect()
    _reset_peak()

    # 4. verifying the whole change log (Art 31): streamed, not loaded
    t0 = time.perf_counter()
    verified = reg.verify_log(Actor(ActorKind.PROVINCE, "34"))
    out["verify_s"] = time.perf_counter() - t0
    assert verified.ok, verified
    out["verified"] = verified.checked
    out["verify_rss_mb"] = _peak_mb()
    gc.collect()
    _reset_peak()

    # 5. the Art 28 statistics of the province, counted by the store, against the raw
    # GROUP BY of the same rows
    province = Actor(ActorKind.PROVINCE, "34")
    t0 = time.perf_counter()
    stats = reg.statistics(province)
    out["stats_s"] = time.perf_counter() - t0
    assert stats.total() == done, (stats.total(), done)
    cols = (c.school, c.stage, c.grade, c.status)
    # the counts of the statistics: the students, and of them the migrant and
    # special-needs ones (students.tally_flags, schema 10)
    flags = (sa.func.sum(sa.case((col, 1), else_=0)) for col in (c.migrant, c.special_needs))
    t0 = time.perf_counter()
    with floor.engine.connect() as conn:
        counted = conn.execute(sa.select(*cols, sa.func.count(), *flags).group_by(*cols)).all()
    out["stats_floor_s"] = time.perf_counter() - t0
    assert sum(row[4] for row in counted) == done
    assert stats.flags_counted
    out["stats_rss_mb"] = _peak_mb()
    gc.collect()
    _reset_peak()

    # 6. the Art 32 report of the province: every request (the sweep's 100,000), their
    # students a batch at a time, and one pass over the whole log
    t0 = time.perf_counter()
    report = reg.detect(province)
    out["detect_s"] = time.perf_counter() - t0
    assert report.log.ok
    out["detect_findings"] = len(report.findings)
    out["detect_rss_mb"] = _peak_mb()
    out["students"] = done
    for st in (store, floor):
        st.engine.dispose()
    return out


_PEAKS = ("enrol_rss_mb", "rollover_rss_mb", "sweep_rss_mb", "stats_rss_mb")
"""The steps whose peak memory the "peak RSS" figure is (verify_log and detect have
figures of their own)."""


_SENT = (RequestState.AT_SENDING_AUTHORITY, RequestState.AT_SENDING_AUTHORITY)


def _dump(value: Any) -> str:
    from xueji.storage.sql import _dump as dump

    return dump(value)


def run(quick: bool = False) -> BenchResult:
    # The storage issue's sizes: 100,000 and 1,000,000 students (about 30 minutes for
    # SQLite and PostgreSQL together); --quick runs 2,000 and 10,000.
    sizes = [2_000, 10_000] if quick else [100_000, 1_000_000]
    if os.environ.get("XUEJI_BENCH_SIZES"):
        sizes = [int(x) for x in os.environ["XUEJI_BENCH_SIZES"].split(",")]
    stores: list[tuple[str, str | None]] = [("sqlite", None)]
    if answers(PG_URL):
        _server_database(PG_URL)
        stores.append(("postgres", PG_URL))
    only = os.environ.get("XUEJI_BENCH_STORES")
    if only and "mariadb" in only.split(",") and answers(MYSQL_URL):
        _server_database(MYSQL_URL)
        stores.append(("mariadb", MYSQL_URL))
    if only:
        stores = [x for x in stores if x[0] in only.split(",")]
    section(
        f"storage: {', '.join(n for n, _ in stores)} at {', '.join(f'{s:,}' for s in sizes)} "
        "students"
    )
    figures: list[Figure] = []
    details: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="xueji-bench-"))
    for name, url in stores:
        per_student: list[float] = []
        for size in sizes:
            u = url or f"sqlite:///{tmp / f'{name}-{size}.sqlite3'}"
            r = run_store(name, u, size)
            details[f"{name}-{size}"] = r
            tag = f"{name} {size:,}"
            e, ro, sw = (
                r["enrol_facade_s"] / r["enrol_floor_s"],
                r["rollover_facade_s"] / r["rollover_floor_s"],
                r["sweep_facade_s"] / r["sweep_floor_s"],
            )
            idle = r["sweep_idle_s"] / r["sweep_idle_floor_s"]
            sww = r["sweep_facade_s"] / r["sweep_writes_floor_s"]
            st = r["stats_s"] / r["stats_floor_s"]
            print(
                f"{tag}: enrol {r['enrol_facade_s']:.1f} s"
                + (f" (ANALYZE {r['enrol_analyze_s']:.1f} s)" if r["enrol_analyze_s"] else "")
                + f" vs floor {r['enrol_floor_s']:.1f} s ({e:.1f}x); rollover {r['rollover_facade_s']:.2f} s vs UPDATE "
                f"{r['rollover_floor_s']:.2f} s ({ro:.1f}x); sweep {r['sweep_facade_s']:.2f} s "
                f"({r['swept']:,} approved) vs query {r['sweep_floor_s']:.3f} s ({sw:.1f}x), "
                f"vs query + the same writes {r['sweep_writes_floor_s']:.3f} s ({sww:.1f}x); "
                f"idle sweep {r['sweep_idle_s'] * 1e3:.2f} ms vs query "
                f"{r['sweep_idle_floor_s'] * 1e3:.2f} ms ({idle:.1f}x); "
                f"verify_log {r['verified']:,} entries {r['verify_s']:.1f} s, peak RSS "
                f"{r['verify_rss_mb']:,.0f} MB; "
                f"statistics {r['stats_s']:.2f} s vs GROUP BY {r['stats_floor_s']:.2f} s "
                f"({st:.1f}x); detect {r['detect_s']:.1f} s ({r['detect_findings']:,} "
                f"findings), peak RSS {r['detect_rss_mb']:,.0f} MB; "
                f"peak RSS {max(r[k] for k in _PEAKS):,.0f} MB"
            )
            figures += [
                Figure(
                    "storage", f"{tag}: enrolment facade/executemany", e, "x", 1, "<= 3x", e <= 3
                ),
                Figure(
                    "storage",
                    f"{tag}: enrolment students/s",
                    r["students"] / r["enrol_facade_s"],
                    "/s",
                ),
                Figure("storage", f"{tag}: rollover facade/UPDATE", ro, "x", 1, "<= 2x", ro <= 2),
                Figure(
                    "storage", f"{tag}: sweep facade/indexed query", sw, "x", 1, "<= 2x", sw <= 2
                ),
                Figure(
                    "storage",
                    f"{tag}: idle sweep (nothing due)/indexed query",
                    idle,
                    "x",
                    1,
                    "<= 2x",
                    idle <= 2,
                ),
                Figure("storage", f"{tag}: sweep facade/query + same writes", sww, "x", 1),
                Figure(
                    "storage",
                    f"{tag}: verify_log entries/s",
                    r["verified"] / r["verify_s"],
                    "/s",
                ),
                Figure(
                    "storage",
                    f"{tag}: verify_log peak RSS",
                    r["verify_rss_mb"],
                    "MB",
                    0,
                    "< 1024 MB",
                    r["verify_rss_mb"] < 1024,
                ),
                Figure("storage", f"{tag}: statistics facade/GROUP BY", st, "x", 1),
                Figure("storage", f"{tag}: detect", r["detect_s"], "s", 1),
                Figure(
                    "storage",
                    f"{tag}: detect peak RSS",
                    r["detect_rss_mb"],
                    "MB",
                    0,
                    "< 1024 MB",
                    r["detect_rss_mb"] < 1024,
                ),
                Figure(
                    "storage",
                    f"{tag}: peak RSS",
                    max(r[k] for k in _PEAKS),
                    "MB",
                    0,
                    "< 1024 MB",
                    max(r[k] for k in _PEAKS) < 1024,
                ),
            ]
            per_student.append(r["enrol_facade_s"] / r["students"])
        if len(per_student) == 2:
            growth = per_student[1] / per_student[0]
            figures.append(
                Figure(
                    "storage",
                    f"{name}: per-student enrolment cost, {sizes[1]:,} vs {sizes[0]:,}",
                    growth,
                    "x",
                    2,
                    "~1 (linear)",
                    growth <= 1.5,
                )
            )
    return BenchResult("storage", figures, details)
