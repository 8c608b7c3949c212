from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools.sql import drop_index

from ..octopus.booking import display_number
from .octopus_push_run import remembered_in_run

CRON_XMLID = "account_octopus.ir_cron_octopus_push"
PDF_CRON_XMLID = "account_octopus.ir_cron_octopus_pdf"
MANAGER_GROUP = "account_octopus.group_octopus_manager"

#   (posted) ──► to_send ──► sending ──► sent
#                  ▲  │         │  ▲
#                  │  ▼         ▼  │
#                 waiting    uncertain      waiting: journal open in Octopus, daily limit, network
#                  │  ▲         │  ▲        uncertain: the reply was lost; Octopus is read before any resend
#                  ▼  │         ▼  │        failed: a person must fix something (the message says what),
#                 failed ◄──────┘  │                then Retry (back to to_send, or to uncertain when a
#                    └─────────────┘                send may have landed) or Mark as sent
#
#   to_send, waiting, uncertain ──► held ──► to_send   Send anyway: booked as usual, not checked again
#                                     └────► sent      Adopt that booking: its Octopus number, nothing sent
#   held (possible duplicate): a vendor bill or refund of which Octopus holds a booking of the same
#   supplier, reference and amount (e.g. received by Peppol), found just before the POST. It has no
#   next try: the cron leaves it alone until an Octopus manager decides.
STATES = [
    ("to_send", "To send"),
    ("sending", "Sending"),
    ("sent", "Sent"),
    ("waiting", "Waiting"),
    ("uncertain", "Uncertain"),
    ("held", "Possible duplicate"),
    ("failed", "Failed"),
]
# Every allowed change (a state may stay what it is: a new message, a later try).
TRANSITIONS = {
    "to_send": {"sending", "waiting", "failed", "sent", "held"},
    "sending": {"sent", "uncertain", "waiting", "failed", "to_send"},
    "uncertain": {"sending", "sent", "waiting", "failed", "to_send", "held"},
    "waiting": {"sending", "sent", "failed", "to_send", "uncertain", "held"},
    "held": {"to_send", "sent"},
    "failed": {"to_send", "uncertain", "sent"},
    "sent": set(),
}
# Still on their way to Octopus without a person: exactly the states that carry a next try.
PENDING = ("to_send", "sending", "waiting", "uncertain")
KINDS = [
    ("invoice", "Invoice booking"),
    ("payment", "Payment booking"),
    ("balancing", "Payment balanced with the invoice"),
]


