"""The fault campaign: many moves over several dossiers pushed while the sandbox fails at random,
then every booking Octopus holds is checked against Odoo. Nothing lost, nothing twice.

Used by bench/fault_campaign.py (10,000 moves, 4 parallel workers for part of the run) and by
tests/test_fault_campaign.py (a few hundred moves, 2 workers). See bench/README.md.

Faults, drawn per Octopus call with a seeded random generator (the order in which parallel workers
draw still varies from run to run):

* ``5xx``, ``timeout`` (the sandbox stalls longer than the client waits), ``drop`` (connection
  closed, nothing done) and ``drop_after_commit`` (done, then the connection closed: the booking IS
  stored and its reply lost) -- the sandbox's own fault kinds;
* ``token_expiry``: every token dies before the call is handled;
* ``direct_booking``: an accountant books in the journal in Octopus itself, taking the next number;
* ``lock``: the dossier's journals are open by another user for 10 minutes to 2 hours;
* ``quota``: at the start of a day another application has used part of a dossier's booking quota,
  so Octopus answers 429 before the addon's own counter stops it. The daily limits themselves are
  reached anyway: each dossier gets more moves than it may book in a day.

Locks and daily limits make the addon wait an hour or until tomorrow; the campaign does not wait:
``world.Clock`` moves Odoo's clock and the sandbox's forward instead.
"""

import contextlib
import logging
import random
import threading
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from unittest.mock import patch

from ..octopus.limits import DAILY_LIMITS
from . import world

_logger = logging.getLogger(__name__)

BOOKING_POST = ("/buysellbookings", "/financialdiversbookings")
# What a correct campaign counts as zero: every move and payment booked once, equal to what was sent.
MUST_BE_ZERO = (
    "lost",
    "duplicates",
    "orphan_bookings",
    "amount_mismatches",
    "line_mismatches",
    "number_mismatches",
    "payments_lost",
    "payments_duplicated",
    "payment_mismatches",
    "duplicate_relations",
)


@dataclass
class Config:
    moves: int = 10000
    dossiers: int = 5
    payment_dossiers: int = 1  # the first N companies also book a payment per invoice
    workers: int = 4  # parallel cron workers while less than `parallel_share` of the moves is sent
    parallel_share: float = 0.5
    batch_size: int = 50
    customers: int = 60
    seed: int = 20261122
    fault_rate: float = 0.20  # share of Octopus calls that meet a fault, roughly
    client_timeout: float = 0.5  # seconds the client waits for an answer
    sandbox_timeout: float = 1.0  # seconds a "timeout" fault stalls (longer than the client waits)
    booking_limit: int = 0  # lower daily limit of booking inserts on both sides (0 = Octopus' 400)
    first_dossier_id: int = 3001
    max_days: int = 200  # give up (and report what is stuck) after this many simulated days
    retry_failed: int = 3  # rounds of "a person presses Retry" on failed moves


