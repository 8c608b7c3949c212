"""Plain helpers of one push run (not models): the Octopus clients shared by a run, the attempt being
logged, the outcome of one step, the time budget of a run (shared by the addon's other scheduled
jobs), and the exceptions of the push."""

import contextlib
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg2
from psycopg2 import errors as pg_errors

from odoo import fields, models
from odoo.service.server import SLEEP_INTERVAL
from odoo.tools import config

from odoo.addons.base.models.ir_cron import _intervalTypes

from ..octopus import errors

# Errors of a concurrent worker touching the same rows: the booking is simply tried again later.
CONCURRENCY_ERRORS = (pg_errors.LockNotAvailable, pg_errors.SerializationFailure, pg_errors.DeadlockDetected)

# How long one booking can take, from the HTTP timeouts (issue 19). Each call waits at most
# HTTP_TIMEOUT; a read is tried READ_TRIES times; a call that times out ends the booking's turn
# (the write becomes "uncertain", a failed read "waiting"), so one booking spends at most one
# timed-out call in full besides its answered calls (FAST_CALLS of at most a few seconds each),
# plus rendering its PDF.
HTTP_TIMEOUT = 10
READ_TRIES = 2
FAST_CALLS_SECONDS = 10
PDF_SECONDS = 5
SLOWEST_BOOKING = HTTP_TIMEOUT * READ_TRIES + FAST_CALLS_SECONDS + PDF_SECONDS  # 35 s
BUDGET_SHARE = 0.7  # of Odoo's limit (120 s by default: new bookings for 49 s); the cycle's other jobs share it
UNLIMITED_FALLBACK = 120  # no limit configured: still keep each cycle as short as Odoo's default
# In multi-process mode a cron worker tells Odoo's watchdog it lives, then sleeps until woken or for
# SLEEP_INTERVAL + pid % 10 s, then runs the due jobs: that sleep counts against the same limit.
CRON_IDLE_SLEEP = SLEEP_INTERVAL + 9


@dataclass
class Prepared:
    """A booking ready to go but for its number, which is taken at the last moment."""

    bookyear: Any  # octopus.bookyear
    journal_year: Any  # octopus.journal.year the number comes from
    journal_key: str
    build: Callable[[int], dict]  # number -> booking JSON
    insert: Callable[[dict], None]  # booking JSON -> POST (attachments included)
    summary: str
    pdf_note: str = ""
    pdf_follows: bool = False  # booked without its PDF: the PDF job attaches it afterwards
    fingerprint: dict | None = None  # what an invoice booking sends, kept on the booking (issue 14)


@dataclass
class Outcome:
    """What one step of a booking's push ends in; octopus.booking._apply_outcome writes it.

    `state`, `message` and `values` go to the booking (through its transition table); `logged`
    names the attempt row to write ("" for none); `note` is posted on the move; `pause` pauses the
    dossier ("lock", "limit"); `park` makes the company's other due bookings wait with this one;
    `release` and `keep` are (journal year, number) to give back or to keep as the highest;
    `booked` lifts a dossier pause and queues what follows the booking; `wake_at` triggers the
    cron then; `relock` takes the row again after the loop committed (the POST follows).
    """

    state: str
    message: str = ""
    logged: str = ""
    values: dict = field(default_factory=dict)
    note: str = ""
    pause: str = ""
    park: bool = False
    release: tuple = ()
    keep: tuple = ()
    booked: bool = False
    wake_at: Any = None
    relock: bool = False


class CheckFailed(Exception):
    """What keeps a booking from going out, found without calling Octopus (sentences with the fix)."""

    def __init__(self, problems):
        super().__init__(" ".join(problems))
        self.problems = problems


class Undecided(Exception):
    """Octopus' answers do not tell yet whether a booking whose reply was lost was stored."""


class NotSent(Exception):
    """A concurrent update stopped the step before the request left: roll back, then apply `outcome`."""

    def __init__(self, outcome):
        super().__init__(outcome.state)
        self.outcome = outcome


# Advisory lock class of "a booking of this Octopus journal is on its way": taken before the booking
# is prepared, held (session-level, across the step commits) until its outcome is committed.
IN_FLIGHT_LOCK = 4_716_016


