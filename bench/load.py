"""Benchmark: the pages under a bounded loopback load.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tw_load .venv/bin/python bench/load.py \\
        [--scale 10000] [--users 4] [--workers 2] [--worker-class sync|gthread] [--threads 4]
        [--keep-alive] [--think 0] [--seconds 60] [--reuse]

Builds a programme of ``scale`` students (bench/stipends.py's data: classes of
200 and teams of 10, 30 days of attendance, bank cards, awards, incidents and
prizes) with a mentor for each team,
the default KPIs with a value for every student, a payout batch frozen and approved
(so its bank file may be downloaded), then an award for every student frozen into a
draft batch (its page shows the checks before approval).
Then it starts gunicorn on 127.0.0.1 as in production (DEBUG off, static
files collected, gunicorn.conf.py read; ``--worker-class sync``, the default and
production's: ``workers`` processes of one request each, or ``gthread``:
``workers`` processes of ``threads`` threads), and ``users`` people (a coordinator, a mentor and
finance, taking turns) each request the pages of their role one after the
other for ``seconds`` (back to back, or reading each page ``--think``
seconds on average, 0.5–1.5 × it, before the next), each request on a connection of its own as the TLS
proxy in front of gunicorn sends it (nginx speaks HTTP/1.0 to its upstream
unless told otherwise; ``--keep-alive`` keeps each person's connection, and
so ties them to one worker process), each also asking for the health check (the floor: a
request through the same server, nothing behind it). It prints, per page,
the count, the median and the p95 of the response time and the largest
response, then the worst p95 and its ratio to the floor's.

Bounded by construction: a fixed number of threads, 127.0.0.1 only, a
timeout on every request. The database is flushed first: use your own.
``--reuse`` measures again the world the last run built on the same
database (its ids kept in ``bench/out/load-world.json``), for comparing a
change to the pages without building 10,000 students again.
"""

import argparse
import importlib.util
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PASSWORD = "bench-load-password"
TIMEOUT = 120
BARE = "bare: /healthz"
# The server runs as in production; these are the bench's own keys.
SERVER_ENV = {
    "DEBUG": "false", "SECRET_KEY": "bench-load-" + "k" * 40, "SECURE_SSL_REDIRECT": "false",
    "FIELD_ENCRYPTION_KEY": "u5Yb8V1m9V3pQ0wq8yX3m3i4b2ZkY0JmQ1o3b0V4c2E=", "FIELD_HASH_KEY": "bench-load-hash",
    "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING", "CELERY_TASK_ALWAYS_EAGER": "true",
}


