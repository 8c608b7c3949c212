import threading

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.tools import SQL
from odoo.exceptions import AccessError, UserError

from ..octopus.booking import display_number

PUSHED_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")
STATES = [("to_send", "To send"), ("sending", "Sending"), ("sent", "Sent"), ("waiting", "Waiting"),
          ("uncertain", "Uncertain"), ("failed", "Failed")]
PENDING = ("to_send", "sending", "uncertain", "waiting")  # still to reach Octopus without a person
CRON_XMLID = "account_octopus.ir_cron_octopus_push"
MANAGER_GROUP = "account_octopus.group_octopus_manager"
OUTBOX_FIELDS = frozenset({
    "octopus_state", "octopus_waiting_reason", "octopus_message", "octopus_next_try", "octopus_retry_count",
    "octopus_bookyear_id", "octopus_journal_key", "octopus_document_nr", "octopus_sent_at", "octopus_check_needed",
    "octopus_payment_state", "octopus_payment_journal_key", "octopus_payment_document_nr",
    "octopus_payment_sent_at", "octopus_payment_check_needed", "octopus_payment_message"})


def pending_sql(states=PENDING):
    """SQL condition on account_move: the invoice's booking is in `states`, or, the invoice being
    sent, its payment's booking is (the Python twin: _octopus_pending_kind)."""
    return SQL("(octopus_state IN %(states)s OR (octopus_state = 'sent' AND octopus_payment_state IN %(states)s))",
               states=states)