class JournalBusy(Exception):
    """Another worker has a booking of the same Octopus journal on its way: this one waits its turn."""


# Context key of the PushSession of the running push (set by _push_loop): what remembered_in_run reads.
PUSH_SESSION = "octopus_push_session"


@dataclass(frozen=True)
class _Records:
    model: str
    ids: tuple


def _frozen(value):
    """`value` kept apart from any transaction: records as their ids, lists as tuples."""
    if isinstance(value, models.BaseModel):
        return _Records(value._name, value._ids)
    if isinstance(value, list):
        return tuple(_frozen(item) for item in value)
    return value


def _thawed(env, value):
    if isinstance(value, _Records):
        return env[value.model].browse(value.ids)
    if isinstance(value, tuple):
        return [_thawed(env, item) for item in value]  # a fresh list: callers extend what they get
    return value


def remembered_in_run(method):
    """Decorator of a mapping lookup (a tax's VAT code, an account's Octopus number, a journal's
    check...): computed once per push run for the same records, arguments and language.

    The push commits after every step and each commit empties Odoo's cache, so without this every
    booking read the whole mapping again (issue 16: a tax's grids alone were 9 queries an invoice).
    Outside a push (the forms, the dossier's mapping check) the method computes as usual. A mapping changed while a run
    goes on (at most about a minute) is seen by the next run; what a run itself changes (journal
    numbers, closed journals re-read, pauses) is never read through this.
    """

    @functools.wraps(method)
    def lookup(self, *args, **kwargs):
        session = self.env.context.get(PUSH_SESSION)
        if session is None:
            return method(self, *args, **kwargs)
        key = (
            method.__qualname__,
            self._name,
            self._ids,
            self.env.lang,
            _frozen(list(args)),
            _frozen([[name, kwargs[name]] for name in sorted(kwargs)]),
        )
        return _thawed(self.env, session.remember(key, lambda: _frozen(method(self, *args, **kwargs))))

    return lookup