def _bench_module(name: str):
    """A sibling bench script as a module (its name would shadow the app of the same name)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(scale: int, days: int) -> dict:
    """The programme, its people, an approved batch and a draft one; returns the ids the pages need."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from programs.students.models import Enrolment, Team
    from scoring import selectors as scoring_selectors
    from scoring import services as scoring_services
    from scoring.models import Award, KpiValue
    from stipends.payouts import services as payouts
    from stipends.payouts.models import PayoutBatch
    from trainingweek.models import User

    programme, finance, checker, _ids = _bench_module("stipends").build(scale, days, "plain")
    password = make_password(PASSWORD)
    User.objects.filter(pk=finance.pk).update(password=password)
    coordinator = User.objects.create(username="bench-coordinator", role=User.Role.COORDINATOR,
                                      organisation=programme.agreement.school, password=password)
    with transaction.atomic():
        teams = list(Team.objects.filter(programme=programme).order_by("pk"))
        mentors = User.objects.bulk_create(
            User(username=f"bench-mentor{n:04d}", role=User.Role.MENTOR, password=password,
                 organisation=programme.agreement.company) for n in range(len(teams)))
        Team.mentors.through.objects.bulk_create(Team.mentors.through(team_id=t.pk, user_id=m.pk)
                                                 for t, m in zip(teams, mentors, strict=True))
    enrolments = list(Enrolment.objects.filter(programme=programme).order_by("pk"))
    scoring_services.create_default_setup(programme=programme)
    setup = scoring_selectors.load_setup(programme)
    period = setup.sheet_period
    KpiValue.objects.bulk_create(
        [KpiValue(enrolment_id=e.pk, kpi=k, period=period, value=(e.pk * 7 + k.pk * 13) % 97 + 1)
         for e in enrolments for k in setup.student_kpis], batch_size=5000, ignore_conflicts=True)
    batch = payouts.create_batch(programme=programme, user=finance)
    payouts.freeze_batch(batch_id=batch.pk)
    batch = payouts.approve_batch(batch=PayoutBatch.objects.get(pk=batch.pk), user=checker, confirmed=True)
    # Then an award for every student, frozen into a draft batch of as many
    # items, whose page carries the checks before approval.
    Award.objects.bulk_create([Award(programme=programme, enrolment=e, label="基准奖励", amount=Decimal("10.00"),
                                     created_by=finance) for e in enrolments], batch_size=5000)
    draft = payouts.create_batch(programme=programme, user=finance)
    payouts.freeze_batch(batch_id=draft.pk)
    # The approved batch's bank file, prepared by its job (run here, eagerly) as finance
    # does for a batch this big; the load then downloads the prepared file.
    prepared = payouts.start_bank_file(batch=batch, what="file", user=finance)
    prepared.refresh_from_db()
    assert prepared.status == prepared.Status.SUCCEEDED, prepared.message
    from harness import settle_database

    settle_database()
    return {"programme": programme.pk, "team": teams[len(teams) // 2].pk, "class": enrolments[0].school_class_id,
            "period": period.pk, "batch": batch.pk, "items": batch.items.count(), "draft": draft.pk, "prepared": prepared.pk,
            "mentor": mentors[len(teams) // 2].username, "coordinator": coordinator.username,
            "finance": finance.username}


def pages(world: dict) -> dict[str, list[tuple[str, str]]]:
    """Each role's pages, (label, path); every role also asks for the health
    check, the floor of a request through the same server and middleware."""
    from django.urls import reverse

    p, team, batch = world["programme"], world["team"], world["batch"]
    floor = (BARE, "/healthz")
    roles = {
        world["coordinator"]: [
            ("programme list", reverse("programs:programme_list")),
            ("programme", reverse("programs:programme_detail", args=[p])),
            ("enrolments", reverse("programs:enrolment_list", args=[p])),
            ("enrolments of a class", reverse("programs:enrolment_list", args=[p]) + f"?school_class={world['class']}"),
            ("ranking", reverse("scoring:ranking", args=[p])),
            ("class sheets", reverse("scoring:class_sheets", args=[p, world["class"]])),
        ],
        world["mentor"]: [
            ("KPI grid (team)", reverse("scoring:kpi_grid", args=[p, team, world["period"]])),
            ("attendance week (team)", reverse("programs:attendance_week", args=[p, team])),
            ("team sheets", reverse("scoring:team_sheets", args=[p, team])),
        ],
        world["finance"]: [
            ("statement list", reverse("stipends:statement_list", args=[p])),
            ("batch (approved)", reverse("stipends:batch_detail", args=[p, batch])),
            ("batch (draft, with its checks)", reverse("stipends:batch_detail", args=[p, world["draft"]])),
            ("bank file (a big batch's: the prepare page)", reverse("stipends:bank_file", args=[p, batch])),
            ("bank file prepared by its job", reverse("stipends:bank_prepared", args=[p, batch, "file",
                                                                                world["prepared"]])),
        ],
    }
    return {role: [*paths, floor] for role, paths in roles.items()}


def production_worker_class() -> str:
    """The worker class gunicorn.conf.py (production's settings) gives."""
    settings: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), settings)  # noqa: S102 (the project's own config)
    return settings.get("worker_class", "sync")


