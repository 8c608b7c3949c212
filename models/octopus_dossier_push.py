from datetime import datetime, time, timedelta

from markupsafe import Markup

from odoo import fields, models

from .octopus_booking import MANAGER_GROUP

LOCK_RETRY = timedelta(hours=1)
NEXT_DAY_MARGIN = timedelta(minutes=5)


class OctopusDossier(models.Model):
    """The push's view of a dossier: paused while its journal is open in Octopus or its daily
    limit is reached, so the other bookings wait without calling Octopus.

    Lock notification: one internal note on the dossier that notifies the company's Octopus
    managers and the salespeople of the waiting invoices, once per lock (not once per invoice).
    A note rather than an activity: the dossier has no activities, the note lands in each
    person's Odoo inbox, and the dossier's chatter keeps the history of locks.
    """

    _inherit = "octopus.dossier"

    push_paused_until = fields.Datetime(string="Pushes paused until", readonly=True, copy=False)
    push_pause_reason = fields.Selection([("lock", "Journal open in Octopus"), ("limit", "Daily limit reached")],
                                         readonly=True, copy=False)
    push_lock_notified = fields.Boolean(readonly=True, copy=False)

    def _octopus_period_problems(self, period, date):
        """What keeps a booking dated `date` out of this dossier's bookyears (`period`: its period)."""
        self.ensure_one()
        if not period:
            return [self.env._(
                "No Octopus bookyear covers %(date)s: synchronise the bookyears of %(dossier)s (or ask the accountant "
                "to open that bookyear in Octopus), then press Retry.", date=date, dossier=self.display_name)]
        if period.bookyear_id.closed:
            return [self.env._(
                "Bookyear %(year)s is closed in Octopus: ask the accountant to reopen it or change the invoice date, "
                "then press Retry.", year=period.bookyear_id.name)]
        return []

    def _octopus_push_paused(self):
        self.ensure_one()
        return bool(self.push_paused_until and self.push_paused_until > fields.Datetime.now())

    def _octopus_pause_push(self, reason, until):
        """Pause this dossier's pushes until `until` (see _octopus_resume_time)."""
        self.ensure_one()
        # sudo: any invoicing user's push may pause the dossier; the fields belong to the push
        self.sudo().write({"push_paused_until": until, "push_pause_reason": reason})

    def _octopus_resume_time(self, reason):
        """When to try again: an hour after a lock, tomorrow (UTC, like the call counters) after a limit."""
        now = fields.Datetime.now()
        if reason == "lock":
            return now + LOCK_RETRY
        return datetime.combine(now.date() + timedelta(days=1), time.min) + NEXT_DAY_MARGIN

    def _octopus_notify_lock(self, move):
        """Tell the people responsible for the company, once per lock."""
        self.ensure_one()
        if self.push_lock_notified:
            return
        waiting = self.env["octopus.booking"].search([("company_id", "=", self.company_id.id),
                                                      ("state", "in", ("to_send", "waiting"))]).move_id
        users = self._octopus_responsible_users() | (waiting | move).invoice_user_id.filtered(
            lambda u: u.active and not u.share)
        body = Markup("<p>%s</p>") % self.env._(
            "Octopus refuses bookings for %(company)s: a journal of dossier %(dossier)s is open by another user in "
            "Octopus. The invoices wait (first one: %(move)s); Odoo tries again every hour and sends them all as "
            "soon as the journal is closed in Octopus (Retry on a waiting invoice tries at once). If it lasts, ask "
            "whoever has it open in Octopus to close it.",
            company=self.company_id.name, dossier=self.display_name, move=move.display_name)
        # sudo: the note is the addon's, posted for whichever user's push met the lock
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note", partner_ids=users.partner_id.ids)
        self.sudo().push_lock_notified = True

    def _octopus_responsible_users(self):
        group = self.env.ref(MANAGER_GROUP)
        return self.env["res.users"].search([("groups_id", "in", group.id), ("share", "=", False),
                                             ("company_ids", "in", self.company_id.id)])

    def _octopus_wake(self):
        """A person asks to try now (Retry, Send now, or the cron run by hand): lift the pause, and the
        bookings waiting for it are due now. A daily-limit pause costs nothing to lift: the call
        counter stops the first call again."""
        paused = self.filtered("push_paused_until")
        if not paused:
            return
        # sudo: see _octopus_pause_push
        paused.sudo().write({"push_paused_until": False, "push_pause_reason": False})
        paused._octopus_waiting_due_now()

    def _octopus_push_resumed(self):
        """A booking went through: lift the pause, say so once, and send the waiting bookings now."""
        self.ensure_one()
        if not (self.push_paused_until or self.push_lock_notified):
            return
        if self.push_lock_notified:
            self.sudo().message_post(body=Markup("<p>%s</p>") % self.env._(
                "Octopus accepts bookings again; the waiting invoices are being sent."),
                subtype_xmlid="mail.mt_note")
        # sudo: see _octopus_pause_push
        self.sudo().write({"push_paused_until": False, "push_pause_reason": False, "push_lock_notified": False})
        if self._octopus_waiting_due_now():
            self.env["octopus.booking"]._trigger_push()

    def _octopus_waiting_due_now(self):
        """The bookings of these dossiers waiting for a lock or a limit: due now (one write)."""
        # sudo: the outbox is the addon's
        waiting = self.env["octopus.booking"].sudo().search([
            ("company_id", "in", self.company_id.ids), ("waiting_reason", "in", ("lock", "limit")),
            ("next_try", ">", fields.Datetime.now())])
        waiting.write({"next_try": fields.Datetime.now()})
        return waiting