class PushSession:
    """The Octopus clients of one run, one per dossier: a batch shares connections and tokens; the
    journals whose booking this worker has on its way; and the run's memo (remembered_in_run)."""

    def __init__(self):
        self._apis = {}
        self._held = []
        self._memo = {}
        self._busy = {}  # booking kind -> ids of the Odoo journals whose Octopus journal was busy elsewhere

    def remember(self, key, compute):
        """compute(), once per run for `key`: what no booking of the run changes (a dossier's audience,
        the mapping)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def hold_journal(self, cr, journal_id):
        """Never two bookings of one journal in flight: numbers go out in order, one answer before the
        next request. PostgreSQL releases the lock itself if the worker dies."""
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", [IN_FLIGHT_LOCK, journal_id])
        if not cr.fetchone()[0]:
            raise JournalBusy()
        self._held.append((cr, journal_id))

    def skip_busy(self, booking):
        """`booking` met its journal busy in another worker: the rest of the run leaves that journal's
        bookings (of the same kind) alone rather than take each of them for one more busy turn."""
        self._busy.setdefault(booking.kind, set()).add(booking.move_id.journal_id.id)

    def busy_domain(self):
        """Leaves out the bookings of the journals skip_busy was told about."""
        return [
            term
            for kind, journal_ids in sorted(self._busy.items())
            for term in ("!", "&", ("kind", "=", kind), ("move_id.journal_id", "in", sorted(journal_ids)))
        ]

    def release_journals(self):
        while self._held:
            cr, journal_id = self._held.pop()
            with contextlib.suppress(psycopg2.Error):  # an aborted transaction: the connection keeps it
                cr.execute("SELECT pg_advisory_unlock(%s, %s)", [IN_FLIGHT_LOCK, journal_id])

    def api(self, dossier, reserve=False):
        """DossierApi of `dossier`; `reserve` may spend the calls kept back for read-back checks."""
        key = (dossier.id, reserve)
        if key not in self._apis:
            self._apis[key] = dossier._get_api(use_reserve=reserve, timeout=HTTP_TIMEOUT, max_retries=READ_TRIES - 1)
        return self._apis[key]

    def close(self):
        for api in self._apis.values():
            api.client.close()
        self._apis.clear()


@dataclass
class Attempt:
    """What one try did, logged as an octopus.push.attempt whatever its outcome."""

    trigger: str
    requests: list = field(default_factory=list)
    http_status: int = 0
    error_code: int = 0
    pdf_note: str = ""

    def request(self, text):
        self.requests.append(text)

    def error(self, exc):
        if isinstance(exc, errors.OctopusError):
            self.http_status = exc.status or 0
            self.error_code = exc.error_code or 0

    def save(self, booking, outcome, message):
        # sudo: the attempt log is written by the addon for any user who pushes; users only read it
        return (
            booking.env["octopus.push.attempt"]
            .sudo()
            .create(
                {
                    "booking_id": booking.id,
                    "move_id": booking.move_id.id,
                    "document": booking.kind,
                    "trigger": self.trigger,
                    "request_summary": "; ".join(self.requests)[:1000] or False,
                    "http_status": self.http_status,
                    "error_code": self.error_code,
                    "message": message,
                    "outcome": outcome,
                }
            )
        )


def effective_limits():
    """(real seconds, CPU seconds or None) Odoo allows one cron cycle, read from its configuration.

    Real time: ``limit_time_real_cron`` when positive, else ``limit_time_real`` (0: none, so
    UNLIMITED_FALLBACK); in multi-process mode (``workers`` > 0) less the cron worker's longest idle
    sleep, which Odoo's watchdog counts too (a run after a full sleep has only the rest). CPU time:
    ``limit_time_cpu`` in multi-process mode only.
    """
    real = config.get("limit_time_real_cron") or 0
    if real <= 0:
        real = config.get("limit_time_real") or 0
    real = real if real > 0 else UNLIMITED_FALLBACK
    if (config.get("workers") or 0) > 0:
        return max(real - CRON_IDLE_SLEEP, 0), config.get("limit_time_cpu") or None
    return real, None


class Budget:
    """The share of a cron cycle one push run may use before it stops taking new bookings.

    It stops early enough for the slowest single booking to finish inside Odoo's limit; the
    first booking is always taken, so a run makes progress whatever the limits.
    """

    clock = staticmethod(time.monotonic)  # wall clock
    cpu_clock = staticmethod(time.process_time)  # this process's CPU time (one cron worker per process)

    def __init__(self):
        clock, cpu_clock = self.clock, self.cpu_clock
        real, cpu = effective_limits()
        self.real = max(real * BUDGET_SHARE - SLOWEST_BOOKING, 0)
        self.cpu = max(cpu * BUDGET_SHARE - PDF_SECONDS, 0) if cpu else None
        self.started, self.cpu_started = clock(), cpu_clock()
        self.taken = 0

    def allows_another(self):
        if not self.taken:
            return True
        if self.clock() - self.started >= self.real:
            return False
        return self.cpu is None or self.cpu_clock() - self.cpu_started < self.cpu


def within_budget(records, cron_xmlid):
    """`records` one at a time while the run's budget allows (a scheduled job over dossiers: payments,
    differences, first synchronisations). Once the loop ends, the run tells Odoo's runner it is
    complete, so no second lap counts against the same cycle's limit, and the records it did not
    reach get a fresh run of `cron_xmlid`. A record the caller tried and failed is not tried again
    by that fresh run's trigger (only a record not reached triggers one)."""
    env = records.env
    budget = Budget()
    done = 0
    for record in records:
        if not budget.allows_another():
            break
        budget.taken += 1
        yield record
        done += 1
    env["ir.cron"]._notify_progress(done=done, remaining=0)
    if done < len(records):
        env.ref(cron_xmlid).sudo()._trigger()  # sudo: the job's own continuation


def cycle_began(cron):
    """When the cycle of the job `cron` that this run belongs to began, for a job that goes over
    dossiers and records the time of each: a fresh run continuing a cycle stopped at its budget
    takes those done at or before it. Half the job's interval ago for a scheduled run (the runs of
    one cycle follow each other within minutes, the cycles are a whole interval apart); now for
    "Run manually" (no ``cron_id`` in the context), which takes every dossier."""
    now = fields.Datetime.now()
    if not cron.env.context.get("cron_id"):
        return now
    interval = (now + _intervalTypes[cron.interval_type](cron.interval_number)) - now
    return now - interval / 2
