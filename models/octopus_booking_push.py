import logging
from datetime import timedelta

from psycopg2.errors import LockNotAvailable

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..octopus import errors
from .octopus_booking import CRON_XMLID
from .octopus_booking_outcome import OCTOPUS_FAILURES
from .octopus_push_run import (
    CONCURRENCY_ERRORS,
    PUSH_SESSION,
    Attempt,
    Budget,
    CheckFailed,
    JournalBusy,
    NotSent,
    Outcome,
    PushSession,
    Undecided,
)

_logger = logging.getLogger(__name__)

SENDING_GRACE = timedelta(minutes=10)  # a "sending" booking older than this belongs to a crashed worker
NUMBER_ROUNDS = 5  # "illegal document number" answers in a row before giving the journal a rest


class OctopusBooking(models.Model):
    """The push: one loop takes the due bookings one at a time (row lock, SKIP LOCKED) and commits
    after each step; nothing else in the addon commits.

    For each booking: read back a send whose reply was lost, check and prepare without network,
    hold a vendor bill Octopus may hold already (octopus_booking_duplicate.py), take the journal's
    next number, commit "sending", POST, commit the outcome. No HTTP ever runs
    inside the posting transaction. Each step yields an Outcome; _apply_outcome writes it.
    """

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    # -- entry points ------------------------------------------------------------------------------

    @api.model
    def _cron_push(self):
        """The scheduled job. Scheduled runs carry Odoo's ``cron_id`` in their context; "Run manually"
        does not, and there means "try now": paused dossiers are tried at once."""
        if not self.env.context.get("cron_id"):
            self.env["octopus.dossier"].search([("push_paused_until", "!=", False)])._octopus_wake()
        self._push_due()

    @api.model
    def _push_due(self, limit=None, with_commit=None):
        """Send what is due, oldest first, until the run's time budget (issue 19) or `limit` is used.

        The run never asks Odoo's runner for another lap in the same cycle (that lap would count
        against the same time limit): it reports no remaining work and triggers a fresh run instead.
        """
        if with_commit is None:
            with_commit = self.env["account.move"]._can_commit()
        taken = self._push_loop([], "cron", with_commit, limit)
        self.env["ir.cron"]._notify_progress(done=len(taken), remaining=0)
        if with_commit:
            # A fresh snapshot: postings committed during the run did not wake the job (_wake_jobs)
            self.env.cr.commit()  # pylint: disable=invalid-commit
        if self.search_count(self._due_domain(), limit=1):
            self._trigger_push()

    def _send_now(self, moves):
        """ "Send now": these bookings go through the same loop at once, in the user's request. It
        commits per step like the cron (a user action that needs it: a booking Octopus holds must
        not be rolled back by a later error of the same request)."""
        self._requeue()
        with_commit = self.env["account.move"]._can_commit()
        taken = self._push_loop([("move_id", "in", self.move_id.ids)], "manual", with_commit)
        busy = self.filtered(lambda b: b.id not in taken).move_id  # another run holds them (SKIP LOCKED)
        return moves._octopus_result_notification(busy)

    @api.model
    def action_push_now(self):
        """ "Send to Octopus now" (Octopus menu): the job's own "Run manually", which tries paused
        dossiers at once, with a clear word when the job is already running."""
        cron = self.env.ref(CRON_XMLID).sudo()  # sudo: running the job is what the menu is for (managers)
        try:
            with self.env.cr.savepoint(flush=False):
                # Odoo's runner holds this row while the job runs; "Run manually" would refuse then.
                self.env.cr.execute(
                    "SELECT id FROM ir_cron WHERE id = %s FOR NO KEY UPDATE NOWAIT", [cron.id], log_exceptions=False
                )
        except LockNotAvailable:
            raise UserError(
                self.env._(
                    "Sending to Octopus is already in progress: the background job is running and sends the "
                    "waiting invoices. Look again in a minute."
                )
            ) from None
        cron.method_direct_trigger()
        return self.env["octopus.connection"]._notify(
            self.env._("Octopus"),
            self.env._("Sending to Octopus is done for now; see the pushes for what is left."),
            "info",
            {"type": "ir.actions.client", "tag": "soft_reload"},
        )

    def _with_audience(self, trigger, session=None):
        """The background job writes in the language and time zone of the company's responsible users
        (like Odoo's own scheduled notes); "Send now" answers the person who pressed it. A run looks
        them up once per dossier (`session`)."""
        if trigger != "cron":
            return self
        dossier = self.company_id.octopus_dossier_id
        if session is None:
            return self.with_context(**dossier._octopus_audience())
        return self.with_context(**session.remember(("audience", dossier.id), dossier._octopus_audience))

    # -- the loop: the only commits ---------------------------------------------------------------

    def _push_loop(self, domain, trigger, with_commit, limit=None):
        """Take due bookings (among `domain`) one at a time until none is left, `limit` is reached or
        the budget is used; returns the ids taken. A booking is taken at most once per run;
        "due" is read again before each, so what a booking queues (its payment) goes in the same run."""
        budget = Budget()
        session = PushSession()
        # sudo: the outbox is the addon's; whoever pushes (the cron, or a user's "Send now") writes it
        bookings = self.sudo().with_context(**{PUSH_SESSION: session})
        if with_commit:
            bookings = bookings.with_context(octopus_count_apart=True)
        try:
            return bookings._take_turns(
                lambda: [*bookings._due_domain(), *domain, *session.busy_domain()],
                lambda booking: (
                    booking.with_company(booking.company_id)
                    ._with_audience(trigger, session)
                    ._push_one(trigger, session, with_commit)
                ),
                budget,
                with_commit,
                limit=limit,
            )
        finally:
            session.close()
            self.env.invalidate_all()  # callers read what the run wrote as it is stored

    def _push_one(self, trigger, session, with_commit):
        """Run this booking's steps, applying and committing each outcome as it comes. Returns the
        booking's state, or "busy", "contention", "error" (counted by the concurrency tests and
        the fault campaign)."""
        attempt = Attempt(trigger)
        try:
            for outcome in self._steps(trigger, attempt, session):
                self._apply_outcome(outcome, attempt)
                if with_commit:
                    # Commit per step, like account_edi: a booking Octopus holds must never be
                    # forgotten by a later rollback, and "sending" must be on disk before the POST.
                    self.env.cr.commit()  # pylint: disable=invalid-commit
                    if outcome.relock and not self._lock_due([("id", "=", self.id), ("state", "=", "sending")]):
                        return "busy"
                if outcome.park:
                    self._park_queue()
                    if with_commit:
                        self.env.cr.commit()  # pylint: disable=invalid-commit
        except JournalBusy:
            # Its journal has a booking on its way elsewhere: nothing is sent; a read-back is kept.
            session.skip_busy(self)
            if with_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
            return "busy"
        except NotSent as exc:
            if not with_commit:
                raise exc.__cause__ from exc
            self.env.cr.rollback()  # the concurrent update aborted the transaction; "sending" is committed
            self._apply_outcome(exc.outcome, attempt)
            self.env.cr.commit()  # pylint: disable=invalid-commit
            return "contention"
        except CONCURRENCY_ERRORS as exc:
            if not with_commit:
                raise
            # Another worker wrote the same rows (call counters, tokens, journal numbers) meanwhile.
            self.env.cr.rollback()
            _logger.info(
                "Octopus booking %s met a concurrent update (%s); tried again later.", self.id, type(exc).__name__
            )
            return "contention"
        except Exception:
            if not with_commit:
                raise
            # Back to the last committed state: before the POST nothing happened, after it the
            # committed "sending" makes a later run check Octopus. The other bookings go on.
            self.env.cr.rollback()
            _logger.exception("Octopus booking %s failed unexpectedly; tried again later.", self.id)
            return "error"
        finally:
            session.release_journals()
        return self.state

    # -- the steps of one booking ----------------------------------------------------------------

    def _steps(self, trigger, attempt, session):
        """Yield the outcomes of this booking's push, one per committed step."""
        dossier = self.company_id.octopus_dossier_id
        if trigger == "cron" and dossier._octopus_push_paused():
            yield self._parked(dossier)
            return
        if self.check_needed:
            try:
                with self.env.cr.savepoint():
                    landed = self._settle(session, attempt)
            except CONCURRENCY_ERRORS:
                raise
            except (*OCTOPUS_FAILURES, Undecided, UserError) as exc:
                yield self._unsettled(exc, attempt)
                return
            except Exception as exc:  # noqa: BLE001 (a bug must not stop the others; nothing is sent blind)
                _logger.exception("Octopus booking %s: checking a lost reply failed", self.id)
                yield self._unsettled(exc, attempt)
                return
            if landed:
                yield from self._booked(landed, attempt, session, adopted=True)
                return
            self.write({"check_needed": False, "document_nr": 0})
        if self._numbered_journal():
            session.hold_journal(self.env.cr, self._numbered_journal().id)  # before any work: JournalBusy
        try:
            with self.env.cr.savepoint():
                prepared = self._prepare(session)
        except CONCURRENCY_ERRORS:
            raise
        except CheckFailed as exc:
            # The fix is often in the invoice itself (a tax, a date): draft, fix, confirm sends it again.
            yield self._failed(
                " ".join(
                    [
                        *exc.problems,
                        self.env._(
                            "Then press Send to Octopus; to change the invoice itself: reset it to draft, fix it and "
                            "confirm it again, it is sent by itself."
                        ),
                    ]
                ),
                attempt,
            )
            return
        except OCTOPUS_FAILURES as exc:
            yield self._refused(exc, attempt)
            return
        except UserError as exc:
            yield self._failed(exc.args[0], attempt)
            return
        except Exception as exc:  # noqa: BLE001 (a bug must not stop the other bookings)
            _logger.exception("Octopus booking %s: preparing it failed", self.id)
            yield self._failed(
                self.env._("Unexpected error while preparing the booking: %(error)s", error=exc), attempt
            )
            return
        attempt.pdf_note = prepared.pdf_note
        try:
            with self.env.cr.savepoint():
                held = self._possible_duplicate(session, prepared, attempt)
        except CONCURRENCY_ERRORS:
            raise
        except OCTOPUS_FAILURES as exc:
            yield self._refused(exc, attempt)
            return
        if held:
            yield held
            return
        yield from self._send(prepared, attempt, session)

    def _send(self, prepared, attempt, session):
        """POST with the journal's next number; renumber when Octopus says someone booked meanwhile."""
        previous_state = self.state
        year = prepared.journal_year
        for _round in range(NUMBER_ROUNDS):
            nr = year._reserve_number()
            now = fields.Datetime.now()
            # Recorded and committed before the POST, so a crash leaves a trace to check.
            yield Outcome(
                "sending",
                relock=True,
                values={
                    "document_nr": nr,
                    "journal_key": prepared.journal_key,
                    "bookyear_id": prepared.bookyear.id,
                    "sent_at": now,
                    "check_needed": True,
                    "next_try": now + SENDING_GRACE,
                    "pdf_follows": prepared.pdf_follows,
                    **({"sent_fingerprint": prepared.fingerprint} if prepared.fingerprint else {}),
                },
            )
            attempt.request(prepared.summary % {"nr": nr})
            try:
                prepared.insert(prepared.build(nr))
            except errors.IllegalDocumentNumber as exc:
                attempt.error(exc)
                self.write({"check_needed": False, "document_nr": 0})  # refused: not stored
                year._release_number(nr)
                try:
                    landed = self._renumber(prepared, exc, attempt, session)
                except (*OCTOPUS_FAILURES, Undecided) as read_exc:
                    yield self._refused(read_exc, attempt)
                    return
                if landed:
                    yield from self._booked(landed, attempt, session, adopted=True)
                    return
                continue
            except CONCURRENCY_ERRORS as exc:
                # Raised by the call counter before the request left: nothing was sent.
                raise NotSent(
                    Outcome(previous_state, release=(year, nr), values={"check_needed": False, "document_nr": 0})
                ) from exc
            except Exception as exc:  # noqa: BLE001 (every failure has an outcome; unknown ones are checked)
                yield self._refused(exc, attempt, sent=(year, nr))
                return
            yield from self._booked(nr, attempt, session)
            return
        message = self.env._(
            "Octopus journal %(journal)s keeps moving on (others book in it right now); tried again in a few minutes.",
            journal=prepared.journal_key,
        )
        yield self._retry_later(message, attempt)

    def _renumber(self, prepared, exc, attempt, session):
        """Someone booked in the journal meanwhile: learn its last number, and before trying the next one
        make sure the booking Octopus holds is not ours from an earlier try whose reply was lost.
        Returns that booking's number if it is ours."""
        last = exc.last_document_nr
        if last is None:
            self.company_id.octopus_dossier_id._refresh_journal_numbers(prepared.bookyear)
            last = prepared.journal_year.last_document_nr
        prepared.journal_year._set_last_number(last)
        attempt.request(f"journal {prepared.journal_key} ends at {last}")
        first_lost = self._first_lost_reply()
        if first_lost:
            return self._find_own(session, since=first_lost)
        return False

    def _first_lost_reply(self):
        attempts = self.attempt_ids.filtered(lambda a: a.outcome == "uncertain")
        return min(attempts.mapped("create_date")) if attempts else False

    # -- lost replies ------------------------------------------------------------------------------

    def _settle(self, session, attempt):
        """Did the send whose reply was lost reach Octopus? Its number if so, else False. Reads only.

        The journal's last number first (one read): below ours, it did not land. Otherwise the
        bookings modified since (48 a day, rather than single reads at 10 a day) are compared
        on number, reference and amount.
        """
        nr, key, bookyear = self.document_nr, self.journal_key, self.bookyear_id
        if not (nr and key and bookyear):
            return False
        dossier = self.company_id.octopus_dossier_id
        years = dossier._refresh_journal_numbers(bookyear, use_reserve=True)
        year = years.filtered(lambda y: y.journal_id.key == key)
        last = year.last_document_nr if year else 0
        attempt.request(f"checked Octopus: journal {key} ends at {last}, ours was {nr}")
        if last < nr:
            return False
        return self._find_own(session, nr=nr)

    def _find_own(self, session, nr=None, since=None):
        """Our booking's number among those Octopus lists (optionally: the one numbered `nr`)."""
        dossier_api = session.api(self.company_id.octopus_dossier_id, reserve=True)
        since = (since or self.sent_at or fields.Datetime.now()) - timedelta(days=1)
        bookyear_key = self.bookyear_id.octopus_key
        modified = (
            dossier_api.modified_buysell_bookings if self.kind == "invoice" else dossier_api.modified_financial_bookings
        )
        listing = modified(bookyear_key, self.journal_key, since)
        own = self._own_booking(listing, nr)
        if own:
            return own["documentSequenceNr"]
        if nr is None or any(b.get("documentSequenceNr") == nr for b in listing):
            return False  # the number is someone else's: ours was never stored
        if self.kind == "invoice":
            try:
                single = dossier_api.get_buysell_booking(bookyear_key, self.journal_key, nr)
            except errors.NotFound:
                return False
            return nr if self._own_booking([single], nr) else False
        raise Undecided(self.env._("Octopus lists no payment numbered %(nr)s yet.", nr=nr))