@dataclass
class FaultPlan:
    """Decides, for each Octopus call the sandbox receives, whether and how it fails."""

    state: object
    seed: int
    rate: float
    dossier_ids: list
    injected: Counter = field(default_factory=Counter)
    locks: dict = field(default_factory=dict)  # dossier id -> sandbox time the lock ends

    def __post_init__(self):
        self.rng = random.Random(self.seed)
        self.mutex = threading.Lock()
        # Shares of `rate` per kind (calls of any path), then the booking-only ones.
        scale = self.rate / 0.20
        self.kinds = [
            ("5xx", 0.05 * scale),
            ("timeout", 0.015 * scale),
            ("drop", 0.025 * scale),
            ("drop_after_commit", 0.04 * scale),
            ("token_expiry", 0.02 * scale),
        ]
        self.booking_kinds = [("direct_booking", 0.04 * scale), ("lock", 0.006 * scale)]
        self._take = self.state.take_fault

    def install(self):
        self.state.take_fault = self.take
        return self

    def uninstall(self):
        self.state.take_fault = self._take

    def take(self, request_path):
        queued = self._take(request_path)
        if queued:
            return queued
        self.release_locks()
        dossier_id = _dossier_of(request_path)
        booking = bool(dossier_id) and request_path.split("?")[0].endswith(BOOKING_POST)
        with self.mutex:
            draw, extra, journal_draw, lock_seconds = (
                self.rng.random(),
                self.rng.random(),
                self.rng.random(),
                self.rng.uniform(600, 7200),
            )
            kind = _pick(self.booking_kinds, extra) if booking else None
            if kind == "lock" and dossier_id in self.locks:
                kind = None
            if kind == "lock":
                self.locks[dossier_id] = self.state.now() + lock_seconds
        if kind == "direct_booking":
            self.state.book_directly(dossier_id, world.BOOKYEAR, "A1" if journal_draw < 0.3 else "V1")
            self._count(kind)
        elif kind == "lock":
            self.state.lock(dossier_id)
            self._count(kind)
        kind = _pick(self.kinds, draw)
        if kind == "token_expiry":
            self.state.expire_tokens()
            self._count(kind)
            return None
        if kind:
            self._count(kind)
        return kind

    def release_locks(self):
        now = self.state.now()
        with self.mutex:
            ended = [d for d, until in self.locks.items() if until <= now]
            for dossier_id in ended:
                del self.locks[dossier_id]
        for dossier_id in ended:
            self.state.unlock(dossier_id)

    def new_day(self):
        """Another application books in some dossiers too: part of their quota is gone."""
        limit = self.state.limits.get("POST /buysellbookings") or 400
        for dossier_id in self.dossier_ids:
            with self.mutex:
                used = self.rng.randint(limit // 4, limit // 2) if self.rng.random() < 0.3 else 0
            for _call in range(used):
                self.state.consume("POST /buysellbookings", dossier_id)
            if used:
                self._count("quota")

    def _count(self, kind):
        with self.mutex:
            self.injected[kind] += 1


def _pick(kinds, draw):
    for kind, share in kinds:
        if draw < share:
            return kind
        draw -= share
    return None


def _dossier_of(path):
    parts = path.split("?")[0].split("/")
    if "dossiers" in parts:
        index = parts.index("dossiers") + 1
        if index < len(parts) and parts[index].isdigit():
            return int(parts[index])
    return None


class Campaign:
    """Set up, run and check one campaign; `log` gets one line per round."""

    def __init__(self, registry, config=None, log=None):
        self.registry = registry
        self.config = config or Config()
        self.log = log or _logger.info
        self.server = None
        self.company_ids = []
        self.dossier_of_company = {}
        self.move_ids = []
        self.partner_ids = []
        self.figures = {}
        self.worker_errors = []
        self.outcomes = defaultdict(Counter)

    # -- set-up ------------------------------------------------------------------------------------

    def setup(self):
        from ..sandbox import SandboxServer  # noqa: PLC0415

        cfg = self.config
        ids = [cfg.first_dossier_id + index for index in range(cfg.dossiers)]
        seeds = [world.dossier_seed(d, f"Campaign {d}", world.be_vat(d)) for d in ids]
        self.server = SandboxServer(seed=world.world_seed(seeds)).start()
        state = self.server.state
        state.timeout_seconds = cfg.sandbox_timeout
        if cfg.booking_limit:
            state.set_limit("POST /buysellbookings", cfg.booking_limit)
            state.set_limit("POST /financialdiversbookings", cfg.booking_limit)
        started = time.perf_counter()
        with self.registry.cursor() as cr:
            env = world.open_env(cr)
            tag = world.unique_tag()
            partners = world.create_partners(env, cfg.customers, 60000 + cfg.seed % 1000 * 100, f"Campaign {tag}")
            self.partner_ids = partners.ids
            per_company = [
                cfg.moves // cfg.dossiers + (1 if i < cfg.moves % cfg.dossiers else 0) for i in range(cfg.dossiers)
            ]
            for index, dossier_id in enumerate(ids):
                company = world.create_company(env, f"Campaign {dossier_id} {tag}", world.be_vat(dossier_id))
                self.company_ids.append(company.id)
                world.link_company(env, company, self.server.url, payments=index < cfg.payment_dossiers)
                self.dossier_of_company[company.id] = dossier_id
                self.move_ids += world.create_moves(
                    env, company, partners, per_company[index], seed=cfg.seed + index, mix=world.MOVE_MIX
                )
            world.reset_counters(cr)
        self.figures["setup_s"] = round(time.perf_counter() - started, 1)
        return self

    def cleanup(self, remove=False):
        if self.server:
            self.server.stop()
        if remove:
            world.remove_world(self.registry, self.company_ids, self.partner_ids)
        elif self.company_ids:
            with self.registry.cursor() as cr:
                world.archive_connections(world.open_env(cr), self.company_ids)

    # -- run ---------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def patched(self):
        """Short client timeouts and back-off (the sandbox is local), a fixed PDF instead of
        wkhtmltopdf, lower daily limits when asked, and a count of each worker's push results."""
        from ..models.octopus_connection import OctopusConnection  # noqa: PLC0415

        cfg = self.config
        get_client = OctopusConnection._get_client

        def fast_client(connection, use_reserve=False, **options):
            options["timeout"] = cfg.client_timeout
            options["backoff"] = 0.02
            return get_client(connection, use_reserve=use_reserve, **options)

        with contextlib.ExitStack() as stack:
            stack.enter_context(patch.object(OctopusConnection, "_get_client", fast_client))
            stack.enter_context(world.fixed_pdf(world.MINIMAL_PDF))  # rendering is benchmark 3's business
            if cfg.booking_limit:
                stack.enter_context(
                    patch.dict(
                        DAILY_LIMITS,
                        {
                            "POST /buysellbookings": cfg.booking_limit,
                            "POST /financialdiversbookings": cfg.booking_limit,
                        },
                    )
                )
            from ..models.octopus_booking_push import OctopusBooking  # noqa: PLC0415

            push_one = OctopusBooking._push_one
            outcomes = self.outcomes

            def counting(booking, *args, **kwargs):
                result = push_one(booking, *args, **kwargs)
                outcomes[threading.current_thread().name][result] += 1
                return result

            stack.enter_context(patch.object(OctopusBooking, "_push_one", counting))
            yield

    def run(self):
        cfg = self.config
        state = self.server.state
        plan = FaultPlan(state, cfg.seed, cfg.fault_rate, list(self.dossier_of_company.values())).install()
        clock = world.Clock(state)
        started = time.perf_counter()
        rounds = retried = 0
        pushing = 0.0  # seconds in the cron workers; the rest of run_s is the harness (clock, counts)
        before_calls = sum(world.sandbox_calls(state).values())
        plan.new_day()
        try:
            with self.patched(), clock, self.registry.cursor() as cr:
                while True:
                    rounds += 1
                    sent = self._count_sent(cr)
                    workers = cfg.workers if sent < cfg.parallel_share * len(self.move_ids) else 1
                    round_started = time.perf_counter()
                    self._run_workers(workers)
                    pushing += time.perf_counter() - round_started
                    cr.rollback()
                    self.log(self._progress(cr, rounds, workers, clock, time.perf_counter() - round_started))
                    if world.due_count(world.open_env(cr), self.company_ids):
                        continue  # something became due while the workers stopped
                    if self._count_pending(cr):
                        if clock.days >= cfg.max_days:
                            message = f"giving up: still pending after {clock.days} simulated days"
                            self.log(message)
                            break
                        days = clock.days
                        clock.advance(cr, clock.pending_deadline(cr, self.company_ids) + 1)
                        plan.release_locks()
                        if clock.days != days:
                            plan.new_day()
                        continue
                    if retried < cfg.retry_failed and self._retry_failed(cr):
                        retried += 1
                        continue
                    break
        finally:
            plan.uninstall()
        self.figures.update(
            {
                "run_s": round(time.perf_counter() - started, 1),
                "pushing_s": round(pushing, 1),
                "rounds": rounds,
                "simulated_days": clock.days,
                "simulated_hours": round(clock.advanced / 3600, 1),
                "retry_rounds_by_a_person": retried,
                "octopus_calls": sum(world.sandbox_calls(state).values()) - before_calls,
                "faults_injected": dict(plan.injected),
                "faults_total": sum(plan.injected.values()),
                "worker_errors": len(self.worker_errors),
                "worker_outcomes": {name: dict(counts) for name, counts in sorted(self.outcomes.items())},
            }
        )
        self.figures["fault_share_of_calls"] = round(
            self.figures["faults_total"] / max(self.figures["octopus_calls"], 1), 3
        )
        return self

    def _run_workers(self, count):
        threads = [
            threading.Thread(target=self._worker, name=f"worker-{index + 1}", daemon=True) for index in range(count)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _worker(self):
        """One cron worker: its own database cursor, the cron method until nothing is due."""
        errors_in_a_row = 0
        with self.registry.cursor() as cr:
            env = world.open_env(cr)
            while world.due_count(env, self.company_ids):
                try:
                    env["octopus.booking"]._push_due(limit=self.config.batch_size, with_commit=True)
                    cr.commit()  # pylint: disable=invalid-commit
                    errors_in_a_row = 0
                except Exception as exc:  # noqa: BLE001 (counted and reported: a worker must not die)
                    cr.rollback()
                    self.worker_errors.append(f"{type(exc).__name__}: {exc}")
                    _logger.warning("campaign worker: %s", exc, exc_info=True)
                    errors_in_a_row += 1
                    if errors_in_a_row > 20:
                        return
                env.invalidate_all()

    def _retry_failed(self, cr):
        """A person presses Retry on the failed moves (their messages are kept in the figures)."""
        env = world.open_env(cr, self.company_ids)
        failed_bookings = env["octopus.booking"].search([("move_id", "in", self.move_ids), ("state", "=", "failed")])
        if not failed_bookings:
            return False
        failed = failed_bookings.move_id
        reasons = self.figures.setdefault("failed_before_retry", {})
        for booking in failed_bookings:
            key = (booking.message or "")[:120]
            reasons[key] = reasons.get(key, 0) + 1
        for company_id in self.company_ids:
            moves = failed.filtered(lambda m, c=company_id: m.company_id.id == c)
            if moves:
                moves.with_company(company_id).action_octopus_retry()
        cr.commit()  # pylint: disable=invalid-commit
        return True

    def _count_sent(self, cr):
        cr.execute(
            "SELECT count(*) FROM account_move WHERE id IN %s AND octopus_state = 'sent'", [tuple(self.move_ids)]
        )
        return cr.fetchone()[0]

    def _count_pending(self, cr):
        return world.open_env(cr)["octopus.booking"].search_count(world.pending_domain(self.company_ids))

    def _progress(self, cr, rounds, workers, clock, seconds):
        cr.execute(
            """SELECT coalesce(octopus_state, '-'), count(*) FROM account_move WHERE id IN %s
                      GROUP BY 1 ORDER BY 1""",
            [tuple(self.move_ids)],
        )
        states = ", ".join(f"{state} {count}" for state, count in cr.fetchall())
        return (
            f"round {rounds:>3}  day {clock.days + 1:>3}  +{clock.advanced / 3600:6.1f} h  "
            f"{workers} worker(s) {seconds:6.1f} s  | {states}"
        )

    # -- check -------------------------------------------------------------------------------------

    def check(self):
        """Sandbox against Odoo: each move booked exactly once, with Odoo's number and amount."""
        state = self.server.state
        result = Counter()
        problems = []
        with self.registry.cursor() as cr:
            env = world.open_env(cr, self.company_ids)
            moves = env["account.move"].browse(self.move_ids)
            result["moves"] = len(moves)
            result.update({f"state_{k or 'none'}": v for k, v in Counter(moves.mapped("octopus_state")).items()})
            for company_id, dossier_id in self.dossier_of_company.items():
                company_moves = moves.filtered(lambda m, c=company_id: m.company_id.id == c)
                stored = [b for b in state.bookings(dossier_id) if b["enteredBy"] == "api"]
                result["typed_in_octopus"] += len(state.bookings(dossier_id)) - len(stored)
                by_reference = defaultdict(list)
                for booking in stored:
                    by_reference[booking["booking"].get("reference")].append(booking)
                names = set(company_moves.mapped("name"))
                result["orphan_bookings"] += sum(len(v) for k, v in by_reference.items() if k not in names)
                payments = defaultdict(list)
                for booking in state.financial_bookings(dossier_id):
                    if booking["enteredBy"] != "api":
                        continue
                    for line in booking["booking"].get("bookingLines") or []:
                        payments[line.get("reference")].append((booking, line))
                for move in company_moves:
                    self._check_move(move, by_reference.get(move.name, []), payments, result, problems)
                result["duplicate_relations"] += _duplicate_relations(state, dossier_id)
            attempts = env["octopus.push.attempt"]._read_group(
                [("move_id", "in", self.move_ids)], ["outcome"], ["__count"]
            )
            for outcome, count in attempts:
                result[f"attempts_{outcome}"] = count
        result["booked_exactly_once"] = result["moves"] - result["lost"] - result["duplicated_moves"]
        self.figures["check"] = dict(result)
        self.figures["problems"] = problems[:20]
        return dict(result)

    def _check_move(self, move, bookings, payments, result, problems):
        if not bookings:
            result["lost"] += 1
            problems.append(f"{move.name}: not booked ({move.octopus_state}: {move.octopus_message})")
            return
        if len(bookings) > 1:
            result["duplicated_moves"] += 1
            result["duplicates"] += len(bookings) - 1
            problems.append(
                f"{move.name}: booked {len(bookings)} times "
                f"({', '.join(str(b['documentSequenceNr']) for b in bookings)})"
            )
        booking = bookings[0]
        data = booking["booking"]
        refund = move.move_type in ("out_refund", "in_refund")
        expected = -move.amount_total if refund else move.amount_total
        if abs(data["amount"] - expected) >= 0.005:
            result["amount_mismatches"] += 1
            problems.append(f"{move.name}: amount {data['amount']} in Octopus, {expected} in Odoo")
        lines = sum(line["baseAmount"] + line["vatAmount"] for line in data["bookingLines"])
        vat = sum(line["vatAmount"] for line in data["bookingLines"])
        if abs(lines - abs(expected)) >= 0.005 or abs(vat - move.amount_tax) >= 0.005:
            result["line_mismatches"] += 1
            problems.append(
                f"{move.name}: lines {lines:.2f} (VAT {vat:.2f}) in Octopus, {move.amount_total} "
                f"(VAT {move.amount_tax}) in Odoo"
            )
        invoice, payment_booking = move._octopus_booking("invoice"), move._octopus_booking("payment")
        same_number = (booking["documentSequenceNr"], booking["journalKey"], booking["bookyearId"]) == (
            invoice.document_nr,
            invoice.journal_key,
            invoice.bookyear_id.octopus_key,
        )
        if move.octopus_state != "sent" or not same_number:
            result["number_mismatches"] += 1
            problems.append(
                f"{move.name}: Octopus {booking['bookyearId']}/{booking['journalKey']}/"
                f"{booking['documentSequenceNr']}, Odoo {move.octopus_state} {move.octopus_number}"
            )
        if move.journal_id.octopus_payment_journal_id:
            found = payments.get(move.octopus_number, [])
            result["payments_expected"] += 1
            if not found:
                result["payments_lost"] += 1
                problems.append(f"{move.name}: no payment ({payment_booking.state}: {payment_booking.message})")
            elif len(found) > 1:
                result["payments_duplicated"] += len(found) - 1
                problems.append(f"{move.name}: {len(found)} payments")
            else:
                incoming = move.move_type in ("out_invoice", "in_refund")
                amount = move.amount_total if incoming else -move.amount_total
                payment, line = found[0]
                if (
                    abs(line["amount"] - amount) >= 0.005
                    or payment["documentSequenceNr"] != payment_booking.document_nr
                ):
                    result["payment_mismatches"] += 1
                    problems.append(
                        f"{move.name}: payment {line['amount']} #{payment['documentSequenceNr']}, Odoo "
                        f"{amount} #{payment_booking.document_nr}"
                    )

    def summary(self):
        return {"config": asdict(self.config), **self.figures}


def _duplicate_relations(state, dossier_id):
    """Relations sharing a VAT number in the sandbox dossier (a lost PUT reply must not create two)."""
    with state.mutex:
        vats = Counter(r.get("vatNr") for r in state.dossiers[dossier_id].relations if r.get("vatNr"))
    return sum(n - 1 for n in vats.values() if n > 1)