class OctopusBooking(models.Model):
    """One document sent, or to send, to Octopus for a move: its invoice booking, its payment booking.

    Like account_edi's account.edi.document: the move only shows a summary; the state machine,
    the Octopus key and the attempts live here, and the cron (octopus_booking_push.py) drains the
    rows whose next try has come.
    """

    _name = "octopus.booking"
    _description = "Octopus booking"
    _order = "move_id, kind"
    _rec_name = "number"

    move_id = fields.Many2one("account.move", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    kind = fields.Selection(KINDS, required=True, readonly=True, default="invoice")
    state = fields.Selection(STATES, required=True, readonly=True, default="to_send", index=True)
    waiting_reason = fields.Selection(
        [("lock", "Journal open in Octopus"), ("limit", "Daily limit reached"), ("network", "Octopus unreachable")],
        readonly=True,
    )
    # The one rule for "due": next_try has come. Only pending states carry one (see write()), so
    # the cron's query is one scan, in its order, of the partial index made in init().
    next_try = fields.Datetime(readonly=True)
    retry_count = fields.Integer(readonly=True, help="Failed tries in a row; the next try waits longer each time.")
    message = fields.Text(readonly=True)
    bookyear_id = fields.Many2one("octopus.bookyear", readonly=True, ondelete="restrict")
    journal_key = fields.Char(readonly=True)
    document_nr = fields.Integer(string="Octopus document number", readonly=True)
    number = fields.Char(
        string="Octopus number",
        compute="_compute_number",
        store=True,
        help="Bookyear/journal/number of the booking in Octopus, e.g. 2026/V1/17.",
    )
    sent_at = fields.Datetime(string="Sent to Octopus on", readonly=True)
    check_needed = fields.Boolean(
        readonly=True,
        help="A booking request may have reached Octopus without an "
        "answer: Octopus is read before anything is sent again.",
    )
    reread_journals = fields.Boolean(
        readonly=True,
        help="Retry asked: the push reads the journals again before trusting local copies that say closed.",
    )
    attempt_ids = fields.One2many("octopus.push.attempt", "booking_id", readonly=True)
    sent_fingerprint = fields.Json(
        readonly=True,
        copy=False,
        help="What the invoice booking sent: total, VAT, relation, date and lines (compared by the difference report).",
    )

    _sql_constraints = [("unique_kind", "unique(move_id, kind)", "One Octopus booking of each kind per move.")]

    def init(self):
        # In the push's order (new postings before earlier invoices, then oldest due): taking the
        # next booking reads the first matching index entries instead of sorting every due row.
        # Odoo orders a boolean as COALESCE(history, FALSE), so the index holds that expression:
        # on the plain column PostgreSQL scanned and sorted the whole outbox for every booking.
        for old in ("octopus_booking_due_index", "octopus_booking_due_order_index"):  # earlier versions'
            drop_index(self.env.cr, old, self._table)
        tools.create_index(
            self.env.cr,
            "octopus_booking_due_queue_index",
            self._table,
            ["(COALESCE(history, FALSE))", "next_try", "id"],
            where="next_try IS NOT NULL",
        )

    @api.depends("state", "bookyear_id.name", "journal_key", "document_nr")
    def _compute_number(self):
        for booking in self:
            booking.number = (
                booking.state == "sent"
                and booking.document_nr
                and display_number(booking.bookyear_id.name, booking.journal_key, booking.document_nr)
            )

    def _compute_display_name(self):
        labels = dict(KINDS)
        for booking in self:
            booking.display_name = f"{booking.move_id.display_name} ({labels[booking.kind]})"

    # -- the state machine -------------------------------------------------------------------------

    def write(self, vals):
        """Every state change goes through TRANSITIONS; pending states carry a next try, others none."""
        if "state" in vals:
            new = vals["state"]
            illegal = self.filtered(lambda b: b.state != new and new not in TRANSITIONS[b.state])
            if illegal:
                raise UserError(
                    self.env._("An Octopus booking cannot go from %(old)s to %(new)s.", old=illegal[0].state, new=new)
                )
            if new not in PENDING:
                vals = {**vals, "next_try": False}
            elif not vals.get("next_try"):
                vals = {**vals, "next_try": fields.Datetime.now()}
        return super().write(vals)

    @api.model
    def _due_domain(self):
        """Bookings the push takes now: their next try has come, and their company's connection is
        active (a paused or neutralised connection keeps its queue without it ever being due);
        earlier invoices only within their daily share (octopus_booking_history.py)."""
        return [
            ("next_try", "<=", fields.Datetime.now()),
            ("company_id.octopus_dossier_ids.connection_id.active", "=", True),
            *self._history_domain(),
        ]

    # -- what people do --------------------------------------------------------------------------

    def _requeue(self):
        """Back to the queue, due now; what may have landed in Octopus is checked first. Local copies
        saying a journal or period is closed are read again by the push (the accountant may have
        reopened it, usually why Retry is pressed). No network here: the job sends."""
        for booking in self.filtered(lambda b: b.state in ("failed", "waiting", "uncertain", "to_send")):
            booking.write(
                {
                    "state": "uncertain" if booking.check_needed else "to_send",
                    "retry_count": 0,
                    "waiting_reason": False,
                    "reread_journals": True,
                    "next_try": fields.Datetime.now(),
                }
            )
        self.company_id.octopus_dossier_id._octopus_wake()

    def _mark_sent_by_hand(self):
        message = self.env._("Marked as booked in Octopus by hand by %(user)s.", user=self.env.user.name)
        for booking in self:
            booking.write(
                {
                    "state": "sent",
                    "message": message,
                    "check_needed": False,
                    "waiting_reason": False,
                    "retry_count": 0,
                    "sent_at": fields.Datetime.now(),
                }
            )
            # sudo: the attempt log is written by the addon, users only read it
            self.env["octopus.push.attempt"].sudo().create(
                {
                    "booking_id": booking.id,
                    "move_id": booking.move_id.id,
                    "document": booking.kind,
                    "trigger": "manual",
                    "outcome": "sent",
                    "message": message,
                }
            )
            booking._note(message)

    @api.model
    def _trigger_push(self, at=None):
        self.env.ref(CRON_XMLID).sudo()._trigger(at=at)

    @api.model
    def _trigger_pdf_job(self):
        self.env.ref(PDF_CRON_XMLID).sudo()._trigger()

    @api.model
    def _wake_jobs(self):
        """New bookings: the push and the PDF job run right after the commit, unless a wake-up of the
        push is still pending (Odoo's runner has not taken it yet; the run it starts takes these too).
        Odoo wakes the cron workers at commit through a new connection, which cost each posting as
        much as the addon's own queueing; this way a burst of postings pays it once. A run already
        going takes what is posted meanwhile: it reads "due" before each booking and once more,
        committed, before it ends (_push_due)."""
        push = self.env.ref(CRON_XMLID).sudo()
        self.env.cr.execute(
            "SELECT 1 FROM ir_cron_trigger WHERE cron_id = %s AND call_at <= %s LIMIT 1",
            [push.id, fields.Datetime.now()],
        )
        if self.env.cr.fetchone():
            # That wake-up may be the one a running push started from: Odoo's runner deletes it when
            # the run ends, and the run may have read "due" for the last time before this posting
            # commits. This posting's own row, later than the run's start, outlives it; it sends no
            # NOTIFY (the new connection a burst saves), so in that race the runner finds it at its
            # next poll, within about a minute, instead of at the job's next scheduled time.
            self.env["ir.cron.trigger"].sudo().create({"cron_id": push.id, "call_at": fields.Datetime.now()})
            return
        push._trigger()
        self._trigger_pdf_job()

    @remembered_in_run
    def _note_author(self):
        """(author, e-mail) of the push's notes by mail's own rule (the current user), once per run, not
        once per note. Called on no booking, so that every note of the run shares it."""
        return list(self.move_id._message_compute_author(raise_on_email=False))

    def _note(self, body):
        """One internal note per outcome on the move: the customer follows the invoice, so never a comment."""
        author_id, email_from = self.browse()._note_author()
        self.move_id._message_log(body=Markup("<p>%s</p>") % body, author_id=author_id, email_from=email_from)
