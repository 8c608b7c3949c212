import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..octopus import errors
from .account_move import CRON_XMLID, PENDING, pending_sql
from .account_move_octopus_outcome import OCTOPUS_FAILURES
from .octopus_push_run import (CONCURRENCY_ERRORS, INVOICE, PAYMENT, Attempt, CheckFailed, PushSession,
                               Undecided)

_logger = logging.getLogger(__name__)

SENDING_GRACE = timedelta(minutes=10)  # a "sending" move older than this belongs to a crashed worker
NUMBER_ROUNDS = 5  # "illegal document number" answers in a row before giving the journal a rest


class AccountMove(models.Model):
    """The push: the cron drains the outbox one move at a time (row lock, commit per move).

    For each booking (the invoice, then its payment): read back a send whose reply was lost,
    check and prepare without network, take the journal's next number, write "sending" and
    commit, POST, write the outcome and commit. No HTTP ever runs inside the posting transaction.
    """

    # account.move's Octopus side is split by concern (account_move*.py), each file under 400 lines.
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _cron_octopus_push(self, batch_size=50, with_commit=None):
        """Send what is due, oldest first, committing after each step. ``with_commit=False`` keeps
        everything in the caller's transaction; by default only tests do (their cursor cannot commit)."""
        if with_commit is None:
            with_commit = self._octopus_can_commit()
        due = self.search(self._octopus_due_domain(), order="invoice_date, id", limit=batch_size + 1)
        todo = due[:batch_size]
        todo._octopus_process("cron", with_commit)
        remaining = self.search_count(self._octopus_due_domain()) if len(due) > batch_size else 0
        self.env["ir.cron"]._notify_progress(done=len(todo), remaining=remaining)
        if remaining:
            self.env.ref(CRON_XMLID)._trigger()

    @api.model
    def _octopus_due_domain(self):
        """Moves to push now. Those of a company whose connection is inactive (paused, or a
        neutralised copy) wait in the queue without being due, so they never fill a batch."""
        now = fields.Datetime.now()
        return ["|", ("octopus_state", "in", PENDING),
                "&", ("octopus_state", "=", "sent"), ("octopus_payment_state", "in", PENDING),
                "|", ("octopus_next_try", "=", False), ("octopus_next_try", "<=", now),
                ("company_id.octopus_dossier_ids.connection_id.active", "=", True)]

    def _octopus_process(self, trigger, with_commit):
        """Push each move with its own company's dossier (the cron user is nobody's company)."""
        session = PushSession()
        moves = self.with_context(octopus_count_apart=True) if with_commit else self
        try:
            for move in moves:
                move = move.with_company(move.company_id)
                if not move.company_id.octopus_dossier_id.connection_id.active:
                    continue  # a deactivated connection pauses its moves (neutralised copies too)
                for _round in range(3):
                    if move._octopus_push_one(trigger, with_commit, session) != "contention":
                        break
        finally:
            session.close()

    def _octopus_push_one(self, trigger, with_commit, session):
        """Push this move's next booking; 'sent', 'busy' (another worker has it), 'contention'..."""
        self.ensure_one()
        # Lock in a fresh transaction: under REPEATABLE READ, locking a row another worker changed
        # after this transaction's snapshot fails with a serialization error, and a move skipped as
        # busy left the snapshot of the previous one open (the full fault campaign met thousands).
        self._octopus_commit(with_commit)
        try:
            if not self._octopus_lock(due_only=trigger == "cron"):
                return "busy"
            kind = self._octopus_pending_kind()
            if not kind:
                return "nothing"
            result = self._octopus_push_document(kind, trigger, with_commit, session)
            if kind is INVOICE and result == "sent" and self.octopus_payment_state == "to_send":
                result = self._octopus_push_one(trigger, with_commit, session)  # its payment, now
            return result
        except CONCURRENCY_ERRORS as exc:
            if not with_commit:
                raise
            # Another worker wrote the same rows (call counters, tokens, journal numbers) meanwhile.
            self.env.cr.rollback()
            _logger.info("Octopus push of move %s met a concurrent update (%s); tried again later.",
                         self.id, type(exc).__name__)
            return "contention"
        except Exception:
            if not with_commit:
                raise
            # Back to the last committed state: before the POST nothing happened, after it the
            # committed "sending" makes the next run check Octopus. The other moves go on.
            self.env.cr.rollback()
            _logger.exception("Octopus push of move %s failed unexpectedly; tried again later.", self.id)
            return "error"

    def _octopus_pending_kind(self):
        """The booking of this move still to reach Octopus: the invoice's, then its payment's; None
        when neither (the SQL twin: pending_sql)."""
        if self.octopus_state in PENDING:
            return INVOICE
        if self.octopus_state == "sent" and self.octopus_payment_state in PENDING:
            return PAYMENT
        return None

    def _octopus_lock(self, due_only):
        """Lock this move's row unless another worker holds it, and only while it still has work.

        One row at a time: a commit releases every lock, so a batch lock would not hold.
        """
        self.env.flush_all()
        query = SQL("""SELECT id FROM account_move
                        WHERE id = %(id)s AND %(pending)s
                          AND (%(any_time)s OR octopus_next_try IS NULL OR octopus_next_try <= %(now)s)
                          FOR UPDATE SKIP LOCKED""",
                    id=self.id, pending=pending_sql(), any_time=not due_only, now=fields.Datetime.now())
        self.env.cr.execute(query)
        if not self.env.cr.fetchone():
            return False
        self.invalidate_recordset()
        return True

    def _octopus_relock(self, kind):
        """After committing "sending": take the row again, still ours only if still sending."""
        self.env.cr.execute(SQL("SELECT id FROM account_move WHERE id = %s AND %s = 'sending' "
                                "FOR UPDATE SKIP LOCKED", self.id, SQL.identifier(kind.state)))
        return bool(self.env.cr.fetchone())

    # -- one booking ------------------------------------------------------------------------------

    def _octopus_push_document(self, kind, trigger, with_commit, session):
        dossier = self.company_id.octopus_dossier_id
        attempt = Attempt(trigger, kind)
        if trigger == "cron" and dossier._octopus_push_paused():
            return self._octopus_wait_for_dossier(dossier, with_commit)
        if self[kind.check_needed]:
            try:
                with self.env.cr.savepoint():
                    landed = self._octopus_settle(kind, session, attempt)
            except CONCURRENCY_ERRORS:
                raise
            except (*OCTOPUS_FAILURES, Undecided, UserError) as exc:
                return self._octopus_unsettled(kind, exc, attempt, with_commit)
            except Exception as exc:  # a bug must not stop the other invoices; nothing is sent blind
                _logger.exception("Octopus push of move %s: checking a lost reply failed", self.id)
                return self._octopus_unsettled(kind, exc, attempt, with_commit)
            if landed:
                return self._octopus_booked(kind, landed, attempt, session, with_commit, adopted=True)
            self.write({kind.check_needed: False, kind.document_nr: 0})
        try:
            with self.env.cr.savepoint():
                prepared = self._octopus_prepare(kind, session)
        except CONCURRENCY_ERRORS:
            raise
        except CheckFailed as exc:
            return self._octopus_failed(kind, " ".join(exc.problems), attempt, with_commit)
        except OCTOPUS_FAILURES as exc:
            return self._octopus_refused(kind, exc, attempt, with_commit)
        except UserError as exc:
            return self._octopus_failed(kind, exc.args[0], attempt, with_commit)
        except Exception as exc:  # a bug must not stop the other invoices
            _logger.exception("Octopus push of move %s: preparing the booking failed", self.id)
            return self._octopus_failed(kind, self.env._("Unexpected error while preparing the booking: %(error)s",
                                                         error=exc), attempt, with_commit)
        attempt.pdf_note = prepared.pdf_note
        return self._octopus_send(kind, prepared, attempt, session, with_commit)

    def _octopus_send(self, kind, prepared, attempt, session, with_commit):
        """POST with the journal's next number; renumber when Octopus says someone booked meanwhile."""
        previous_state = self[kind.state]
        for _round in range(NUMBER_ROUNDS):
            nr = self._octopus_reserve_number(prepared.journal_year)
            if not self._octopus_mark_sending(kind, prepared, nr, with_commit):
                return "busy"
            attempt.request(prepared.summary % {"nr": nr})
            try:
                prepared.insert(prepared.build(nr))
            except errors.IllegalDocumentNumber as exc:
                attempt.error(exc)
                self.write({kind.check_needed: False, kind.document_nr: 0})  # refused: not stored
                self._octopus_release_number(prepared.journal_year, nr)
                try:
                    landed = self._octopus_renumber(kind, prepared, exc, attempt, session)
                except (*OCTOPUS_FAILURES, Undecided) as read_exc:
                    return self._octopus_refused(kind, read_exc, attempt, with_commit)
                if landed:
                    return self._octopus_booked(kind, landed, attempt, session, with_commit, adopted=True)
                continue
            except CONCURRENCY_ERRORS:
                # Raised by the call counter before the request left: nothing was sent.
                if not with_commit:
                    raise
                self.env.cr.rollback()
                self.write({kind.state: previous_state, kind.check_needed: False, kind.document_nr: 0,
                            "octopus_next_try": False})
                self._octopus_release_number(prepared.journal_year, nr)
                self._octopus_commit(with_commit)
                return "contention"
            except Exception as exc:  # noqa: BLE001 (every failure has an outcome; unknown ones are checked)
                return self._octopus_refused(kind, exc, attempt, with_commit, sent_nr=nr,
                                             journal_year=prepared.journal_year)
            return self._octopus_booked(kind, nr, attempt, session, with_commit)
        message = self.env._("Octopus journal %(journal)s keeps moving on (others book in it right now); "
                             "tried again in a few minutes.", journal=prepared.journal_key)
        return self._octopus_retry_later(kind, message, attempt, with_commit)

    def _octopus_renumber(self, kind, prepared, exc, attempt, session):
        """Someone booked in the journal meanwhile: learn its last number, and before trying the next one
        make sure the booking Octopus holds is not ours from an earlier try whose reply was lost.
        Returns that booking's number if it is ours."""
        last = exc.last_document_nr
        if last is None:
            self.company_id.octopus_dossier_id._refresh_journal_numbers(prepared.bookyear)
            last = prepared.journal_year.last_document_nr
        self._octopus_set_last_number(prepared.journal_year, last)
        attempt.request(f"journal {prepared.journal_key} ends at {last}")
        if self._octopus_had_lost_reply(kind):
            return self._octopus_find_own(kind, session, since=self._octopus_first_lost_reply(kind))
        return False

    def _octopus_mark_sending(self, kind, prepared, nr, with_commit):
        """Record the number about to be sent and commit it, so a crash leaves a trace to check."""
        now = fields.Datetime.now()
        vals = {kind.state: "sending", kind.document_nr: nr, kind.journal_key: prepared.journal_key,
                kind.sent_at: now, kind.check_needed: True, "octopus_next_try": now + SENDING_GRACE}
        if kind is INVOICE:
            vals["octopus_bookyear_id"] = prepared.bookyear.id
        self.write(vals)
        if not with_commit:
            return True
        self._octopus_commit(with_commit)
        return self._octopus_relock(kind)

    # -- numbers -----------------------------------------------------------------------------------

    def _octopus_reserve_number(self, year):
        """Last number + 1, counted at once so a parallel push of the same journal takes the next."""
        year.flush_recordset(["last_document_nr"])
        self.env.cr.execute("UPDATE octopus_journal_year SET last_document_nr = last_document_nr + 1 "
                            "WHERE id = %s RETURNING last_document_nr", [year.id])
        nr = self.env.cr.fetchone()[0]
        year.invalidate_recordset(["last_document_nr"])
        return nr

    def _octopus_release_number(self, year, nr):
        """Give back a number Octopus did not take, unless a later push already took the next."""
        self._octopus_number_sql(
            "UPDATE octopus_journal_year SET last_document_nr = %s WHERE id = %s AND last_document_nr = %s",
            [nr - 1, year.id, nr], year)

    def _octopus_set_last_number(self, year, last):
        self._octopus_number_sql("UPDATE octopus_journal_year SET last_document_nr = %s WHERE id = %s",
                                 [last, year.id], year)

    def _octopus_keep_number(self, year, nr):
        self._octopus_number_sql("UPDATE octopus_journal_year SET last_document_nr = GREATEST(last_document_nr, %s) "
                                 "WHERE id = %s", [nr, year.id], year)

    def _octopus_number_sql(self, query, params, year):
        """The local number is a hint (Octopus checks every number): a concurrent update may win."""
        year.flush_recordset(["last_document_nr"])
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, params)
        except CONCURRENCY_ERRORS:
            _logger.info("Octopus journal number of %s updated concurrently; kept the other value.", year.id)
        year.invalidate_recordset(["last_document_nr"])

    # -- lost replies ------------------------------------------------------------------------------

    def _octopus_settle(self, kind, session, attempt):
        """Did the send whose reply was lost reach Octopus? Its number if so, else False. Reads only.

        The journal's last number first (one read): below ours, it did not land. Otherwise the
        bookings modified since (48 a day, rather than single reads at 10 a day) are compared
        on number, reference and amount.
        """
        nr, key, bookyear = self[kind.document_nr], self[kind.journal_key], self.octopus_bookyear_id
        if not (nr and key and bookyear):
            return False
        dossier = self.company_id.octopus_dossier_id
        years = dossier._refresh_journal_numbers(bookyear, use_reserve=True)
        year = years.filtered(lambda y: y.journal_id.key == key)
        last = year.last_document_nr if year else 0
        attempt.request(f"checked Octopus: journal {key} ends at {last}, ours was {nr}")
        if last < nr:
            return False
        return self._octopus_find_own(kind, session, nr=nr)

    def _octopus_find_own(self, kind, session, nr=None, since=None):
        """Our booking's number among those Octopus lists (optionally: the one numbered `nr`)."""
        dossier = self.company_id.octopus_dossier_id
        dossier_api = session.api(dossier, reserve=True)
        since = (since or self[kind.sent_at] or fields.Datetime.now()) - timedelta(days=1)
        bookyear_key, journal_key = self.octopus_bookyear_id.octopus_key, self[kind.journal_key]
        modified = dossier_api.modified_buysell_bookings if kind is INVOICE \
            else dossier_api.modified_financial_bookings
        listing = modified(bookyear_key, journal_key, since)
        own = self._octopus_own_booking(kind, listing, nr)
        if own:
            return own["documentSequenceNr"]
        if nr is None or any(b.get("documentSequenceNr") == nr for b in listing):
            return False  # the number is someone else's: ours was never stored
        if kind is INVOICE:
            try:
                single = dossier_api.get_buysell_booking(bookyear_key, journal_key, nr)
            except errors.NotFound:
                return False
            return nr if self._octopus_own_booking(kind, [single], nr) else False
        raise Undecided(self.env._("Octopus lists no payment numbered %(nr)s yet.", nr=nr))

    def _octopus_had_lost_reply(self, kind):
        return bool(self._octopus_first_lost_reply(kind))

    def _octopus_first_lost_reply(self, kind):
        attempts = self.octopus_attempt_ids.filtered(lambda a: a.outcome == "uncertain" and a.document == kind.name)
        return min(attempts.mapped("create_date")) if attempts else False
