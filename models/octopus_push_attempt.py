from odoo import fields, models


class OctopusPushAttempt(models.Model):
    """One attempt to send a booking to Octopus: every attempt is kept, not only the last error."""

    _name = "octopus.push.attempt"
    _description = "Octopus push attempt"
    _order = "create_date desc, id desc"
    _rec_name = "move_id"

    # The move's history outlives a booking that left the queue (reset to draft): set null, not cascade.
    booking_id = fields.Many2one("octopus.booking", ondelete="set null", index=True, readonly=True)
    move_id = fields.Many2one("account.move", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Partner")
    document = fields.Selection(
        [
            ("invoice", "Invoice booking"),
            ("payment", "Payment booking"),
            ("balancing", "Payment balanced with the invoice"),
        ],
        default="invoice",
        required=True,
        readonly=True,
    )
    trigger = fields.Selection([("cron", "Scheduled"), ("manual", "Send now")], required=True, readonly=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    request_summary = fields.Char(readonly=True)
    # codes, not quantities: never summed in grouped lists
    http_status = fields.Integer(string="HTTP status", readonly=True, aggregator=None)
    error_code = fields.Integer(string="Octopus error code", readonly=True, aggregator=None)
    message = fields.Text(readonly=True)
    outcome = fields.Selection(
        [
            ("sent", "Sent"),
            ("adopted", "Found in Octopus"),
            ("waiting", "Waiting"),
            ("uncertain", "Uncertain"),
            ("held", "Possible duplicate"),
            ("failed", "Failed"),
            ("retry", "Will retry"),
        ],
        required=True,
        readonly=True,
    )
    booking_state = fields.Selection(related="booking_id.state", string="Octopus state now")
