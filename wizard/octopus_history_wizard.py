import math
from datetime import datetime, time, timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.octopus_booking_history import POST_INVOICE
from ..octopus import booking as octopus_booking
from ..octopus import errors
from ..octopus.limits import DAILY_LIMITS

MOVE_TYPES = {
    "out_invoice": "include_out_invoice",
    "out_refund": "include_out_refund",
    "in_invoice": "include_in_invoice",
    "in_refund": "include_in_refund",
}


class OctopusHistoryWizard(models.TransientModel):
    """Send the invoices posted before the company was linked to Octopus (issue 14).

    It counts the moves and the days the daily booking limit needs, leaves out those Octopus would
    refuse (closed bookyear, closed or protected period) with the reason, adopts those Octopus
    already holds (same reference and amount), and queues the rest behind each day's new postings.
    """

    _name = "octopus.history.wizard"
    _description = "Send earlier invoices to Octopus"

    dossier_id = fields.Many2one("octopus.dossier", required=True, readonly=True)
    company_id = fields.Many2one(related="dossier_id.company_id")
    date_from = fields.Date(
        string="From", required=True, default=lambda self: fields.Date.context_today(self).replace(month=1, day=1)
    )
    journal_ids = fields.Many2many(
        "account.journal",
        string="Journals",
        domain="[('company_id', '=', company_id), ('octopus_journal_id', '!=', False)]",
        help="Leave empty for every journal mapped to Octopus.",
    )
    include_out_invoice = fields.Boolean(string="Customer invoices", default=True)
    include_out_refund = fields.Boolean(string="Customer credit notes", default=True)
    include_in_invoice = fields.Boolean(string="Vendor bills", default=True)
    include_in_refund = fields.Boolean(string="Vendor credit notes", default=True)
    reserve = fields.Integer(
        string="Daily reserve for new invoices", compute="_compute_reserve", store=True, readonly=False
    )
    move_count = fields.Integer(string="Moves to send", compute="_compute_plan")
    blocked_count = fields.Integer(string="Moves left out", compute="_compute_plan")
    blocked_report = fields.Html(string="Left out", compute="_compute_plan", sanitize=False)
    per_day = fields.Integer(string="Bookings a day", compute="_compute_plan")
    days_needed = fields.Integer(string="Days needed", compute="_compute_plan")
    finish_date = fields.Date(string="Done by", compute="_compute_plan")

    @api.depends("dossier_id")
    def _compute_reserve(self):
        for wizard in self:
            wizard.reserve = wizard.dossier_id.history_reserve

    @api.depends("dossier_id", "date_from", "journal_ids", "reserve", *MOVE_TYPES.values())
    def _compute_plan(self):
        for wizard in self:
            moves, blocked = wizard._split(wizard._candidates())
            wizard.move_count, wizard.blocked_count = len(moves), len(blocked)
            wizard.blocked_report = blocked and Markup("<ul>%s</ul>") % Markup().join(
                Markup("<li>%s: %s</li>") % (move.display_name, reason) for move, reason in blocked.items()
            )
            wizard.per_day = max(DAILY_LIMITS[POST_INVOICE] - wizard.reserve, 0)
            wizard.days_needed = math.ceil(len(moves) / wizard.per_day) if wizard.per_day else 0
            wizard.finish_date = wizard.days_needed and fields.Date.context_today(wizard) + timedelta(
                days=wizard.days_needed - 1
            )

    def _candidates(self):
        """Posted moves of the chosen types and journals from the date on, never queued for Octopus."""
        self.ensure_one()
        types = [move_type for move_type, name in MOVE_TYPES.items() if self[name]]
        if not (self.dossier_id and self.date_from and types):
            return self.env["account.move"]
        journals = self.journal_ids or self.env["account.journal"].search(
            [("company_id", "=", self.company_id.id), ("octopus_journal_id", "!=", False)]
        )
        return self.env["account.move"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "=", "posted"),
                ("move_type", "in", types),
                ("journal_id", "in", journals.ids),
                ("date", ">=", self.date_from),
                ("octopus_booking_ids", "=", False),
            ],
            order="date, name, id",
        )

    def _split(self, moves):
        """(moves to queue, {move: reason}) for the moves whose bookyear or period Octopus refuses."""
        dossier, blocked, periods = self.dossier_id, {}, {}
        for move in moves:
            date = move.invoice_date or move.date
            if date not in periods:
                periods[date] = dossier._period_for_date(date)
            period = periods[date]
            problems = dossier._octopus_period_problems(
                period, date
            ) or move.journal_id.octopus_journal_id._octopus_year_problems(period)
            if problems:
                blocked[move] = " ".join(problems)
        return moves.filtered(lambda m: m not in blocked), blocked

    # -- the button ------------------------------------------------------------------------------------

    def action_queue(self):
        """Adopt what Octopus holds (one listing per bookyear), queue the rest; no booking is sent here."""
        self.ensure_one()
        moves, _blocked = self._split(self._candidates())
        if not moves:
            raise UserError(self.env._("No earlier invoice to send: every move is already sent, queued or left out."))
        self.dossier_id.history_reserve = self.reserve
        # sudo: bookings are the addon's outbox (see account.move._octopus_queue)
        bookings = (
            self.env["octopus.booking"]
            .sudo()
            .create(
                [
                    {"move_id": move.id, "kind": "invoice", "history": True, "next_try": fields.Datetime.now()}
                    for move in moves
                ]
            )
        )
        adopted = self._adopt(bookings)
        bookings._trigger_push()
        message = self.env._(
            "%(queued)s earlier invoice(s) queued for Octopus, %(adopted)s found in Octopus "
            "already (not sent again). About %(per_day)s a day after the new invoices: done by "
            "%(date)s.",
            queued=len(bookings - adopted),
            adopted=len(adopted),
            per_day=self.per_day,
            date=self.finish_date or fields.Date.context_today(self),
        )
        self.dossier_id.message_post(body=message)
        return self.env["octopus.connection"]._notify(self.env._("Octopus"), message, "info")

    def _adopt(self, bookings):
        """The bookings Octopus already holds (reference and amount, in its listing of the bookyear),
        marked sent under Octopus' number. Returns them."""
        dossier = self.dossier_id
        by_year = {}
        for booking in bookings:
            by_year.setdefault(dossier._period_for_date(booking._date()).bookyear_id, []).append(booking)
        api_ = dossier._get_api()
        adopted = self.env["octopus.booking"]
        for bookyear, members in by_year.items():
            since = datetime.combine(bookyear.date_start, time.min) - timedelta(days=1)
            try:
                listing = api_.modified_buysell_bookings(bookyear.octopus_key, None, since)
            except errors.OctopusError as exc:
                raise UserError(dossier.connection_id._error_message(exc)) from exc
            for booking in members:
                held = booking._own_booking(listing, None)
                if not held:
                    continue
                number = octopus_booking.display_number(bookyear.name, held["journalKey"], held["documentSequenceNr"])
                message = self.env._(
                    "Found in Octopus as %(number)s (booked before the link): adopted, not sent again.", number=number
                )
                booking.write(
                    {
                        "state": "sent",
                        "bookyear_id": bookyear.id,
                        "journal_key": held["journalKey"],
                        "document_nr": held["documentSequenceNr"],
                        "sent_at": fields.Datetime.now(),
                        "message": message,
                        "sent_fingerprint": {
                            **octopus_booking.fingerprint(held),
                            "partner": booking.move_id.commercial_partner_id.id,
                        },
                    }
                )
                booking._note(message)
                adopted |= booking
        return adopted
