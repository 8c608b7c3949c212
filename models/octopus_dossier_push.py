from datetime import datetime, time, timedelta

from markupsafe import Markup

from odoo import api, fields, models

from .octopus_booking import MANAGER_GROUP

LOCK_ACTIVITY_XMLID = "account_octopus.mail_activity_type_octopus_lock"
LOCK_RETRY = timedelta(hours=1)
NEXT_DAY_MARGIN = timedelta(minutes=5)


class OctopusDossier(models.Model):
    """The push's view of a dossier: paused while its journal is open in Octopus or its daily
    limit is reached, so the other bookings wait without calling Octopus.

    Lock notification, once per lock (not once per invoice): an activity on the dossier for each
    of the company's Octopus managers and the salespeople of the waiting invoices. An activity shows
    in Odoo's activity menu whatever the person's e-mail preference (a note notifying them would go
    by e-mail only for those who chose e-mail); it is marked done when Octopus accepts bookings
    again. The dossier's chatter keeps the history of locks as notes.

    What the background job writes (notes, booking messages) is in the language and time zone of
    the company's responsible users (_octopus_audience), as Odoo's own scheduled notes are.
    """

    _inherit = "octopus.dossier"  # pylint: disable=consider-merging-classes-inherited

    push_paused_until = fields.Datetime(string="Pushes paused until", readonly=True, copy=False)
    push_pause_reason = fields.Selection(
        [("lock", "Journal open in Octopus"), ("limit", "Daily limit reached")], readonly=True, copy=False
    )
    push_lock_notified = fields.Boolean(readonly=True, copy=False)

    def _octopus_period_problems(self, period, date):
        """What keeps a booking dated `date` out of this dossier's bookyears (`period`: its period)."""
        self.ensure_one()
        if not period:
            return [
                self.env._(
                    "No Octopus bookyear covers %(date)s: synchronise the bookyears of %(dossier)s (or ask the "
                    "accountant to open that bookyear in Octopus), then press Send to Octopus.",
                    date=date,
                    dossier=self.display_name,
                )
            ]
        if period.bookyear_id.closed:
            return [
                self.env._(
                    "Bookyear %(year)s is closed in Octopus: ask the accountant to reopen it, or give the invoice a "
                    "date in an open bookyear.",
                    year=period.bookyear_id.name,
                )
            ]
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
        """Tell the people responsible for the company, once per lock, inside Odoo."""
        self.ensure_one()
        if self.push_lock_notified:
            return
        waiting = (
            self.env["octopus.booking"]
            .search([("company_id", "=", self.company_id.id), ("state", "in", ("to_send", "waiting"))])
            .move_id
        )
        users = self._octopus_responsible_users() | (waiting | move).invoice_user_id.filtered(
            lambda u: u.active and not u.share
        )
        text = self.env._(
            "%(lock)s First invoice waiting: %(move)s. If it lasts, ask whoever has the journal open "
            "in Octopus to close it.",
            lock=self._octopus_lock_text(self.push_paused_until),
            move=move.display_name,
        )
        summary = self.env._("Octopus journal open by another user")
        # sudo: the note is the addon's, made for whichever user's push met the lock
        self.sudo()._message_log(body=Markup("<p>%s</p>") % text)
        self._octopus_ask(self, LOCK_ACTIVITY_XMLID, summary, text, users)
        self.sudo().push_lock_notified = True

    def _octopus_ask(self, record, activity_xmlid, summary, text, users=None):
        """An activity on `record` for each of `users` (default: the company's Octopus managers): it
        shows in Odoo's activity menu whatever the person's e-mail preference."""
        self.ensure_one()
        if users is None:
            users = self._octopus_responsible_users()
        activity_type = self.env.ref(activity_xmlid)
        for user in users:
            # sudo: the activities are the addon's, made for whichever user's push needs a person
            record.sudo().activity_schedule(
                activity_type_id=activity_type.id, summary=summary, note=Markup("<p>%s</p>") % text, user_id=user.id
            )

    @api.model
    def _octopus_answered(self, record, activity_xmlid, feedback):
        """The activities of `_octopus_ask` on `record` are done: what happened is their feedback."""
        activity_type = record.env.ref(activity_xmlid)
        # sudo: the activities were made by the addon for other users
        record.sudo().activity_ids.filtered(lambda a: a.activity_type_id == activity_type).action_feedback(
            feedback=feedback
        )

    def _octopus_lock_text(self, until):
        """The one wording of a lock, for the waiting invoices and the notice alike."""
        return self.env._(
            "Octopus refuses bookings for %(company)s: a journal of dossier %(dossier)s is open by another user in "
            "Octopus. The invoices wait and are sent by themselves once it is closed (next try %(when)s); Send now "
            "in the Octopus monitor, or Send to Octopus on an invoice, tries at once.",
            company=self.company_id.name,
            dossier=self.display_name,
            when=self._octopus_time(until),
        )

    def _octopus_time(self, value):
        """A date and time as the readers see it next to it in Odoo's lists (their language's date and
        short time format) in their time zone (see _octopus_audience)."""
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        local = fields.Datetime.context_timestamp(self, value)  # the context's tz, else the user's
        return local.strftime(f"{lang.date_format} {lang.short_time_format}")

    def _octopus_audience(self):
        """Language and time zone for what the background job writes for this company: those of its
        Octopus managers (the most common language among them), else the company's partner's."""
        self.ensure_one()
        users = self._octopus_responsible_users()
        partner = self.company_id.partner_id
        langs = users.mapped("lang")
        lang = max(set(langs), key=langs.count) if langs else partner.lang
        tz = next((u.tz for u in users if u.tz), False) or partner.tz or "UTC"
        return {"lang": lang or "en_US", "tz": tz}

    def _octopus_responsible_users(self):
        group = self.env.ref(MANAGER_GROUP)
        return self.env["res.users"].search(
            [("groups_id", "in", group.id), ("share", "=", False), ("company_ids", "in", self.company_id.id)]
        )

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
            message = self.env._("Octopus accepts bookings again; the waiting invoices are being sent.")
            self.sudo().message_post(body=Markup("<p>%s</p>") % message, subtype_xmlid="mail.mt_note")
            self._octopus_answered(self, LOCK_ACTIVITY_XMLID, message)
        # sudo: see _octopus_pause_push
        self.sudo().write({"push_paused_until": False, "push_pause_reason": False, "push_lock_notified": False})
        if self._octopus_waiting_due_now():
            self.env["octopus.booking"]._trigger_push()

    def _octopus_waiting_due_now(self):
        """The bookings of these dossiers waiting for a lock or a limit: due now (one write)."""
        # sudo: the outbox is the addon's
        waiting = (
            self.env["octopus.booking"]
            .sudo()
            .search(
                [
                    ("company_id", "in", self.company_id.ids),
                    ("waiting_reason", "in", ("lock", "limit")),
                    ("next_try", ">", fields.Datetime.now()),
                ]
            )
        )
        waiting.write({"next_try": fields.Datetime.now()})
        return waiting
