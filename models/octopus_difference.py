from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .octopus_booking import MANAGER_GROUP

CATEGORIES = [
    ("missing", "Missing in Octopus"),
    ("different", "Different"),
    ("changed", "Changed in Odoo after sending"),
    ("only_octopus", "Only in Octopus"),
    ("ok", "Same in both"),
]


class OctopusDifference(models.Model):
    """One line of a dossier's difference report: an invoice booking as Odoo sent it next to what
    Octopus holds, for one bookyear (issue 14). A run replaces the bookyear's lines and keeps the
    notes of those explained before; "Same in both" lines make the totals per journal and period
    side by side, so that a period can be called reconciled."""

    _name = "octopus.difference"
    _description = "Octopus difference report line"
    _order = "checked_at desc, journal_key, period_id, document_nr"
    _rec_name = "number"

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    bookyear_id = fields.Many2one("octopus.bookyear", required=True, ondelete="cascade", index=True, readonly=True)
    period_id = fields.Many2one("octopus.bookyear.period", readonly=True)
    journal_key = fields.Char(string="Octopus journal", readonly=True)
    document_nr = fields.Integer(string="Octopus document number", readonly=True)
    number = fields.Char(string="Octopus number", readonly=True)
    reference = fields.Char(readonly=True)
    move_id = fields.Many2one("account.move", readonly=True, ondelete="cascade", index=True)
    booking_id = fields.Many2one("octopus.booking", readonly=True, ondelete="set null")
    category = fields.Selection(CATEGORIES, required=True, readonly=True, index=True)
    detail = fields.Char(readonly=True, help="What differs, or why the booking counts as missing.")
    checked_at = fields.Datetime(string="Checked on", readonly=True)
    odoo_count = fields.Integer(string="In Odoo", readonly=True)
    odoo_base = fields.Monetary(string="Odoo base", readonly=True)
    odoo_vat = fields.Monetary(string="Odoo VAT", readonly=True)
    odoo_total = fields.Monetary(string="Odoo total", readonly=True)
    octopus_count = fields.Integer(string="In Octopus", readonly=True)
    octopus_base = fields.Monetary(string="Octopus base", readonly=True)
    octopus_vat = fields.Monetary(string="Octopus VAT", readonly=True)
    octopus_total = fields.Monetary(string="Octopus total", readonly=True)
    explained = fields.Boolean(readonly=True)
    note = fields.Text(help="Why this difference is fine (e.g. corrected by the accountant in Octopus).")

    # -- actions on a line ---------------------------------------------------------------------------

    def action_open_move(self):
        self.ensure_one()
        if not self.move_id:
            raise UserError(self.env._("This booking exists only in Octopus: there is no Odoo move to open."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }

    def action_explain(self):
        """Open the line to write why the difference is fine."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Mark as explained"),
        }

    def action_mark_explained(self):
        for line in self:
            if not (line.note or "").strip():
                raise UserError(
                    self.env._(
                        "Write a note saying why %(number)s is fine, then mark it as explained.",
                        number=line.number or line.reference or line.display_name,
                    )
                )
        self.write({"explained": True})
        return {"type": "ir.actions.act_window_close"}

    def action_send_again(self):
        """Missing in Octopus: queue the move again, under a new number. The old booking record goes
        (its attempts stay on the move); the push sends, never this request."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only an Octopus manager may send a move to Octopus again."))
        lines = self.filtered(lambda line: line.category == "missing" and line.move_id)
        if lines != self:
            raise UserError(self.env._("Only moves missing in Octopus can be sent again."))
        # sudo: the outbox is the addon's (see account.move._octopus_queue)
        bookings = self.env["octopus.booking"].sudo()
        for line in lines:
            old = line.move_id._octopus_booking("invoice").sudo()
            if old.state != "sent":
                continue  # already queued again
            message = self.env._(
                "%(number)s is missing in Octopus (%(detail)s): sent again under a new number by %(user)s.",
                number=old.number,
                detail=line.detail,
                user=self.env.user.name,
            )
            old._note(message)
            old.unlink()
            bookings.create({"move_id": line.move_id.id, "kind": "invoice", "next_try": fields.Datetime.now()})
        lines.write({"explained": True, "note": self.env._("Sent again.")})
        bookings._trigger_push()
        return self.env["octopus.connection"]._notify(
            self.env._("Octopus"),
            self.env._("%(count)s move(s) will be sent to Octopus again in a moment.", count=len(lines)),
            "info",
            {"type": "ir.actions.client", "tag": "soft_reload"},
        )

    @api.model
    def _carry_notes(self, old_lines, new_vals):
        """A new run keeps what people wrote: same category and same booking (or Octopus number)."""
        notes = {
            (line.category, line.booking_id.id or line.number): (line.explained, line.note)
            for line in old_lines
            if line.note or line.explained
        }
        for vals in new_vals:
            explained, note = notes.get(
                (vals["category"], vals.get("booking_id") or vals.get("number")), (False, False)
            )
            if note or explained:
                vals.update(explained=explained, note=note)
        return new_vals
