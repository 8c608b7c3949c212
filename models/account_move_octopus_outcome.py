import logging
from datetime import timedelta

import requests

from odoo import fields, models
from odoo.tools import SQL

from ..octopus import errors
from .account_move import CRON_XMLID, pending_sql
from .octopus_push_run import INVOICE, PAYMENT

_logger = logging.getLogger(__name__)

CHECK_DELAY = timedelta(minutes=5)  # give Octopus time before reading back a lost reply
BACKOFF_MINUTES = (5, 15, 60, 180, 360)  # then failed
OCTOPUS_FAILURES = (errors.OctopusError, requests.RequestException)
PARKABLE = ("to_send", "uncertain", "waiting")  # due moves a paused dossier parks at once (not "sending")


class AccountMove(models.Model):
    """What a push attempt ends in: the move's state and message, an attempt record, one chatter note.

    sent · uncertain (reply lost: checked before any resend) · waiting (lock, daily limit, network,
    with the next try) · failed (a person must fix something; the message says what).
    """

    # account.move's Octopus side is split by concern (account_move*.py), each file under 400 lines.
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    # -- outcomes ---------------------------------------------------------------------------------

    def _octopus_booked(self, kind, nr, attempt, session, with_commit, adopted=False):
        now = fields.Datetime.now()
        vals = {kind.state: "sent", kind.document_nr: nr, kind.check_needed: False, kind.sent_at: now,
                "octopus_next_try": False, "octopus_retry_count": 0, "octopus_waiting_reason": False}
        if kind is INVOICE and self.journal_id.octopus_payment_journal_id and not self.octopus_payment_state:
            vals["octopus_payment_state"] = "to_send"
        self.write(vals)
        self._octopus_keep_number(self._octopus_journal_year(kind), nr)
        number = self.octopus_number if kind is INVOICE else self.octopus_payment_number
        if kind is INVOICE:
            message = self.env._("Booked in Octopus as %(number)s.", number=number)
            if adopted:
                message = self.env._("Octopus had stored the booking although its answer was lost: booked as "
                                     "%(number)s (found in Octopus, not sent again).", number=number)
            extra = self._octopus_after_booking(session, attempt)
        else:
            message = self.env._("Payment booked in Octopus as %(number)s.", number=number)
            extra = ""
        message = " ".join(filter(None, [message, attempt.pdf_note if kind is INVOICE else "", extra]))
        self.write({kind.message: message})
        attempt.save(self, "adopted" if adopted else "sent", message)
        self._octopus_note(message)
        self.company_id.octopus_dossier_id._octopus_push_resumed()
        self._octopus_commit(with_commit)
        return "sent"

    def _octopus_journal_year(self, kind):
        dossier = self.company_id.octopus_dossier_id
        journal = dossier.journal_ids.filtered(lambda j: j.key == self[kind.journal_key])
        return journal._year_for(self.octopus_bookyear_id) if journal else self.env["octopus.journal.year"]

    def _octopus_refused(self, kind, exc, attempt, with_commit, sent_nr=None, journal_year=None):
        """The outcome of an Octopus error (or any failure while the booking was on its way)."""
        attempt.error(exc)
        dossier = self.company_id.octopus_dossier_id
        if sent_nr and (isinstance(exc, errors.OutcomeUnknown) or not isinstance(exc, errors.OctopusError)):
            if not isinstance(exc, errors.OctopusError):
                _logger.exception("Octopus push of move %s: unexpected error while sending", self.id)
            return self._octopus_uncertain(kind, exc, attempt, with_commit)
        if sent_nr:  # Octopus answered (or the request never left): the booking was not stored
            self.write({kind.check_needed: False, kind.document_nr: 0})
            self._octopus_release_number(journal_year, sent_nr)
        if isinstance(exc, errors.DailyLimitReached):
            until = dossier._octopus_pause_push("limit")
            message = self.env._("Octopus' daily call limit is reached (%(detail)s). Sending resumes "
                                 "automatically tomorrow.", detail=exc)
            return self._octopus_wait(kind, "limit", until, message, attempt, with_commit)
        if isinstance(exc, errors.JournalLocked):
            until = dossier._octopus_pause_push("lock")
            dossier._octopus_notify_lock(self)
            message = self.env._("The Octopus journal is open by another user, so Octopus refuses bookings. Odoo "
                                 "tries again every hour and sends it once the journal is closed in Octopus; press "
                                 "Retry to try at once.")
            return self._octopus_wait(kind, "lock", until, message, attempt, with_commit)
        if isinstance(exc, (errors.TransientError, requests.RequestException)):
            return self._octopus_retry_later(kind, self.env._("Octopus cannot be reached: %(detail)s",
                                                              detail=exc), attempt, with_commit)
        return self._octopus_failed(kind, self._octopus_refusal_message(exc), attempt, with_commit)

    def _octopus_uncertain(self, kind, exc, attempt, with_commit):
        next_try = fields.Datetime.now() + CHECK_DELAY
        message = self.env._("Octopus' answer was lost (%(detail)s). Odoo checks in Octopus whether the booking "
                             "arrived before sending anything again.", detail=exc)
        self.write({kind.state: "uncertain", kind.message: message, "octopus_next_try": next_try,
                    "octopus_waiting_reason": False})
        attempt.save(self, "uncertain", message)
        self._octopus_note(message)
        self.env.ref(CRON_XMLID)._trigger(at=next_try)
        self._octopus_commit(with_commit)
        return "uncertain"

    def _octopus_unsettled(self, kind, exc, attempt, with_commit):
        """Reading back a lost reply failed: stay uncertain (never send blind), try again later."""
        attempt.error(exc)
        if isinstance(exc, errors.DailyLimitReached):  # a read-back limit: only this check waits
            next_try = self.company_id.octopus_dossier_id._octopus_resume_time("limit")
        else:
            next_try = self._octopus_backoff()
        detail = self.company_id.octopus_dossier_id.connection_id._error_message(exc) \
            if isinstance(exc, OCTOPUS_FAILURES) else str(exc)
        if next_try:
            message = self.env._("Could not check yet whether Octopus stored the booking: %(detail)s Checked "
                                 "again later; nothing is sent before.", detail=detail)
            self.write({kind.state: "uncertain", kind.message: message, "octopus_next_try": next_try})
            attempt.save(self, "uncertain", message)
            self.env.ref(CRON_XMLID)._trigger(at=next_try)
        else:
            message = self.env._("Could not check whether Octopus stored the booking: %(detail)s Look for it in "
                                 "Octopus: press Retry to check again, or (managers) Mark as sent.", detail=detail)
            self.write({kind.state: "failed", kind.message: message, "octopus_next_try": False})
            attempt.save(self, "failed", message)
            self._octopus_note(message)
        self._octopus_commit(with_commit)
        return "uncertain"

    def _octopus_wait(self, kind, reason, until, message, attempt, with_commit):
        """This move met the lock or the daily limit that now pauses its dossier: it waits, and so
        does the rest of the company's queue."""
        starts_waiting = self.octopus_waiting_reason != reason  # one note, not one per hourly retry
        self.write({kind.state: "waiting", kind.message: message, "octopus_waiting_reason": reason,
                    "octopus_next_try": until})
        attempt.save(self, "waiting", message)
        if starts_waiting:
            self._octopus_note(message)
        self.env.ref(CRON_XMLID)._trigger(at=until)
        self._octopus_commit(with_commit)  # this move's outcome first: parking the others may meet contention
        self._octopus_lock_due_of_company()._octopus_park(self.company_id.octopus_dossier_id)
        self._octopus_commit(with_commit)
        return "waiting"

    def _octopus_wait_for_dossier(self, dossier, with_commit):
        """The dossier is paused (journal open in Octopus, daily limit): join the queue without
        calling Octopus, with the rest of the company's due moves."""
        (self | self._octopus_lock_due_of_company())._octopus_park(dossier)
        self._octopus_commit(with_commit)
        return "waiting"

    def _octopus_park(self, dossier):
        """Wait until the dossier's pause ends, in one write for all these moves rather than one
        commit each: a daily limit met by a backlog of thousands would otherwise have the cron
        rewrite every one of them, every day. A lost reply stays uncertain: checked first."""
        until, reason = dossier.push_paused_until, dossier.push_pause_reason
        when = f"{until:%Y-%m-%d %H:%M}"
        if reason == "lock":
            message = self.env._("Waiting: the Octopus journal is open by another user. Sent automatically "
                                 "once it is closed in Octopus (next try %(when)s UTC).", when=when)
        else:
            message = self.env._("Waiting: Octopus' daily call limit is reached. Sent automatically from "
                                 "%(when)s UTC.", when=when)
        for kind in (INVOICE, PAYMENT):
            of_kind = self.filtered(lambda m, k=kind: m._octopus_pending_kind() is k)
            uncertain = of_kind.filtered(lambda m, k=kind: m[k.state] == "uncertain")
            uncertain.write({"octopus_next_try": until})
            (of_kind - uncertain).write({kind.state: "waiting", "octopus_waiting_reason": reason,
                                         kind.message: message, "octopus_next_try": until})

    def _octopus_lock_due_of_company(self):
        """The other moves of this move's company that are due now, row-locked; those another worker
        holds, or is sending, are left to it."""
        self.env.cr.execute(SQL("""SELECT id FROM account_move
                                    WHERE company_id = %(company)s AND id != %(id)s AND %(parkable)s
                                      AND (octopus_next_try IS NULL OR octopus_next_try <= %(now)s)
                                    ORDER BY id FOR UPDATE SKIP LOCKED""",
                                company=self.company_id.id, id=self.id, parkable=pending_sql(PARKABLE),
                                now=fields.Datetime.now()))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _octopus_retry_later(self, kind, message, attempt, with_commit):
        next_try = self._octopus_backoff()
        if not next_try:
            return self._octopus_failed(kind, self.env._("%(message)s Gave up after %(count)s tries: press Retry "
                                                         "once Octopus answers again.", message=message,
                                                         count=len(BACKOFF_MINUTES) + 1), attempt, with_commit)
        starts_waiting = self.octopus_waiting_reason != "network"
        self.write({kind.state: "waiting", kind.message: message, "octopus_next_try": next_try,
                    "octopus_waiting_reason": "network"})
        attempt.save(self, "retry", message)
        if starts_waiting:
            self._octopus_note(message)
        self.env.ref(CRON_XMLID)._trigger(at=next_try)
        self._octopus_commit(with_commit)
        return "waiting"

    def _octopus_backoff(self):
        """Next try after one more failure (5 min, 15 min, 1 h, 3 h, 6 h), or False when given up."""
        count = self.octopus_retry_count + 1
        self.octopus_retry_count = count
        if count > len(BACKOFF_MINUTES):
            return False
        return fields.Datetime.now() + timedelta(minutes=BACKOFF_MINUTES[count - 1])

    def _octopus_failed(self, kind, message, attempt, with_commit):
        self.write({kind.state: "failed", kind.message: message, "octopus_next_try": False,
                    "octopus_waiting_reason": False})
        attempt.save(self, "failed", message)
        self._octopus_note(self.env._("Not booked in Octopus: %(message)s", message=message))
        self._octopus_commit(with_commit)
        return "failed"

    def _octopus_commit(self, with_commit):
        """Commit per step, like account_edi: a booking Octopus holds must never be forgotten by a later
        rollback. Only the cron and buttons pass with_commit (never the posting path, never tests)."""
        if with_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit

    # -- messages ------------------------------------------------------------------------------

    def _octopus_refusal_message(self, exc):
        """What Octopus refused and what to fix, with Octopus' own words."""
        dossier = self.company_id.octopus_dossier_id
        fixes = [
            (errors.JournalClosed, self.env._("The Octopus journal or period is closed: ask the accountant to reopen "
                                              "it, or change the invoice date; then press Retry.")),
            (errors.PeriodProtected, self.env._("The Octopus period is protected: ask the accountant to unprotect it, "
                                                "or change the invoice date; then press Retry.")),
            (errors.UnknownPeriod, self.env._("Octopus does not know this period: synchronise the bookyears, then "
                                              "press Retry.")),
            (errors.UnknownJournal, self.env._("Octopus does not know this journal: synchronise the bookyears and "
                                               "check the journal's Octopus mapping, then press Retry.")),
            (errors.UnknownAccount, self.env._("Octopus does not know an account of this booking: fix the account "
                                               "mapping (see the dossier's mapping check), then press Retry.")),
            (errors.UnknownVatCode, self.env._("Octopus does not know a VAT code of this booking: fix the tax "
                                               "mapping, then press Retry.")),
            (errors.UnknownRelation, self.env._("Octopus does not know the customer or supplier: press Retry to look "
                                                "it up again.")),
            (errors.InvalidAmounts, self.env._("Octopus refused the amounts: check the lines' taxes, then press "
                                               "Retry.")),
            (errors.BookingRefused, self.env._("Fix the invoice or the mapping, then press Retry.")),
        ]
        if isinstance(exc, errors.UnknownRelation):
            # sudo: the cached link is the addon's; a wrong one must go so Retry looks it up again
            self.env["octopus.relation.link"].sudo().search([
                ("dossier_id", "=", dossier.id), ("partner_id", "=", self.commercial_partner_id.id)]).unlink()
        fix = next((text for cls, text in fixes if isinstance(exc, cls)), "")
        if fix:
            return self.env._("Octopus refused the booking: %(detail)s. %(fix)s", detail=str(exc).rstrip(". "), fix=fix)
        return dossier.connection_id._error_message(exc)

    def _octopus_refresh_closed_journals(self):
        """Read again the journals our copies say are closed, before a Retry trusts those copies."""
        done = set()
        for move in self.filtered(lambda m: m.octopus_state in ("to_send", "uncertain")):
            dossier = move.company_id.octopus_dossier_id
            period = dossier._period_for_date(move._octopus_date()) if dossier else False
            journal = move.journal_id.octopus_journal_id
            if not (period and journal) or (dossier.id, period.bookyear_id.id) in done:
                continue
            if not move._octopus_journal_year_problems(journal, period):
                continue
            done.add((dossier.id, period.bookyear_id.id))
            try:
                dossier._refresh_journal_numbers(period.bookyear_id)
            except errors.OctopusError as exc:
                _logger.info("Octopus journals of dossier %s not read again: %s", dossier.id, exc)