class AccountMove(models.Model):
    """The Octopus outbox on the move: posting queues, the cron (account_move_octopus_push.py) sends.

    States: to_send → sending → sent; waiting (journal open in Octopus, daily limit, network) and
    uncertain (a reply was lost: checked in Octopus before anything is sent again) come back to
    sending; failed waits for a person (Retry). The payment booking has its own state.
    """

    _inherit = "account.move"

    octopus_state = fields.Selection(STATES, string="Octopus", copy=False, index="btree_not_null", readonly=True)
    octopus_waiting_reason = fields.Selection([("lock", "Journal open in Octopus"),
                                               ("limit", "Daily limit reached"),
                                               ("network", "Octopus unreachable")],
                                              copy=False, readonly=True)
    octopus_message = fields.Text(copy=False, readonly=True)
    octopus_next_try = fields.Datetime(copy=False, readonly=True, index="btree_not_null")
    octopus_retry_count = fields.Integer(copy=False, readonly=True,
                                         help="Failed tries in a row; the next try waits longer each time.")
    octopus_bookyear_id = fields.Many2one("octopus.bookyear", copy=False, readonly=True)
    octopus_journal_key = fields.Char(copy=False, readonly=True)
    octopus_document_nr = fields.Integer(string="Octopus document number", copy=False, readonly=True)
    octopus_number = fields.Char(string="Octopus number", compute="_compute_octopus_number", store=True,
                                 help="Bookyear/journal/number of the booking in Octopus, e.g. 2026/V1/17.")
    octopus_sent_at = fields.Datetime(string="Sent to Octopus on", copy=False, readonly=True)
    octopus_check_needed = fields.Boolean(
        copy=False, readonly=True,
        help="A booking request may have reached Octopus without an answer: Octopus is read before "
             "anything is sent again.")
    octopus_payment_state = fields.Selection(STATES, string="Octopus payment", copy=False, readonly=True)
    octopus_payment_journal_key = fields.Char(copy=False, readonly=True)
    octopus_payment_document_nr = fields.Integer(copy=False, readonly=True)
    octopus_payment_number = fields.Char(string="Octopus payment number", compute="_compute_octopus_number",
                                         store=True)
    octopus_payment_sent_at = fields.Datetime(copy=False, readonly=True)
    octopus_payment_check_needed = fields.Boolean(copy=False, readonly=True)
    octopus_payment_message = fields.Text(copy=False, readonly=True)
    octopus_attempt_ids = fields.One2many("octopus.push.attempt", "move_id", readonly=True)
    octopus_attempt_count = fields.Integer(compute="_compute_octopus_attempt_count")

    @api.depends("octopus_state", "octopus_bookyear_id.name", "octopus_journal_key", "octopus_document_nr",
                 "octopus_payment_state", "octopus_payment_journal_key", "octopus_payment_document_nr")
    def _compute_octopus_number(self):
        for move in self:
            year = move.octopus_bookyear_id.name
            move.octopus_number = move.octopus_state == "sent" and move.octopus_document_nr and \
                display_number(year, move.octopus_journal_key, move.octopus_document_nr)
            move.octopus_payment_number = move.octopus_payment_state == "sent" and \
                move.octopus_payment_document_nr and \
                display_number(year, move.octopus_payment_journal_key, move.octopus_payment_document_nr)

    def _compute_octopus_attempt_count(self):
        counts = dict(self.env["octopus.push.attempt"]._read_group(
            [("move_id", "in", self.ids)], ["move_id"], ["__count"]))
        for move in self:
            move.octopus_attempt_count = counts.get(move, 0)

    def write(self, vals):
        """The addon's own columns skip account.move.write() and mail tracking.

        That override re-synchronises tax and payment-term lines and re-checks posted moves: it was
        two thirds of the push's own time (bench/: throughput) while none of it concerns a state,
        a message or an Octopus number. Other fields, or a mix, go the normal way.
        """
        if vals and all(name in OUTBOX_FIELDS for name in vals):
            return models.BaseModel.write(self, vals)
        return super().write(vals)

    # -- posting queues, never sends -------------------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._octopus_queue()
        return posted

    def _octopus_pushable(self):
        """Invoices, credit notes, bills and refunds of a company linked through an active connection.

        A deactivated connection (e.g. a neutralised copy of the database) queues nothing.
        """
        moves = self.filtered(lambda move: move.move_type in PUSHED_TYPES)
        if not moves:
            return moves
        # one query rather than the computed company.octopus_dossier_id per move: this runs at every posting
        # sudo: which companies are linked is no secret, but dossiers are readable by Octopus users only
        linked = self.env["octopus.dossier"].sudo().search_fetch(
            [("company_id", "in", moves.company_id.ids), ("connection_id.active", "=", True)], ["company_id"])
        return moves.filtered(lambda move: move.company_id in linked.company_id)

    def _octopus_queue(self):
        """Mark the moves "to send" and wake the cron up after the commit. No network here.

        Posting must stay as fast as without the addon (bench/: posting overhead), so the checks that
        need no network run here only for companies that asked to block posting on them; otherwise the
        cron runs them seconds later, before sending, and marks the move failed with the fix to make.
        """
        moves = self._octopus_pushable()
        for move in moves.filtered(lambda m: m.octopus_state == "sent"):
            # Reset to draft by a manager and posted again: Octopus keeps the first booking.
            move._message_log(body=self.env._(
                "Already booked in Octopus as %(number)s: not sent again. Changes must be booked in Octopus "
                "(e.g. a credit note).", number=move.octopus_number or move.octopus_document_nr))
        moves = moves.filtered(lambda m: m.octopus_state != "sent")
        if not moves:
            return
        blocking = {}
        for move in moves.filtered(lambda m: m.company_id.octopus_check_at_post):
            found = move._octopus_check_problems()
            if found:
                blocking[move] = found
        if blocking:
            raise UserError("\n".join(
                self.env._("%(move)s cannot be booked in Octopus: %(problems)s",
                           move=move.display_name, problems=" ".join(found))
                for move, found in blocking.items()))
        moves._octopus_mark_to_send()
        self.env.ref(CRON_XMLID)._trigger()

    def _octopus_mark_to_send(self):
        """Put the moves in the outbox. Only outbox columns: write() sends them past
        account.move.write(), its re-validation of posted moves and its mail tracking."""
        self.write({"octopus_state": "to_send", "octopus_message": False, "octopus_waiting_reason": False,
                    "octopus_next_try": False, "octopus_retry_count": 0})

    # -- reset to draft, cancel --------------------------------------------------------------------

    def button_draft(self):
        """A booked move stays booked in Octopus: refuse, unless an Octopus manager forces it."""
        sent = self.filtered(lambda m: m.octopus_state == "sent")
        if sent and not self.env.context.get("octopus_force_reset"):
            raise UserError(self.env._(
                "%(moves)s is booked in Octopus (%(numbers)s) and Octopus keeps that booking. Book a credit note "
                "instead; an Octopus manager can still force the reset to draft.",
                moves=", ".join(sent.mapped("display_name")),
                numbers=", ".join(n for n in sent.mapped("octopus_number") if n) or "-"))
        if sent and not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only an Octopus manager may reset a move booked in Octopus to draft."))
        busy = self.filtered(lambda m: m.octopus_state in ("sending", "uncertain") or m.octopus_check_needed)
        if busy:
            raise UserError(self.env._(
                "%(moves)s is being sent to Octopus, or Odoo is checking whether Octopus stored it. Wait until it "
                "shows Sent or Failed.", moves=", ".join(busy.mapped("display_name"))))
        res = super().button_draft()
        # Moves still in the queue simply leave it; a re-post queues them again.
        self.filtered(lambda m: m.octopus_state in ("to_send", "waiting", "failed")).write({
            "octopus_state": False, "octopus_message": False, "octopus_waiting_reason": False,
            "octopus_next_try": False, "octopus_retry_count": 0})
        for move in sent:
            move._message_log(body=self.env._(
                "Reset to draft by %(user)s although booked in Octopus as %(number)s; Octopus keeps that booking.",
                user=self.env.user.name, number=move.octopus_number))
        return res

    # -- buttons ----------------------------------------------------------------------------------

    def action_octopus_send_now(self):
        """Send these moves now, in this request (the posting transaction is long committed)."""
        pending = self.filtered(lambda m: m.octopus_state in ("to_send", "waiting", "failed", "uncertain"))
        if not self.filtered("octopus_state"):
            raise UserError(self.env._("These moves are not for Octopus: post them first."))
        with_commit = self._octopus_can_commit()
        pending._octopus_requeue()
        pending._octopus_commit(with_commit)
        pending._octopus_process("manual", with_commit=with_commit)
        return self._octopus_result_notification(self.filtered("octopus_state"))

    def action_octopus_retry(self):
        """Put failed or waiting moves back in the queue; the background job sends them right away."""
        moves = self.filtered(lambda m: m.octopus_state in ("failed", "waiting")
                              or m.octopus_payment_state in ("failed", "waiting"))
        if not moves:
            raise UserError(self.env._("Only failed or waiting Octopus pushes can be retried."))
        moves._octopus_requeue()
        self.env.ref(CRON_XMLID)._trigger()
        return self.env["octopus.connection"]._notify(
            self.env._("Octopus"), self.env._("%(count)s move(s) will be sent to Octopus in a moment.",
                                              count=len(moves)), "info")

    def action_octopus_mark_sent(self):
        """For an Octopus manager who booked the move in Octopus by hand: stop pushing it."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(self.env._("Only an Octopus manager may mark a move as sent to Octopus."))
        moves = self.filtered(lambda m: m.octopus_state in ("to_send", "waiting", "failed", "uncertain"))
        for move in moves:
            message = self.env._("Marked as booked in Octopus by hand by %(user)s.", user=self.env.user.name)
            move.write({"octopus_state": "sent", "octopus_message": message, "octopus_check_needed": False,
                        "octopus_waiting_reason": False, "octopus_next_try": False, "octopus_retry_count": 0,
                        "octopus_sent_at": fields.Datetime.now()})
            # sudo: the attempt log is written by the addon, users only read it
            self.env["octopus.push.attempt"].sudo().create({
                "move_id": move.id, "trigger": "manual", "outcome": "sent", "message": message})
            move._message_log(body=message)
        return True

    def action_octopus_force_draft(self):
        """Manager button: reset a booked move to draft; Octopus keeps its booking."""
        return self.with_context(octopus_force_reset=True).button_draft()

    def action_octopus_open_attempts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Octopus attempts of %(move)s", move=self.display_name),
            "res_model": "octopus.push.attempt",
            "view_mode": "list,form",
            "domain": [("move_id", "=", self.id)],
            "context": {"create": False},
        }

    def _octopus_requeue(self):
        """Back to the queue, due now. A move whose last send may have landed keeps that check first.

        Local copies saying the journal or period is closed are read again: the accountant may
        have reopened it in Octopus, which is usually why Retry is pressed.
        """
        for move in self:
            if move.octopus_state in ("failed", "waiting", "uncertain"):
                move.octopus_state = "uncertain" if move.octopus_check_needed else "to_send"
            if move.octopus_state == "sent" and move.octopus_payment_state in ("failed", "waiting"):
                move.octopus_payment_state = "uncertain" if move.octopus_payment_check_needed else "to_send"
        self.write({"octopus_next_try": False, "octopus_retry_count": 0, "octopus_waiting_reason": False})
        self.company_id.octopus_dossier_id._octopus_wake()
        self._octopus_refresh_closed_journals()

    @api.model
    def _octopus_can_commit(self):
        """Buttons commit per move like the cron, except under tests (their cursor cannot commit)."""
        return not (tools.config["test_enable"] or tools.config["test_file"]
                    or getattr(threading.current_thread(), "testing", False))

    def _octopus_result_notification(self, moves):
        labels = dict(self._fields["octopus_state"]._description_selection(self.env))  # in the user's language
        lines = []
        for move in moves:
            move.invalidate_recordset()
            text = labels.get(move.octopus_state, "")
            if move.octopus_number:
                text = f"{text} {move.octopus_number}"
            if move.octopus_state != "sent" and move.octopus_message:
                text = f"{text}: {move.octopus_message}"
            lines.append(f"{move.display_name}: {text}")
        kind = "success" if all(m.octopus_state == "sent" for m in moves) else "warning"
        return self.env["octopus.connection"]._notify(self.env._("Octopus"), "\n".join(lines), kind,
                                                      {"type": "ir.actions.client", "tag": "soft_reload"})

    def _octopus_note(self, body):
        """One internal note per outcome: the customer follows the invoice, so never a comment."""
        self._message_log(body=Markup("<p>%s</p>") % body)
