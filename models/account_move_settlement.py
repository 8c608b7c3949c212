from odoo import api, fields, models

SETTLEMENTS = [("open", "Open"), ("partial", "Partially paid"), ("paid", "Paid in Octopus")]


class AccountMove(models.Model):
    """What Octopus settled of a move it holds, from the balancings the dossier's read brings back
    (octopus.balancing): Open, Partially paid or Paid in Octopus, with the amount and the date."""

    # account.move's Octopus side is split by concern (account_move*.py).
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    octopus_debet_balancing_ids = fields.One2many("octopus.balancing", "debet_move_id", readonly=True)
    octopus_credit_balancing_ids = fields.One2many("octopus.balancing", "credit_move_id", readonly=True)
    octopus_settlement = fields.Selection(
        SETTLEMENTS,
        string="Octopus payment status",
        compute="_compute_octopus_settlement",
        store=True,
        index="btree_not_null",
    )
    octopus_settled_amount = fields.Monetary(
        string="Paid in Octopus",
        currency_field="company_currency_id",
        compute="_compute_octopus_settlement",
        store=True,
    )
    octopus_settled_date = fields.Date(string="Paid in Octopus on", compute="_compute_octopus_settlement", store=True)

    @api.depends(
        "octopus_state",
        "amount_total_signed",
        "octopus_debet_balancing_ids.amount",
        "octopus_debet_balancing_ids.state",
        "octopus_credit_balancing_ids.amount",
        "octopus_credit_balancing_ids.state",
    )
    def _compute_octopus_settlement(self):
        for move in self:
            if move.octopus_state != "sent":
                move.octopus_settlement = move.octopus_settled_amount = move.octopus_settled_date = False
                continue
            rows = (move.octopus_debet_balancing_ids | move.octopus_credit_balancing_ids).filtered(
                lambda b: b.state == "balanced"
            )
            paid = sum(rows.mapped("amount"))
            currency = move.company_currency_id
            if currency.is_zero(paid):
                status = "open"
            elif currency.compare_amounts(paid, abs(move.amount_total_signed)) >= 0:
                status = "paid"
            else:
                status = "partial"
            move.octopus_settlement, move.octopus_settled_amount = status, paid
            move.octopus_settled_date = max(rows.mapped("date")) if rows else False