def gunicorn_command(port: int, *, workers: int, worker_class: str, threads: int) -> list[str]:
    """The server's command line: ``workers`` processes of the class asked
    for (``threads`` threads each for gthread). gunicorn turns a sync worker
    given more than one thread into gthread without a word: a sync run says
    one thread, or it measures the other class."""
    return [str(Path(sys.executable).parent / "gunicorn"), "trainingweek.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", worker_class,
            "--threads", str(threads if worker_class == "gthread" else 1),
            "--timeout", str(TIMEOUT), "--log-level", "warning"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _session(base: str, username: str, *, keep_alive: bool = False):
    """A logged-in ``requests`` session, behind a TLS proxy as in production
    (which opens a connection to gunicorn per request unless ``keep_alive``)."""
    import requests

    http = requests.Session()
    http.headers.update({"Accept-Language": "zh-hans", "X-Forwarded-Proto": "https"})
    if not keep_alive:
        http.headers["Connection"] = "close"
    page = http.get(f"{base}/accounts/login/", timeout=TIMEOUT)
    _unsecure(http)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    response = http.post(f"{base}/accounts/login/", allow_redirects=False, timeout=TIMEOUT,
                         data={"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD},
                         headers={"Referer": f"{base.replace('http:', 'https:')}/accounts/login/"})
    assert response.status_code == 302, (response.status_code, response.text[:300])
    _unsecure(http)
    return http


def _unsecure(http) -> None:
    """Send the Secure cookies over the loopback: the proxy would speak TLS, the bench does not."""
    for cookie in http.cookies:
        cookie.secure = False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default=production_worker_class(),
                        help="default: production's, gunicorn.conf.py's")
    parser.add_argument("--keep-alive", action="store_true", help="one connection per person, not per request")
    parser.add_argument("--think", type=float, default=0.0,
                        help="seconds a person reads a page before the next (0.5–1.5 × this; 0: none, back to back)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--reuse", action="store_true", help="measure the world the last run built again")
    args = parser.parse_args()
    os.environ.update(SERVER_ENV)
    from harness import OUT, settle_database, setup_django

    os.environ.setdefault("MEDIA_ROOT", str(OUT / "load-media"))  # the prepared bank file, for the server too

    kept = OUT / "load-world.json"
    vendor = setup_django("load", migrate=True, fresh=not args.reuse)
    from django.conf import settings

    t0 = time.perf_counter()
    if args.reuse:
        world = json.loads(kept.read_text())
        assert world.pop("database") == settings.DATABASES["default"]["NAME"], "built on another database"
        args.scale, args.days = world.pop("scale"), world.pop("days")
        settle_database()  # after the migrations this checkout may have added
    else:
        world = build(args.scale, args.days)
        kept.write_text(json.dumps({**world, "scale": args.scale, "days": args.days,
                                    "database": settings.DATABASES["default"]["NAME"]}))
    print(f"database: {vendor}; scale: {args.scale:,} students, teams of 10, {args.days} days, "
          f"a batch of {world['items']:,} items ({'reused' if args.reuse else 'built'} in "
          f"{time.perf_counter() - t0:.0f} s)")
    env = {**os.environ, "STATIC_ROOT": str(OUT / "load-static"), "DATABASE_URL": os.environ["DATABASE_URL"]}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                   check=True)
    port = _free_port()
    server = subprocess.Popen(gunicorn_command(port, workers=args.workers, worker_class=args.worker_class,
                                               threads=args.threads), cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        for _ in range(200):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        by_role = pages(world)
        roles = list(by_role)
        times: dict[str, list[float]] = {label: [] for paths in by_role.values() for label, _ in paths}
        sizes: dict[str, int] = {}
        failures: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(args.users)

        def person(n: int) -> None:
            pause = random.Random(n)  # each person's own pauses, the same in every run
            username = roles[n % len(roles)]
            http = _session(base, username, keep_alive=args.keep_alive)
            for _label, path in by_role[username]:  # warm each page once, unmeasured
                http.get(base + path, timeout=TIMEOUT)
            start.wait()
            deadline = time.monotonic() + args.seconds
            while time.monotonic() < deadline:
                for label, path in by_role[username]:
                    t = time.perf_counter()
                    response = http.get(base + path, timeout=TIMEOUT)
                    elapsed = time.perf_counter() - t
                    with lock:
                        if response.status_code != 200:
                            failures.append(f"{label}: {response.status_code}")
                        times[label].append(elapsed)
                        sizes[label] = max(sizes.get(label, 0), len(response.content))
                    if args.think and label != BARE:  # a person reads the page before the next click
                        time.sleep(pause.uniform(0.5, 1.5) * args.think)

        threads = [threading.Thread(target=person, args=(n,)) for n in range(args.users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    shape = f"{args.threads} threads (gthread)" if args.worker_class == "gthread" else "1 request (sync)"
    print(f"{args.users} users, gunicorn {args.workers} workers × {shape}, "
          f"{'a connection per person' if args.keep_alive else 'a connection per request'}, "
          f"{f'{args.think:g} s to read a page' if args.think else 'no pause'}, "
          f"{args.seconds:.0f} s; {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"{'page':28} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'KiB':>8}")
    worst, worst_label, p95s = 0.0, "", {}
    for label, samples in times.items():
        if not samples:
            continue
        p95 = statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]
        p95s[label] = p95
        if label != BARE and p95 > worst:
            worst, worst_label = p95, label
        print(f"{label:28} {len(samples):5d} {statistics.median(samples) * 1000:10.0f} {p95 * 1000:8.0f} "
              f"{sizes[label] / 1024:8.0f}")
    print(f"worst p95: {worst * 1000:.0f} ms ({worst_label}); ratio to the bare request's p95 under the same "
          f"load: {worst / p95s[BARE]:.1f}; failed responses: {len(failures)} {failures[:5]}")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
