from odoo import fields, models


class OctopusDossier(models.Model):
    """Sending earlier invoices (issue 14): the daily reserve for new postings and the progress."""

    _inherit = "octopus.dossier"  # pylint: disable=consider-merging-classes-inherited

    history_reserve = fields.Integer(
        string="Daily reserve for new invoices",
        default=100,
        help="Of the 400 invoice bookings Octopus allows a day, earlier invoices use what this leaves; new "
        "postings always go first.",
    )
    history_progress = fields.Char(string="Earlier invoices", compute="_compute_history_progress")

    def _compute_history_progress(self):
        groups = (
            self.env["octopus.booking"]
            .sudo()
            ._read_group(
                [("history", "=", True), ("company_id", "in", self.company_id.ids)],
                ["company_id", "state"],
                ["__count"],
            )
        )
        for dossier in self:
            counts = {state: count for company, state, count in groups if company == dossier.company_id}
            total = sum(counts.values())
            dossier.history_progress = (
                self.env._(
                    "%(sent)s of %(total)s sent, %(failed)s failed",
                    sent=counts.get("sent", 0),
                    total=total,
                    failed=counts.get("failed", 0),
                )
                if total
                else False
            )

    def action_send_history(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "octopus.history.wizard",
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Send earlier invoices"),
            "context": {"default_dossier_id": self.id},
        }
