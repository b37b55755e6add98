"""The movements page of one account inside a 10-million-entry ledger, beside the same page
inside a 10-thousand-entry ledger: only the size of the ledger around the account differs.

Two throwaway PostgreSQL databases, ``<bench database>_movements_10m`` and ``…_10k``, each
migrated and then filled with set-based SQL (``INSERT … SELECT`` over ``generate_series``, one
statement a chunk of 200,000 transactions; the ORM would take hours for 10 million rows):

* the page's member, sign-in and savings account (the ORM), with ``OWN_MOVEMENTS`` movements
  of its own in both ledgers, spread over the last ``SPAN_DAYS`` days;
* around it, the rest of the ledger: every other transaction a deposit or a withdrawal of one of
  many member accounts (``FILLER_PER_ACCOUNT`` movements each, ten accounts a member), dated
  over the same days. Every transaction has two entries, the member's and the cash account's.

Entries are written in date order, the account's interleaved with everybody else's (in the
table as in production, where rows arrive as they happen), with ids in the same order, running
balances that add up (closed form per member account, a running sum for the cash account) and
account balances that match. The ledger's triggers are off for the build's own session
(``session_replication_role = replica``: a check per row would cost more than the rows, and the
rows balance by construction); the bench checks the totals afterwards. Then ``VACUUM ANALYZE``,
as autovacuum would have left a table in production.

Each database is served by its own gunicorn (``cooperativa.wsgi``, one worker); one client asks
in turn for the page of each ledger, one request in flight, so both see the same machine. Two
pages: the default one (no parameters: the last 30 days, page 1) and one filtered period (a
custom range of three months, debits only). p95 of ``REQUESTS`` requests each, after
``WARMUP`` uncounted.

The databases are dropped at the end. ``BENCH_MOVEMENTS_KEEP=1`` keeps them, and a later run
with it set uses them again, both or neither (``manage.py migrate`` runs on them first, so a new
index is built on the 10 million rows and its time shown) instead of building them anew.
``BENCH_EXPLAIN=1`` (or a MISS) prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the page's ledger
queries on the 10-million-entry ledger, captured from the view itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import traceback
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit

from . import http_bench
from .environment import ROOT
from .processes import in_fresh_process

LEDGERS = {"10m": 10_000_000, "10k": 10_000}
OWN_MOVEMENTS = 2_400  # about 100 a month: an account in daily use
SPAN_DAYS = 730
FILLER_PER_ACCOUNT = 100
ACCOUNTS_PER_MEMBER = 10
CHUNK = 200_000  # transactions a statement
PROGRESS_EVERY = 5  # chunks between progress lines
REQUESTS = 200
WARMUP = 20
KEEP = "BENCH_MOVEMENTS_KEEP"
LAYOUT = "movements-page-bench v1"  # what a kept database must say it holds to be used again
CREDITS = [
    "DEPÓSITO AHORROS",
    "TRANSFERENCIA RECIBIDA DE MARÍA FERNANDA LÓPEZ",
    "ACREDITACIÓN NÓMINA",
]
DEBITS = [
    "RETIRO CAJERO AUTOMÁTICO BANRED",
    "PAGO SERVICIO CNEL ELECTRICIDAD",
    "TRANSFERENCIA A 4101******23 JUAN CARLOS PÉREZ",
    "COMPRA POS SUPERMAXI QUITO NORTE",
    "COMISIÓN TRANSFERENCIA INTERBANCARIA",
]


@dataclass
class Ledger:
    label: str
    entries: int
    url: str
    built: bool = False  # False: a kept database used again
    setup_s: dict = field(default_factory=dict)  # step -> seconds
    account_number: str = ""
    user_id: int = 0
    cookie: str = ""
    movements_shown: dict = field(default_factory=dict)  # page label -> "N movimientos"


@dataclass
class PageResult:
    label: str
    p95_ms: dict  # ledger label -> p95
    p50_ms: dict


def database_url(bench_url: str, label: str) -> str:
    parts = urlsplit(bench_url)
    name = f"{unquote(parts.path.lstrip('/'))}_movements_{label}"
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(url: str):
    import psycopg

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    assert "_bench_movements_" in name, name  # never touch anything but this bench's databases
    return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True), name


def _layout(ledger: Ledger) -> str:
    return f"{LAYOUT}: {ledger.entries} entries, {OWN_MOVEMENTS} own"


def kept_comment(url: str) -> str | None:
    """The comment of a kept database (what it holds), or None when there is none."""
    conn, name = _admin(url)
    with conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    return None if row is None else (row[0] or "")


def recreate(url: str) -> None:
    from psycopg import sql

    conn, name = _admin(url)
    with conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop(url: str) -> None:
    from psycopg import sql

    conn, name = _admin(url)
    with conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def mark(url: str, comment: str) -> None:
    from psycopg import sql

    conn, name = _admin(url)
    with conn:
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(comment)
            )
        )


def migrate(env: dict, url: str) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env | {"DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed on {url}:\n{result.stdout}\n{result.stderr}")
    return time.perf_counter() - started


def prepare(*, env: dict, bench_url: str, log) -> dict[str, Ledger]:
    """Both ledgers, built (or, with ``BENCH_MOVEMENTS_KEEP``, the kept ones), each with a
    signed-in session of its member."""
    keep = os.environ.get(KEEP, "").strip() not in ("", "0")
    ledgers = {
        label: Ledger(label=label, entries=entries, url=database_url(bench_url, label))
        for label, entries in LEDGERS.items()
    }
    comments = {label: kept_comment(x.url) if keep else None for label, x in ledgers.items()}
    # Both kept or both built: built at different times, their last 30 days would differ.
    reuse = all(
        comment and comment.startswith(_layout(ledgers[label]))
        for label, comment in comments.items()
    )
    for label, ledger in ledgers.items():
        entries, comment = ledger.entries, comments[label]
        ledger.built = not reuse
        if ledger.built:
            recreate(ledger.url)
        ledger.setup_s["migrate"] = migrate(env, ledger.url)
        result = in_fresh_process(
            _prepare_in_process,
            (env | {"DATABASE_URL": ledger.url}, ledger.entries, ledger.built, comment or ""),
            f"movements ledger {label}",
            timeout=3600,
        )
        ledger.setup_s.update(result["setup_s"])
        ledger.account_number, ledger.user_id = result["account_number"], result["user_id"]
        ledger.cookie = result["cookie"]
        if ledger.built:
            mark(ledger.url, f"{_layout(ledger)}; account {ledger.account_number}")
        steps = ", ".join(f"{step} {s:.1f} s" for step, s in ledger.setup_s.items())
        how = "built" if ledger.built else "kept database used again"
        log(f"  {label} ledger ({entries:,} entries, {how}): {steps}; {result['check']}")
    return ledgers


def finish(bench_url: str, *, log) -> None:
    """Drops both databases (whatever ``prepare`` got to), unless ``BENCH_MOVEMENTS_KEEP``."""
    urls = [database_url(bench_url, label) for label in LEDGERS]
    if os.environ.get(KEEP, "").strip() not in ("", "0"):
        names = ", ".join(urlsplit(url).path[1:] for url in urls)
        log(f"  {KEEP} set: databases kept for the next run ({names})")
        return
    for url in urls:
        drop(url)


# -- in the spawned process, connected to one ledger's database ---------------------------------
def _prepare_in_process(env, entries, build, comment, results) -> None:
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.db import connection

        from tests.benchmarks.dataset import session_cookie

        setup_s = {}
        if build:
            number, user_id = _build(entries, setup_s)
        else:
            number = re.search(r"account (\d+)", comment).group(1)
            from accounts.models import Account

            user_id = Account.objects.get(number=number).owner.users.get().pk
        check = _check(entries, number)
        name, key = session_cookie(user_id)
        connection.close()
        payload = {
            "setup_s": setup_s,
            "account_number": number,
            "user_id": user_id,
            "cookie": f"{name}={key}",
            "check": check,
        }
        results.put(("ok", payload))
    except BaseException:
        results.put(("error", traceback.format_exc()))


@dataclass
class Plan:
    """Where each movement of a ledger goes: filler transaction t (of ``filler``) belongs to
    filler account t % ``accounts`` and is dated ``start_us + t * step``; the page's account's
    n-th movement is dated ``start_us + (2n + 1) * own_step`` (microseconds since the epoch)."""

    entries: int
    filler: int
    accounts: int
    start_us: int
    step: int
    own_step: int

    @classmethod
    def for_ledger(cls, entries: int, *, end_us: int) -> Plan:
        filler = (entries - 2 * OWN_MOVEMENTS) // 2
        span_us = SPAN_DAYS * 86_400 * 10**6
        return cls(
            entries=entries,
            filler=filler,
            accounts=max(1, filler // FILLER_PER_ACCOUNT),
            start_us=end_us - span_us,
            step=span_us // filler,
            own_step=span_us // (2 * OWN_MOVEMENTS),
        )

    def own_before(self, t: int) -> int:
        """How many of the account's own movements are dated before filler transaction t."""
        times = [self.start_us + (2 * n + 1) * self.own_step for n in range(OWN_MOVEMENTS)]
        return bisect_left(times, self.start_us + t * self.step)


