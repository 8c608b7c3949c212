from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..octopus import booking as octopus_booking
from .octopus_booking import MANAGER_GROUP
from .octopus_push_run import Outcome

DUPLICATE_ACTIVITY_XMLID = "account_octopus.mail_activity_type_octopus_duplicate"
CHECKED_TYPES = ("in_invoice", "in_refund")


class OctopusBooking(models.Model):
    """The possible-duplicate hold (issue 17): Octopus receives Peppol invoices into its own inbox,
    so a vendor bill may be booked there already. Just before its POST, a bill (or refund) with a
    supplier reference is compared with the dossier's purchase bookings (octopus.purchase.booking,
    read at most once an hour); one of the same supplier, reference and amount puts it on hold for
    an Octopus manager: Send anyway, or Adopt that booking."""

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    duplicate_of = fields.Char(
        string="Possible duplicate of",
        readonly=True,
        copy=False,
        help="The Octopus booking of the same supplier, reference and amount that held this bill.",
    )
    duplicate_booking = fields.Json(readonly=True, copy=False, help="Key and fingerprint of that Octopus booking.")
    duplicate_cleared = fields.Boolean(
        string="Sent anyway",
        readonly=True,
        copy=False,
        help="An Octopus manager chose to book this bill although Octopus holds a booking like it.",
    )

    # -- the check, a step of the push --------------------------------------------------------------

    def _possible_duplicate(self, session, prepared, attempt):
        """The hold outcome when Octopus holds a booking like this bill, else None. Reads Octopus only
        when the dossier's copy of its purchase bookings is older than an hour."""
        move = self.move_id
        if (
            self.kind != "invoice"
            or move.move_type not in CHECKED_TYPES
            or not move.ref
            or self.duplicate_cleared
            or not prepared.fingerprint
        ):
            return None
        dossier = self.company_id.octopus_dossier_id
        copies = self.env["octopus.purchase.booking"]
        current = copies._octopus_refresh(dossier, session.api(dossier))
        match = copies._octopus_match(
            dossier,
            prepared.fingerprint["relation"],
            move.ref,
            octopus_booking.to_amount(prepared.fingerprint["total"]),
        )
        if not current:
            attempt.request(f"purchase bookings of {dossier.purchases_read_at} compared (no read left today)")
        if not match:
            return None
        attempt.request(f"possible duplicate of {match.number}")
        amount = f"{match.amount:.2f}"  # outside _(): the string extractor cannot read an f-string argument
        message = self.env._(
            "Possible duplicate: Octopus already holds purchase booking %(number)s of %(supplier)s with the same "
            "supplier reference %(reference)s and amount %(amount)s (it may have come in by Peppol). Not sent: an "
            "Octopus manager decides. Send anyway books this bill as well; Adopt that booking takes %(number)s as "
            "this bill's Octopus booking.",
            number=match.number,
            supplier=move.commercial_partner_id.display_name,
            reference=match.reference,
            amount=amount,
        )
        return Outcome(
            "held",
            message,
            "held",
            note=message,
            values={
                "duplicate_of": match.number,
                "duplicate_booking": {
                    "bookyear": match.bookyear_key,
                    "journal": match.journal_key,
                    "nr": match.document_nr,
                    "fingerprint": match.fingerprint,
                },
                "waiting_reason": False,
                "retry_count": 0,
            },
        )

    def _hold_announced(self):
        """A bill just held: the company's Octopus managers get an activity on it."""
        dossier = self.company_id.octopus_dossier_id
        dossier._octopus_ask(
            self.move_id, DUPLICATE_ACTIVITY_XMLID, self.env._("Bill possibly in Octopus already"), self.message
        )

    # -- what a manager decides ---------------------------------------------------------------------

    def _held_for_decision(self):
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only an Octopus manager may decide on a possible duplicate."))
        held = self.filtered(lambda b: b.state == "held")
        if not held:
            raise UserError(self.env._("None of these is held as a possible duplicate in Octopus."))
        # sudo: the outbox is the addon's; the group is checked above
        return held.sudo()

    def action_octopus_send_anyway(self):
        """Book the held bills as usual (not compared again); the background job sends them."""
        held = self._held_for_decision()
        for booking in held:
            message = self.env._(
                "%(user)s chose to send this bill although Octopus holds %(number)s: it is booked as usual.",
                user=self.env.user.name,
                number=booking.duplicate_of,
            )
            booking.write({"state": "to_send", "duplicate_cleared": True, "message": message})
            booking._note(message)
            self.env["octopus.dossier"]._octopus_answered(booking.move_id, DUPLICATE_ACTIVITY_XMLID, message)
            booking._octopus_announce()
        held._trigger_push()
        return held.move_id._octopus_queued_notification()

    def action_octopus_adopt_duplicate(self):
        """Take the matching Octopus booking as the bill's own: its number, state sent, nothing sent."""
        held = self._held_for_decision()
        for booking in held:
            booking._adopt_duplicate()
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    def _adopt_duplicate(self):
        dossier = self.company_id.octopus_dossier_id
        found = self.duplicate_booking or {}
        bookyear = dossier.bookyear_ids.filtered(lambda b: b.octopus_key == found.get("bookyear"))
        if not bookyear:
            raise UserError(
                self.env._(
                    "The bookyear of %(number)s is no longer known: synchronise the bookyears of %(dossier)s first.",
                    number=self.duplicate_of,
                    dossier=dossier.display_name,
                )
            )
        taken = self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("kind", "=", "invoice"),
                ("state", "=", "sent"),
                ("bookyear_id", "=", bookyear.id),
                ("journal_key", "=", found["journal"]),
                ("document_nr", "=", found["nr"]),
            ],
            limit=1,
        )
        if taken:
            raise UserError(
                self.env._(
                    "%(number)s is already the Octopus booking of %(move)s: it cannot be adopted twice. Send this "
                    "bill anyway, or reset it to draft if it is the same bill entered twice.",
                    number=self.duplicate_of,
                    move=taken.move_id.display_name,
                )
            )
        message = self.env._(
            "%(user)s adopted %(number)s, the Octopus booking of the same supplier, reference and amount, as this "
            "bill's booking: nothing was sent to Octopus.",
            user=self.env.user.name,
            number=self.duplicate_of,
        )
        self.write(
            {
                "state": "sent",
                "bookyear_id": bookyear.id,
                "journal_key": found["journal"],
                "document_nr": found["nr"],
                "sent_at": fields.Datetime.now(),
                "check_needed": False,
                "message": message,
                "sent_fingerprint": {
                    **(found.get("fingerprint") or {}),
                    "partner": self.move_id.commercial_partner_id.id,
                },
            }
        )
        # sudo: the attempt log is written by the addon, users only read it
        self.env["octopus.push.attempt"].sudo().create(
            {
                "booking_id": self.id,
                "move_id": self.move_id.id,
                "document": self.kind,
                "trigger": "manual",
                "outcome": "adopted",
                "message": message,
            }
        )
        self._note(message)
        self.env["octopus.dossier"]._octopus_answered(self.move_id, DUPLICATE_ACTIVITY_XMLID, message)
        self._octopus_announce()
