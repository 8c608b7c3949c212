from dataclasses import replace
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError

from ..octopus import errors
from ..octopus.booking import balancing_key, to_amount
from .octopus_balancing import key_text
from .octopus_booking_outcome import OCTOPUS_FAILURES
from .octopus_booking_push import SENDING_GRACE
from .octopus_push_run import CONCURRENCY_ERRORS, NotSent, Outcome, Undecided

AMOUNT_TOLERANCE = 0.005


class OctopusBooking(models.Model):
    """Odoo -> Octopus: the payment the addon books for an invoice's full amount is balanced with
    that invoice (POST /balancings), so Octopus closes the invoice too.

    A booking of its own kind ("balancing"), queued once the payment booking is booked, with the
    push's rules: "sending" is committed before the POST, and a lost reply is looked up in
    GET /balancings/modified before anything is sent again (Octopus has no duplicate check, and a
    second POST for the same pair adds to it).
    """

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    def _queue_follow_ups(self):
        result = super()._queue_follow_ups()
        move = self.move_id
        if self.kind == "payment" and not move._octopus_booking("balancing"):
            self.create({"move_id": move.id, "kind": "balancing", "next_try": fields.Datetime.now()})
        return result

    def _steps(self, trigger, attempt, session):
        if self.kind != "balancing":
            yield from super()._steps(trigger, attempt, session)
            return
        dossier = self.company_id.octopus_dossier_id
        if trigger == "cron" and dossier._octopus_push_paused():
            yield self._parked(dossier)
            return
        debet, credit, amount = self._balancing_pair()
        if self.check_needed:
            try:
                with self.env.cr.savepoint():
                    landed = self._balancing_landed(session, debet, credit, amount)
            except CONCURRENCY_ERRORS:
                raise
            except (*OCTOPUS_FAILURES, Undecided, UserError) as exc:
                yield self._unsettled(exc, attempt)
                return
            if landed:
                yield self._balanced(amount, adopted=True)
                return
            self.write({"check_needed": False})
        previous_state = self.state
        now = fields.Datetime.now()
        yield Outcome(
            "sending", relock=True, values={"sent_at": now, "check_needed": True, "next_try": now + SENDING_GRACE}
        )
        attempt.request(f"POST balancings {key_text(debet)} with {key_text(credit)}: {amount:.2f} EUR")
        try:
            session.api(dossier).insert_balancing(debet, credit, amount)
        except CONCURRENCY_ERRORS as exc:  # raised by the call counter before the request left
            raise NotSent(Outcome(previous_state, values={"check_needed": False})) from exc
        except Exception as exc:  # noqa: BLE001 (every failure has an outcome; unknown ones are checked)
            attempt.error(exc)
            if isinstance(exc, errors.OutcomeUnknown) or not isinstance(exc, errors.OctopusError):
                yield self._uncertain(exc, attempt)
                return
            if type(exc) is errors.BookingRefused:  # -26: Octopus' reason in technicalInfo
                outcome = self._failed(
                    self.env._(
                        "Octopus refused to balance the payment with the invoice (%(detail)s). The accountant may have "
                        "balanced it already: check the invoice in Octopus, then press Send to Octopus or, for "
                        "managers, Octopus: mark as sent manually in the action menu.",
                        detail=exc.technical_info or exc,
                    ),
                    attempt,
                )
            else:
                outcome = self._refusal(exc, attempt)
            yield replace(outcome, values={**outcome.values, "check_needed": False})
            return
        yield self._balanced(amount)

    def _balancing_pair(self):
        """(debet key, credit key, amount): the invoice as a whole and line 1 of its payment booking.
        Money in (a sale, a purchase refund) makes the invoice the debit side (ref §4.10)."""
        move = self.move_id
        invoice, payment = move._octopus_booking("invoice"), move._octopus_booking("payment")
        invoice_key = balancing_key(invoice.bookyear_id.octopus_key, invoice.journal_key, invoice.document_nr)
        payment_key = balancing_key(payment.bookyear_id.octopus_key, payment.journal_key, payment.document_nr, 1)
        amount = abs(to_amount(invoice._total_cents()))
        if move.is_sale_document() != invoice._refund():
            return invoice_key, payment_key, amount
        return payment_key, invoice_key, amount

    def _balancing_landed(self, session, debet, credit, amount):
        """Did the POST whose reply was lost reach Octopus? Read the modified balancings since it left."""
        since = (self.sent_at or fields.Datetime.now()) - timedelta(days=1)
        modified, _deleted = session.api(self.company_id.octopus_dossier_id, reserve=True).modified_balancings(since)
        pair = (key_text(debet), key_text(credit))
        for entry in modified:
            found = (
                key_text((entry.get("debetDocument") or {}).get("balancingKey") or {}),
                key_text((entry.get("creditDocument") or {}).get("balancingKey") or {}),
            )
            if found == pair:
                balanced = max(
                    entry.get("creditBalancedBookingAmount") or 0.0, entry.get("debetBalancedBookingAmount") or 0.0
                )
                return balanced >= amount - AMOUNT_TOLERANCE
        return False

    def _balanced(self, amount, adopted=False):
        if adopted:
            message = self.env._(
                "Octopus had balanced the payment with the invoice although its answer was lost "
                "(found in Octopus, not sent again)."
            )
        else:
            message = self.env._(
                "Payment balanced with the invoice in Octopus (%(amount)s EUR).", amount=f"{amount:.2f}"
            )
        return Outcome(
            "sent",
            message,
            "adopted" if adopted else "sent",
            note=message,
            booked=True,
            values={"check_needed": False, "sent_at": fields.Datetime.now(), "retry_count": 0, "waiting_reason": False},
        )
