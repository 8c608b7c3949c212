from odoo import fields, models


class OctopusPushAttempt(models.Model):
    """One attempt to send a move to Octopus: every attempt is kept, not only the last error."""

    _name = "octopus.push.attempt"
    _description = "Octopus push attempt"
    _order = "create_date desc, id desc"

    move_id = fields.Many2one("account.move", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    trigger = fields.Selection([("post", "Posting"), ("cron", "Scheduled"), ("manual", "Send now"),
                                ("retry", "Retry"), ("check", "Check after lost reply")],
                               required=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    request_summary = fields.Char()
    http_status = fields.Integer()
    error_code = fields.Integer()
    message = fields.Text()
    outcome = fields.Selection([("sent", "Sent"), ("adopted", "Found in Octopus"), ("waiting", "Waiting"),
                                ("uncertain", "Uncertain"), ("failed", "Failed"), ("retry", "Will retry")],
                               required=True)
