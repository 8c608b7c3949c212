import logging
from dataclasses import replace
from datetime import timedelta

import requests

from odoo import fields, models

from ..octopus import errors
from ..octopus.booking import display_number
from .octopus_push_run import CONCURRENCY_ERRORS, Outcome

_logger = logging.getLogger(__name__)

CHECK_DELAY = timedelta(minutes=5)  # give Octopus time before reading back a lost reply
BACKOFF_MINUTES = (5, 15, 60, 180, 360)  # then failed
OCTOPUS_FAILURES = (errors.OctopusError, requests.RequestException)
PARKABLE = ("to_send", "uncertain", "waiting")  # due bookings a paused dossier parks at once (not "sending")


class OctopusBooking(models.Model):
    """What a push step ends in, and the one method that writes it (_apply_outcome).

    sent · uncertain (reply lost: checked before any resend) · waiting (lock, daily limit, network,
    with the next try) · held (possible duplicate: a manager decides) · failed (a person must fix
    something; the message says what).
    """

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    def _apply_outcome(self, outcome, attempt):
        """State (through the transition table), numbers, attempt row, chatter note, dossier pause;
        the parking of the company's queue follows in its own transaction (_park_queue)."""
        self.ensure_one()
        vals = {"state": outcome.state, **outcome.values}
        if outcome.message:
            vals["message"] = outcome.message
        self.write(vals)
        if outcome.release:
            outcome.release[0]._release_number(outcome.release[1])
        if outcome.keep:
            outcome.keep[0]._keep_number(outcome.keep[1])
        if outcome.logged:
            attempt.save(self, outcome.logged, outcome.message)
        if outcome.note:
            self._note(outcome.note)
        dossier = self.company_id.octopus_dossier_id
        if outcome.pause:
            dossier._octopus_pause_push(outcome.pause, self.next_try)
            if outcome.pause == "lock":
                dossier._octopus_notify_lock(self.move_id)
        if outcome.state == "held":
            self._hold_announced()
        if outcome.booked:
            self._queue_follow_ups()
            dossier._octopus_push_resumed()
            if self.pdf_follows:
                self._trigger_pdf_job()
        if outcome.wake_at:
            self._trigger_push(at=outcome.wake_at)
        if outcome.state != "sending":  # a request's length: open forms learn the outcome instead
            self._octopus_announce()

    def _park_queue(self):
        """After an outcome with `park`: the company's other due bookings wait with this one. Run in a
        transaction of its own (the loop commits before), so rows other workers committed meanwhile
        are in its snapshot; those it still clashes with are parked at their own turn."""
        dossier = self.company_id.octopus_dossier_id
        try:
            with self.env.cr.savepoint():
                self._lock_due_of_company()._park(dossier)
        except CONCURRENCY_ERRORS:
            _logger.info("Octopus queue of dossier %s parked by its own turns (concurrent update).", dossier.id)

    def _octopus_announce(self):
        """Tell open invoice forms their Octopus state changed (Odoo's bus, on commit): the invoicing
        users' group channel, which every invoicing user's browser listens to."""
        group = self.env.ref("account.group_account_invoice")
        self.env["bus.bus"]._sendone(group, "account_octopus/move_state", {"move_ids": self.move_id.ids})

    def _queue_follow_ups(self):
        """An invoice booked in Octopus: its payment booking follows when its journal books payments."""
        move = self.move_id
        if (
            self.kind == "invoice"
            and move.journal_id.octopus_payment_journal_id
            and not move._octopus_booking("payment")
        ):
            self.create({"move_id": move.id, "kind": "payment", "next_try": fields.Datetime.now()})

    # -- outcomes ---------------------------------------------------------------------------------

    def _booked(self, nr, attempt, session, adopted=False):
        number = display_number(self.bookyear_id.name, self.journal_key, nr)
        if self.kind == "payment":
            message = self.env._("Payment booked in Octopus as %(number)s.", number=number)
        elif adopted:
            message = self.env._(
                "Octopus had stored the booking although its answer was lost: booked as "
                "%(number)s (found in Octopus, not sent again).",
                number=number,
            )
        else:
            message = self.env._("Booked in Octopus as %(number)s.", number=number)
        message = " ".join(filter(None, [message, attempt.pdf_note if self.kind == "invoice" else ""]))
        year = self._journal_year()
        yield Outcome(
            "sent",
            message,
            "adopted" if adopted else "sent",
            note=message,
            booked=True,
            keep=(year, nr) if year else (),
            values={
                "document_nr": nr,
                "check_needed": False,
                "sent_at": fields.Datetime.now(),
                "retry_count": 0,
                "waiting_reason": False,
                "reread_journals": False,
            },
        )
        extra = self._after_booking(session, attempt) if self.kind == "invoice" else ""
        if extra:
            yield Outcome("sent", f"{message} {extra}", note=extra)

    def _journal_year(self):
        return self.env["octopus.journal.year"].search(
            [
                ("journal_id.dossier_id", "=", self.company_id.octopus_dossier_id.id),
                ("journal_id.key", "=", self.journal_key),
                ("bookyear_id", "=", self.bookyear_id.id),
            ],
            limit=1,
        )

    def _refused(self, exc, attempt, sent=()):
        """The outcome of an Octopus error (or any failure while the booking was on its way).
        `sent`: (journal year, number) when the POST had left."""
        attempt.error(exc)
        if sent and (isinstance(exc, errors.OutcomeUnknown) or not isinstance(exc, errors.OctopusError)):
            if not isinstance(exc, errors.OctopusError):
                _logger.exception("Octopus booking %s: unexpected error while sending", self.id)
            return self._uncertain(exc, attempt)
        outcome = self._refusal(exc, attempt)
        if sent:  # Octopus answered (or the request never left): the booking was not stored
            outcome = replace(outcome, release=sent, values={**outcome.values, "check_needed": False, "document_nr": 0})
        return outcome

    def _refusal(self, exc, attempt):
        dossier = self.company_id.octopus_dossier_id
        if isinstance(exc, errors.DailyLimitReached):
            return self._wait("limit", dossier._octopus_resume_time("limit"), attempt)
        if isinstance(exc, errors.JournalLocked):
            return self._wait("lock", dossier._octopus_resume_time("lock"), attempt)
        if isinstance(exc, (errors.TransientError, requests.RequestException)):
            return self._retry_later(self.env._("Octopus cannot be reached: %(detail)s", detail=exc), attempt)
        if isinstance(exc, errors.UnknownRelation):
            # sudo: the cached link is the addon's; a wrong one must go so Retry looks it up again
            self.env["octopus.relation.link"].sudo().search(
                [("dossier_id", "=", dossier.id), ("partner_id", "=", self.move_id.commercial_partner_id.id)]
            ).unlink()
        if isinstance(exc, (errors.UnknownCostCentre, errors.CostCentreClosed)):
            dossier.cost_centres_read_at = False  # Octopus' list changed: Retry reads it again
        return self._failed(self._refusal_message(exc), attempt)

    def _uncertain(self, exc, attempt):
        next_try = fields.Datetime.now() + CHECK_DELAY
        message = self.env._(
            "Octopus' answer was lost (%(detail)s). Odoo checks in Octopus whether the booking "
            "arrived before sending anything again.",
            detail=exc,
        )
        return Outcome(
            "uncertain",
            message,
            "uncertain",
            note=message,
            wake_at=next_try,
            values={"next_try": next_try, "waiting_reason": False},
        )

    def _unsettled(self, exc, attempt):
        """Reading back a lost reply failed: stay uncertain (never send blind), try again later."""
        attempt.error(exc)
        dossier = self.company_id.octopus_dossier_id
        count = self.retry_count
        if isinstance(exc, errors.DailyLimitReached):  # a read-back limit: only this check waits
            next_try = dossier._octopus_resume_time("limit")
        else:
            count, next_try = self._backoff()
        detail = dossier.connection_id._error_message(exc) if isinstance(exc, OCTOPUS_FAILURES) else str(exc)
        if next_try:
            message = self.env._(
                "Could not check yet whether Octopus stored the booking: %(detail)s Checked "
                "again later; nothing is sent before.",
                detail=detail,
            )
            return Outcome(
                "uncertain", message, "uncertain", wake_at=next_try, values={"next_try": next_try, "retry_count": count}
            )
        message = self.env._(
            "Could not check whether Octopus stored the booking: %(detail)s Look for it in "
            "Octopus: press Send to Octopus to check again, or, for managers, Octopus: mark as sent manually in "
            "the action menu.",
            detail=detail,
        )
        return Outcome("failed", message, "failed", note=message, values={"retry_count": count})

    def _wait(self, reason, until, attempt):
        """This booking met the lock or the daily limit that now pauses its dossier: it waits, and so
        does the rest of the company's queue (parked by _apply_outcome)."""
        message = self._waiting_message(reason, until)
        starts_waiting = self.waiting_reason != reason  # one note, not one per hourly retry
        return Outcome(
            "waiting",
            message,
            "waiting",
            note=message if starts_waiting else "",
            pause=reason,
            park=True,
            wake_at=until,
            values={"waiting_reason": reason, "next_try": until},
        )

    def _parked(self, dossier):
        """The dossier is paused (journal open in Octopus, daily limit): wait without calling Octopus,
        with the rest of the company's due queue. A lost reply stays uncertain: checked first."""
        until, reason = dossier.push_paused_until, dossier.push_pause_reason
        if self.state == "uncertain":
            return Outcome("uncertain", park=True, values={"next_try": until})
        return Outcome(
            "waiting",
            self._waiting_message(reason, until),
            park=True,
            values={"next_try": until, "waiting_reason": reason},
        )

    def _waiting_message(self, reason, until):
        """The one text of a booking waiting for its dossier's pause to end."""
        dossier = self.company_id.octopus_dossier_id
        if reason == "lock":
            return self.env._("Waiting: %(lock)s", lock=dossier._octopus_lock_text(until))
        return self.env._(
            "Waiting: Octopus' daily call limit is reached. Sent by itself from %(when)s.",
            when=dossier._octopus_time(until),
        )

    def _park(self, dossier):
        """Wait until the dossier's pause ends, in one write for all these bookings rather than one
        commit each: a daily limit met by a backlog of thousands would otherwise have the cron
        rewrite every one of them, every day."""
        until, reason = dossier.push_paused_until, dossier.push_pause_reason
        if not until:
            return
        uncertain = self.filtered(lambda b: b.state == "uncertain")
        uncertain.write({"next_try": until})
        # Rows already waiting keep their state: writing it again would recompute the stored summaries
        # of their moves (octopus_state and what depends on it) for every parked move, at every pause.
        waiting = self.filtered(lambda b: b.state == "waiting")
        values = {"waiting_reason": reason, "next_try": until, "message": self._waiting_message(reason, until)}
        waiting.write(values)
        (self - uncertain - waiting).write({"state": "waiting", **values})
        self._octopus_announce()

    def _lock_due_of_company(self):
        """The other due bookings of this booking's company, row-locked; those another worker holds,
        or is sending, are left to it."""
        return self._lock_due(
            [
                *self._due_domain(),
                ("company_id", "=", self.company_id.id),
                ("id", "!=", self.id),
                ("state", "in", PARKABLE),
            ]
        )

    def _retry_later(self, message, attempt):
        count, next_try = self._backoff()
        if not next_try:
            return self._failed(
                self.env._(
                    "%(message)s Gave up after %(count)s tries: press Send to Octopus once Octopus answers again.",
                    message=message,
                    count=len(BACKOFF_MINUTES) + 1,
                ),
                attempt,
                retry_count=count,
            )
        starts_waiting = self.waiting_reason != "network"
        return Outcome(
            "waiting",
            message,
            "retry",
            note=message if starts_waiting else "",
            wake_at=next_try,
            values={"next_try": next_try, "waiting_reason": "network", "retry_count": count},
        )

    def _backoff(self):
        """(tries, next try) after one more failure: 5 min, 15 min, 1 h, 3 h, 6 h, then no next try."""
        count = self.retry_count + 1
        if count > len(BACKOFF_MINUTES):
            return count, False
        return count, fields.Datetime.now() + timedelta(minutes=BACKOFF_MINUTES[count - 1])

    def _failed(self, message, attempt, retry_count=None):
        values = {"waiting_reason": False}
        if retry_count is not None:
            values["retry_count"] = retry_count
        note = self.env._("Not booked in Octopus: %(message)s", message=message)
        return Outcome("failed", message, "failed", note=note, values=values)

    def _refusal_message(self, exc):
        """What Octopus refused and what to fix, with Octopus' own words."""
        fixes = [
            (
                errors.JournalClosed,
                self.env._(
                    "The Octopus journal or period is closed: ask the accountant to reopen "
                    "it, then press Send to Octopus; or reset the invoice to draft, change its date "
                    "and confirm it again: it is sent by itself."
                ),
            ),
            (
                errors.PeriodProtected,
                self.env._(
                    "The Octopus period is protected: ask the accountant to unprotect it, "
                    "then press Send to Octopus; or reset the invoice to draft, change its date and "
                    "confirm it again: it is sent by itself."
                ),
            ),
            (
                errors.UnknownPeriod,
                self.env._("Octopus does not know this period: synchronise the bookyears, then press Send to Octopus."),
            ),
            (
                errors.UnknownJournal,
                self.env._(
                    "Octopus does not know this journal: synchronise the bookyears and "
                    "check the journal's Octopus mapping, then press Send to Octopus."
                ),
            ),
            (
                errors.UnknownAccount,
                self.env._(
                    "Octopus does not know an account of this booking: fix the account "
                    "mapping (see the dossier's mapping check), then press Send to Octopus."
                ),
            ),
            (
                errors.UnknownVatCode,
                self.env._(
                    "Octopus does not know a VAT code of this booking: fix the tax mapping, then press Send to Octopus."
                ),
            ),
            (
                errors.UnknownRelation,
                self.env._(
                    "Octopus does not know the customer or supplier: press Send to Octopus to look it up again."
                ),
            ),
            (
                errors.UnknownCurrency,
                self.env._(
                    "Octopus does not know the invoice's currency: ask the accountant "
                    "to add it to the dossier, then press Send to Octopus."
                ),
            ),
            (
                errors.IllegalExchangeRate,
                self.env._(
                    "Octopus refused the exchange rate: check the currency's rate "
                    "on the invoice date in Odoo, then press Send to Octopus."
                ),
            ),
            (
                errors.UnknownCostCentre,
                self.env._(
                    "A line has no cost centre Octopus knows: its Octopus account demands one, or its analytic "
                    "account books on a cost centre the dossier no longer has. Check the Octopus cost centre of the "
                    "lines' analytic accounts (the dossier's mapping check lists them), then press Send to Octopus."
                ),
            ),
            (
                errors.CostCentreClosed,
                self.env._(
                    "A cost centre of this booking is closed in Octopus: ask the accountant to reopen it, or book "
                    "the line on another analytic account, then press Send to Octopus."
                ),
            ),
            (
                errors.InvalidAmounts,
                self.env._("Octopus refused the amounts: check the lines' taxes, then press Send to Octopus."),
            ),
            (errors.BookingRefused, self.env._("Fix the invoice or the mapping, then press Send to Octopus.")),
        ]
        fix = next((text for cls, text in fixes if isinstance(exc, cls)), "")
        if fix:
            return self.env._("Octopus refused the booking: %(detail)s. %(fix)s", detail=str(exc).rstrip(". "), fix=fix)
        return self.company_id.octopus_dossier_id.connection_id._error_message(exc)
