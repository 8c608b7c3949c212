from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from .octopus_booking import MANAGER_GROUP

QUEUEABLE = ("to_send", "waiting", "failed", "uncertain")


class OctopusBooking(models.Model):
    """The Octopus monitor (Invoicing → Octopus): every booking not yet in Octopus, with what to do.

    Its Send now queues and wakes the background job: no call to Octopus inside the user's request,
    so a hundred selected invoices answer at once and are sent by the job's own loop.
    """

    # octopus.booking is split by concern (octopus_booking*.py), each file under 400 lines.
    _inherit = "octopus.booking"  # pylint: disable=consider-merging-classes-inherited

    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Customer/Vendor")
    invoice_date = fields.Date(related="move_id.invoice_date")
    amount_total = fields.Monetary(
        related="move_id.amount_total_signed", currency_field="company_currency_id", string="Total"
    )
    company_currency_id = fields.Many2one(related="move_id.company_currency_id")
    # One line per booking in the monitor (a text column would wrap); the whole text shows on hover.
    last_message = fields.Char(string="Last message", compute="_compute_last_message")

    def _compute_last_message(self):
        for booking in self:
            booking.last_message = booking.message

    def action_octopus_send(self):
        """Send now / Retry from the monitor: back to the queue, due now, and the job woken up."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only an Octopus manager may send or retry Octopus bookings."))
        bookings = self.filtered(lambda b: b.state in QUEUEABLE)
        if not bookings:
            raise UserError(self.env._("Nothing to send: the selected bookings are already in Octopus or being sent."))
        bookings.sudo()._requeue()  # sudo: the outbox is the addon's; the group is checked above
        self._trigger_push()
        return bookings.move_id._octopus_queued_notification()

    def action_open_move(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
