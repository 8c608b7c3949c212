import logging

from odoo import Command, api, fields, models
from odoo.tools import float_compare

from ..octopus.booking import display_number

_logger = logging.getLogger(__name__)


def key_text(key):
    """BalancingKeyServiceData -> "2/V1/144/-1" (bookyear id, journal, number, line): one text per side."""
    bookyear = key.get("bookyearKey")
    bookyear = bookyear.get("id") if isinstance(bookyear, dict) else bookyear
    return f"{bookyear}/{key.get('journalKey')}/{key.get('documentSequenceNr')}/{key.get('lineSequenceNr')}"


class OctopusBalancing(models.Model):
    """One balancing ("afpunting") Octopus holds between a debit and a credit document, where at
    least one side is a booking Odoo sent: what Octopus settled, and what Odoo did for it.

    Octopus lists a balancing with the pair's current amount, so applying the same entry twice
    changes nothing (the read overlaps the previous one on purpose). Odoo's own payment or
    reconciliation for the pair is kept here so that a deleted balancing undoes exactly it.
    """

    _name = "octopus.balancing"
    _description = "Octopus balancing"
    _order = "date desc, id desc"
    _rec_name = "debet_key"

    dossier_id = fields.Many2one("octopus.dossier", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id", store=True, index=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    debet_key = fields.Char(
        string="Debit document",
        required=True,
        readonly=True,
        help="Octopus bookyear id/journal/number/line; line -1 is a whole invoice.",
    )
    credit_key = fields.Char(string="Credit document", required=True, readonly=True)
    debet_move_id = fields.Many2one("account.move", ondelete="set null", index="btree_not_null", readonly=True)
    credit_move_id = fields.Many2one("account.move", ondelete="set null", index="btree_not_null", readonly=True)
    amount = fields.Monetary(
        currency_field="company_currency_id", readonly=True, help="What Octopus balanced between the two documents."
    )
    date = fields.Date(readonly=True, help="The later document date of the two (the bank line's).")
    state = fields.Selection(
        [("balanced", "Balanced"), ("deleted", "Deleted in Octopus")], required=True, default="balanced", readonly=True
    )
    payment_id = fields.Many2one("account.payment", string="Odoo payment", ondelete="set null", readonly=True)
    partial_ids = fields.Many2many("account.partial.reconcile", string="Odoo reconciliation", readonly=True)
    note = fields.Char(readonly=True, help="What Odoo did for this balancing.")

    _sql_constraints = [
        (
            "unique_pair",
            "unique(dossier_id, debet_key, credit_key)",
            "One balancing per pair of documents in a dossier.",
        )
    ]

    # -- reading Octopus' list -----------------------------------------------------------------

    @api.model
    def _octopus_apply(self, dossier, modified, deleted):
        """Apply one GET /balancings/modified answer of `dossier`; returns the moves whose status changed.

        A pair both modified and deleted within the window was deleted and made again: the
        modified entry, which holds its current amount, wins.
        """
        changed = self.env["account.move"]
        current = set()
        for entry in modified:
            debet, credit = entry.get("debetDocument") or {}, entry.get("creditDocument") or {}
            pair = (key_text(debet.get("balancingKey") or {}), key_text(credit.get("balancingKey") or {}))
            current.add(pair)
            amount = max(
                entry.get("creditBalancedBookingAmount") or 0.0, entry.get("debetBalancedBookingAmount") or 0.0
            )
            dates = [d for d in (debet.get("documentDate"), credit.get("documentDate")) if d]
            changed |= self._apply_balanced(dossier, pair, amount, max(dates) if dates else fields.Date.today())
        for entry in deleted:
            debet = entry.get("debetKey") or (entry.get("debetDocument") or {}).get("balancingKey") or {}
            credit = entry.get("creditKey") or (entry.get("creditDocument") or {}).get("balancingKey") or {}
            pair = (key_text(debet), key_text(credit))
            if pair not in current:
                changed |= self._apply_deleted(dossier, pair)
        return changed

    def _find(self, dossier, pair):
        return self.search(
            [("dossier_id", "=", dossier.id), ("debet_key", "=", pair[0]), ("credit_key", "=", pair[1])], limit=1
        )

    @api.model
    def _sent_moves(self, dossier, keys):
        """{key text: move} for the keys naming a whole document Odoo booked in this dossier."""
        bookings = self.env["octopus.booking"].search(
            [
                ("company_id", "=", dossier.company_id.id),
                ("kind", "=", "invoice"),
                ("state", "=", "sent"),
                ("document_nr", "in", [int(k.split("/")[2]) for k in keys if k.endswith("/-1")]),
            ]
        )
        found = {}
        for booking in bookings:
            text = f"{booking.bookyear_id.octopus_key}/{booking.journal_key}/{booking.document_nr}/-1"
            if text in keys:
                found[text] = booking.move_id
        return found

    def _apply_balanced(self, dossier, pair, amount, date):
        moves = self._sent_moves(dossier, pair)
        row = self._find(dossier, pair)
        if not moves and not row:
            return self.env["account.move"]  # no document of ours: not Odoo's business
        currency = dossier.company_id.currency_id
        if row.state == "balanced" and float_compare(row.amount, amount, precision_rounding=currency.rounding) == 0:
            return self.env["account.move"]  # read before: nothing changed
        values = {
            "amount": amount,
            "date": date,
            "state": "balanced",
            "debet_move_id": moves.get(pair[0], self.env["account.move"]).id,
            "credit_move_id": moves.get(pair[1], self.env["account.move"]).id,
        }
        if row:
            undone = row._undo_in_odoo()
            row.write(values)
            if not undone:  # the old payment stays: registering another one could double it
                return row.debet_move_id | row.credit_move_id
        else:
            row = self.create({"dossier_id": dossier.id, "debet_key": pair[0], "credit_key": pair[1], **values})
        row._do_in_odoo()
        return row.debet_move_id | row.credit_move_id

    def _apply_deleted(self, dossier, pair):
        row = self._find(dossier, pair)
        if not row or row.state == "deleted":
            return self.env["account.move"]
        undone = row._undo_in_odoo()
        row.write({"state": "deleted", "amount": 0.0})
        if undone:
            row.note = self.env._("Deleted in Octopus; what Odoo did for it was undone.")
        moves = row.debet_move_id | row.credit_move_id
        for move in moves:
            move._message_log(body=self.env._("The balancing %(pair)s was deleted in Octopus.", pair=row._label()))
        return moves

    def _label(self):
        return " ↔ ".join(self._display_key(key) for key in (self.debet_key, self.credit_key))

    def _display_key(self, key):
        bookyear_key, journal, nr, line = key.split("/")
        bookyear = self.env["octopus.bookyear"].search(
            [("dossier_id", "=", self.dossier_id.id), ("octopus_key", "=", int(bookyear_key))], limit=1
        )
        text = display_number(bookyear.name or bookyear_key, journal, nr)
        return text if line == "-1" else f"{text}/{line}"

    # -- what Odoo does for a balancing ------------------------------------------------------------

    def _do_in_odoo(self):
        """Register the payment (or reconcile the credit note) when the company asks for it. A
        failure keeps the status and says why on the balancing: the read goes on for the others."""
        self.ensure_one()
        company = self.dossier_id.company_id
        if not company.octopus_register_payments:
            self.note = self.env._("Status only: the company does not register Octopus payments in Odoo.")
            return
        moves = self.debet_move_id | self.credit_move_id
        try:
            with self.env.cr.savepoint():
                if len(moves) == 2:
                    self.note = self._reconcile_documents(moves)
                else:
                    self.note = self._register_payment(moves, company)
        except Exception as exc:  # noqa: BLE001 (one balancing Odoo cannot follow must not stop the others)
            _logger.warning("Octopus balancing %s: not registered in Odoo (%s)", self.id, exc)
            self.note = self.env._("Not registered in Odoo: %(error)s", error=exc)

    def _register_payment(self, move, company):
        journal = company.octopus_payment_register_journal_id
        if not journal:
            return self.env._("Status only: choose the journal for Octopus payments in the settings.")
        residual = abs(move.amount_residual_signed)
        if move.payment_state in ("paid", "in_payment", "reversed") or company.currency_id.is_zero(residual):
            return self.env._("Status only: Odoo already shows %(move)s paid.", move=move.name)
        amount = min(self.amount, residual)
        other = self.credit_key if self.debet_move_id else self.debet_key
        wizard = (
            self.env["account.payment.register"]
            .with_company(company)
            .with_context(active_model="account.move", active_ids=move.ids, octopus_from_balancing=True)
            .create(
                {
                    "journal_id": journal.id,
                    "amount": amount,
                    "currency_id": company.currency_id.id,
                    "payment_date": self.date,
                    "payment_difference_handling": "open",
                    "communication": self.env._(
                        "%(move)s paid in Octopus (%(document)s)", move=move.name, document=self._display_key(other)
                    ),
                }
            )
        )
        self.payment_id = wizard._create_payments()[:1]
        move._message_log(
            body=self.env._(
                "Paid in Octopus: %(amount)s on %(date)s (%(document)s), registered in %(journal)s.",
                amount=amount,
                date=self.date,
                document=self._display_key(other),
                journal=journal.name,
            )
        )
        return self.env._("Payment %(payment)s registered in Odoo.", payment=self.payment_id.name)

    def _reconcile_documents(self, moves):
        """An invoice balanced against its credit note in Octopus: the same in Odoo, unless done."""
        lines = moves.line_ids.filtered(
            lambda line: line.account_id.account_type in ("asset_receivable", "liability_payable")
        )
        theirs = lines.matched_debit_ids | lines.matched_credit_ids
        if theirs.filtered(lambda p: (p.debit_move_id | p.credit_move_id) <= lines):
            return self.env._("Status only: Odoo already reconciled these documents.")
        open_lines = lines.filtered(lambda line: not line.reconciled)
        if len(open_lines.move_id) < 2:
            return self.env._("Status only: Odoo already shows one of these documents paid.")
        before = open_lines.matched_debit_ids | open_lines.matched_credit_ids
        open_lines.reconcile()
        made = (open_lines.matched_debit_ids | open_lines.matched_credit_ids) - before
        self.partial_ids = [Command.set(made.ids)]
        for move in moves:
            move._message_log(
                body=self.env._("Reconciled with %(other)s, as balanced in Octopus.", other=(moves - move).name)
            )
        return self.env._("Reconciled in Odoo.")

    def _undo_in_odoo(self):
        """Undo the payment or reconciliation this balancing made in Odoo (nothing else). False,
        with the reason on the balancing, when Odoo refuses (e.g. the payment's entry is locked)."""
        self.ensure_one()
        payment = self.payment_id
        try:
            with self.env.cr.savepoint():
                if payment and payment.state != "canceled":
                    payment.action_draft()
                    payment.action_cancel()
                    for move in self.debet_move_id | self.credit_move_id:
                        move._message_log(
                            body=self.env._(
                                "Payment %(payment)s cancelled: its balancing changed in Octopus.", payment=payment.name
                            )
                        )
                self.partial_ids.exists().unlink()
        except Exception as exc:  # noqa: BLE001 (Odoo's refusal is reported, the read goes on)
            _logger.warning("Octopus balancing %s: Odoo payment not undone (%s)", self.id, exc)
            self.note = self.env._(
                "Changed in Octopus, but Odoo could not undo its payment %(payment)s: %(error)s. Cancel it by hand.",
                payment=payment.name,
                error=exc,
            )
            return False
        self.write({"payment_id": False, "partial_ids": [Command.clear()]})
        return True