def _build(entries: int, setup_s: dict) -> tuple[str, int]:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import InternalAccount
    from accounts.services.ledger import internal_account_id

    started = time.perf_counter()
    own, user = _page_member()
    plan = Plan.for_ledger(entries, end_us=int(timezone.now().timestamp() * 10**6) - 10**6)
    ids = {"own_id": own.pk, "cash_id": internal_account_id(InternalAccount.CASH)}
    with connection.cursor() as cur:
        # This session only: no per-row ledger trigger (the rows balance by construction and
        # are checked after), no waiting on the disk at each commit, room to sort a chunk.
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")
        cur.execute("SET work_mem = '256MB'")
        ids["account0"], ids["account_last"] = _filler_accounts(cur, plan)
        for table, first in (("accounts_transaction", "tx0"), ("accounts_entry", "entry0")):
            cur.execute(f"SELECT COALESCE(max(id), 0) + 1 FROM {table}")  # noqa: S608
            ids[first] = cur.fetchone()[0]
        setup_s["members and accounts"] = time.perf_counter() - started

        started = time.perf_counter()
        _write_entries(cur, plan, ids)
        setup_s["entries"] = time.perf_counter() - started

        started = time.perf_counter()
        _balances(cur, ids)
        setup_s["balances"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cur:
        # As autovacuum leaves a table in production: visibility map set, statistics taken.
        for table in ("accounts_transaction", "accounts_entry", "accounts_account"):
            cur.execute(f"VACUUM (ANALYZE) {table}")
    setup_s["vacuum analyze"] = time.perf_counter() - started
    return own.number, user.pk


def _page_member():
    """The member whose page is measured, their sign-in and savings account (the ORM)."""
    from accounts.models import Account, Product
    from identity.models import IdType, Member, User

    owner = Member.objects.create(
        id_type=IdType.CEDULA,
        identification="1700000001",
        first_names="LUCÍA ESTEFANÍA",
        last_names="DIEZ MILLONES",
        address="Av. 10 de Agosto N24-15, Quito",
        email="movimientos@example.com",
    )
    user = User(username="benchmovements", customer=owner)
    user.set_unusable_password()
    user.save()
    return Account.objects.create(number="7000000001", product=Product.SAVINGS, owner=owner), user


def _filler_accounts(cur, plan: Plan) -> tuple[int, int]:
    """Everybody else's members and accounts, in bulk; the accounts' first and last id (one
    range, in the order of k: checked, the chunks compute account ids from it)."""
    members = -(-plan.accounts // ACCOUNTS_PER_MEMBER)
    cur.execute(
        "INSERT INTO identity_member (kind, id_type, identification, first_names, last_names,"
        " address, phone, email, created_at, products_version)"
        " SELECT 'PERSON', 'CEDULA', '9' || lpad(m::text, 9, '0'), 'SOCIO ' || m, 'RELLENO',"
        " 'Quito', '', '', now(), 0 FROM generate_series(0, %s - 1) AS m",
        [members],
    )
    cur.execute("SELECT min(id), max(id) FROM identity_member WHERE last_names = 'RELLENO'")
    member0, member_last = cur.fetchone()
    assert member_last - member0 + 1 == members, "filler members are not one id range"
    cur.execute(
        "INSERT INTO accounts_account (number, product, owner_id, internal_code, status,"
        " balance, available, opened_at, last_posted_at)"
        " SELECT '71' || lpad(k::text, 8, '0'), 'AHORROS', %s + k / %s, NULL, 'ACTIVA',"
        " 0, 0, now(), NULL FROM generate_series(0, %s - 1) AS k ORDER BY k",
        [member0, ACCOUNTS_PER_MEMBER, plan.accounts],
    )
    cur.execute(
        "SELECT min(id), max(id), count(*) FILTER (WHERE id - min_id <> substr(number, 3)::int)"
        " FROM (SELECT id, number, min(id) OVER () AS min_id FROM accounts_account"
        " WHERE number LIKE '71%%') AS filler GROUP BY ()"
    )
    account0, account_last, misplaced = cur.fetchone()
    assert account_last - account0 + 1 == plan.accounts and not misplaced, "filler account ids"
    return account0, account_last


def _write_entries(cur, plan: Plan, ids: dict) -> None:
    """The ledger, one ``CHUNK_SQL`` statement a chunk of filler transactions with the
    account's own movements dated among them, in date order."""
    started = time.perf_counter()
    cash_carry = 0  # cents: the cash account's balance after the chunks so far
    for t_lo in range(0, plan.filler, CHUNK):
        t_hi = min(t_lo + CHUNK, plan.filler)
        last = t_hi == plan.filler
        n_lo = plan.own_before(t_lo)
        n_hi = OWN_MOVEMENTS if last else plan.own_before(t_hi)
        params = ids | {
            "t_lo": t_lo,
            "t_hi": t_hi,
            "n_lo": n_lo,
            "n_hi": n_hi,
            "k": plan.accounts,
            "start": plan.start_us,
            "step": plan.step,
            "own_step": plan.own_step,
            "g0": t_lo + n_lo,
            "own_a": 12345,
            "cash_carry": cash_carry,
            "credits": CREDITS,
            "debits": DEBITS,
        }
        cur.execute(CHUNK_SQL, params)
        g_last = t_hi + n_hi - 1
        cur.execute(
            "SELECT balance_after * 100 FROM accounts_entry WHERE id = %s",
            [ids["entry0"] + 2 * g_last + 1],
        )
        cash_carry = int(cur.fetchone()[0])
        if last or (t_hi // CHUNK) % PROGRESS_EVERY == 0:
            written, took = 2 * (t_hi + n_hi), time.perf_counter() - started
            print(f"    {written:,} of {plan.entries:,} entries written ({took:.0f} s)", flush=True)


def _balances(cur, ids: dict) -> None:
    """The sequences past the ids written, and each account's balance its last entry's."""
    for table in ("accounts_transaction", "accounts_entry"):
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
            f" (SELECT max(id) FROM {table}))"
        )
    cur.execute(
        "UPDATE accounts_account AS a SET balance = e.balance_after,"
        " available = e.balance_after, last_posted_at = e.posted_at"
        " FROM (SELECT DISTINCT ON (account_id) account_id, balance_after, posted_at"
        " FROM accounts_entry WHERE account_id IN (%s, %s) OR account_id BETWEEN %s AND %s"
        " ORDER BY account_id, posted_at DESC, id DESC) AS e WHERE a.id = e.account_id",
        [ids["own_id"], ids["cash_id"], ids["account0"], ids["account_last"]],
    )


# One chunk: filler transactions t in [t_lo, t_hi) and the account's own n in [n_lo, n_hi),
# merged in date order (g, the global position, gives both ids). Member amounts alternate a
# credit of A and a debit of B = 4/5 A (cents), so the balance after the n-th movement is
# n/2 (A - B) + A (n even) or (n+1)/2 (A - B) (n odd). The cash account takes the other side.
CHUNK_SQL = """
WITH src AS (
    SELECT false AS own, t AS i, t %% %(k)s AS k, t / %(k)s AS n, %(start)s + t * %(step)s AS at_us
      FROM generate_series(%(t_lo)s::bigint, %(t_hi)s::bigint - 1) AS t
    UNION ALL
    SELECT true, n, -1, n, %(start)s + (2 * n + 1) * %(own_step)s
      FROM generate_series(%(n_lo)s::bigint, %(n_hi)s::bigint - 1) AS n
), moves AS (
    SELECT %(g0)s + row_number() OVER (ORDER BY at_us, own, i) - 1 AS g, i, n,
           CASE WHEN own THEN %(own_id)s ELSE %(account0)s + k END AS account_id,
           timestamptz 'epoch' + at_us * interval '1 microsecond' AS posted_at,
           CASE WHEN own THEN %(own_a)s ELSE 2000 + (k * 7919) %% 48000 END AS a
      FROM src
), legs AS (
    SELECT g, i, account_id, posted_at,
           CASE WHEN n %% 2 = 0 THEN a ELSE -(a * 4 / 5) END AS cents,
           CASE WHEN n %% 2 = 0 THEN (n / 2) * (a - a * 4 / 5) + a
                ELSE (n + 1) / 2 * (a - a * 4 / 5) END AS balance_cents
      FROM moves
), lines AS (
    SELECT *, %(cash_carry)s - sum(cents) OVER (ORDER BY g) AS cash_cents,
           CASE WHEN cents > 0 THEN (%(credits)s::text[])[1 + i %% 3]
                ELSE (%(debits)s::text[])[1 + i %% 5] END AS description
      FROM legs
), tx AS (
    INSERT INTO accounts_transaction (id, kind, channel, memo, reason, idempotency_key,
                                      fingerprint, initiated_by_id, posted_at, details)
    SELECT %(tx0)s + g, CASE WHEN cents > 0 THEN 'DEPOSITO' ELSE 'RETIRO' END, 'VENTANILLA', '',
           '', 'bench-movements-' || lpad(g::text, 10, '0'), md5(g::text) || md5(i::text), NULL,
           posted_at, '{}'::jsonb
      FROM lines ORDER BY g
)
INSERT INTO accounts_entry (id, transaction_id, account_id, amount, balance_after, description,
                            role, posted_at)
SELECT %(entry0)s + 2 * g + side, %(tx0)s + g,
       CASE side WHEN 0 THEN account_id ELSE %(cash_id)s END,
       (CASE side WHEN 0 THEN cents ELSE -cents END)::numeric / 100,
       (CASE side WHEN 0 THEN balance_cents ELSE cash_cents END)::numeric / 100,
       description, 'PRINCIPAL', posted_at
  FROM lines CROSS JOIN (VALUES (0), (1)) AS leg (side)
 ORDER BY g, side
"""


def _check(entries: int, number: str) -> str:
    """The ledger's size and totals, and the page's account, as the build meant them."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*), COALESCE(sum(amount), 0) FROM accounts_entry")
        count, total = cur.fetchone()
        cur.execute(
            "SELECT count(*) FROM accounts_entry e JOIN accounts_account a ON a.id = e.account_id"
            " WHERE a.number = %s",
            [number],
        )
        own = cur.fetchone()[0]
        cur.execute(
            "SELECT count(*) FROM accounts_account a WHERE a.balance <> COALESCE((SELECT"
            " balance_after FROM accounts_entry e WHERE e.account_id = a.id"
            " ORDER BY posted_at DESC, id DESC LIMIT 1), 0)"
        )
        off = cur.fetchone()[0]
    if count != entries or total != 0 or own != OWN_MOVEMENTS or off:
        raise RuntimeError(
            f"ledger check: {count:,} entries (expected {entries:,}), sum {total}, "
            f"{own} of the account's (expected {OWN_MOVEMENTS}), {off} balances off"
        )
    return f"check: {count:,} entries summing to 0, {own:,} of the page's account, balances match"


# -- the page, through gunicorn -----------------------------------------------------------------
def pages(today) -> dict[str, str]:
    """The two pages asked for: label -> query string (after ``?``)."""
    first = today - timedelta(days=330)
    filtered = {
        "periodo": "personalizado",
        "desde": first.isoformat(),
        "hasta": (first + timedelta(days=91)).isoformat(),
        "tipo": "debitos",
    }
    return {"default (last 30 days, page 1)": "", "3 months, debits only": urlencode(filtered)}


COUNT_RE = re.compile(r"([\d.,]+) movimientos?")


def measure(*, env: dict, var_dir, ledgers: dict[str, Ledger], today, log) -> list[PageResult]:
    servers = {
        label: http_bench.Gunicorn(
            "cooperativa.wsgi:application",
            env=env
            | {
                "DATABASE_URL": ledger.url,
                "DEBUG": "0",
                "ALLOWED_HOSTS": "127.0.0.1",
                "GUNICORN_MAX_REQUESTS": "0",
                "GUNICORN_ACCESS_LOG": "",
            },
            workers=1,
            log_path=var_dir / f"gunicorn-movements-{label}.log",
            ready_path="/healthz",
        )
        for label, ledger in ledgers.items()
    }
    queries = pages(today)
    latencies = {(page, label): [] for page in queries for label in ledgers}
    with servers["10m"] as big, servers["10k"] as small:
        up = {"10m": big, "10k": small}
        targets = []
        for page, query in queries.items():
            for label, ledger in ledgers.items():
                path = f"/cuentas/{ledger.account_number}/movimientos/" + (
                    f"?{query}" if query else ""
                )
                headers = {"Cookie": ledger.cookie}
                status, body = http_bench.get(up[label].port, path, headers)
                found = COUNT_RE.search(body.decode(errors="replace"))
                if status != 200 or found is None:
                    raise RuntimeError(f"{label} {path} answered {status} without the movements")
                ledger.movements_shown[page] = found.group(0)
                targets.append((page, label, up[label].port, path, headers))
            shown = {x.movements_shown[page] for x in ledgers.values()}
            if len(shown) != 1:
                raise RuntimeError(f"{page}: the ledgers show different movements: {shown}")
            log(f"  {page}: {shown.pop()} on both ledgers")
        for round_ in range(WARMUP + REQUESTS):
            # Every page of both ledgers once a round, the two ledgers' order swapped every
            # other round: neither ledger is asked twice in a row more often than the other (a
            # repeat finds the worker's caches warm, ~1 ms at p50 in an A/A run).
            order = targets if round_ % 2 == 0 else _ledgers_swapped(targets)
            for page, label, port, path, headers in order:
                started = time.perf_counter()
                status, _ = http_bench.get(port, path, headers)
                elapsed = time.perf_counter() - started
                if status != 200:
                    raise RuntimeError(f"{label} {path} answered {status}")
                if round_ >= WARMUP:
                    latencies[(page, label)].append(elapsed)
    results = []
    for page in queries:
        p95 = {label: _percentile(latencies[(page, label)], 0.95) for label in ledgers}
        p50 = {label: _percentile(latencies[(page, label)], 0.50) for label in ledgers}
        results.append(PageResult(label=page, p95_ms=p95, p50_ms=p50))
    return results


def _ledgers_swapped(targets: list) -> list:
    """The same pages in the same order, each page's two ledgers the other way round."""
    return [target for pair in zip(targets[1::2], targets[::2], strict=True) for target in pair]


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(int(len(ordered) * q) - 1, 0)] * 1000


# -- the page's queries, explained -------------------------------------------------------------
def explain(*, env: dict, ledger: Ledger, query: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of every query of the ledger the page runs, as it runs them:
    the view is called through Django's test client and its queries captured."""
    return in_fresh_process(
        _explain_in_process,
        (env | {"DATABASE_URL": ledger.url}, ledger.user_id, ledger.account_number, query),
        f"explain {ledger.label}",
        timeout=600,
    )


def _explain_in_process(env, user_id, number, query, results) -> None:
    os.environ.update(env)
    try:
        import django

        django.setup()
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from identity.models import User

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(pk=user_id))
        path = f"/cuentas/{number}/movimientos/" + (f"?{query}" if query else "")
        client.get(path)  # warm, as the measured requests are
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, response.status_code
        plans = []
        with connection.cursor() as cur:
            for captured in queries.captured_queries:
                if "accounts_entry" not in captured["sql"]:
                    continue
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured["sql"])
                plan = "\n".join(f"    {row[0]}" for row in cur.fetchall())
                plans.append(f"  {captured['sql']}\n{plan}")
        results.put(("ok", plans))
    except BaseException:
        results.put(("error", traceback.format_exc()))
