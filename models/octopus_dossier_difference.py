import logging
from datetime import datetime, time, timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_datetime

from ..octopus import booking as octopus_booking
from ..octopus import errors
from .octopus_push_run import cycle_began, within_budget

_logger = logging.getLogger(__name__)

# The calls one report run makes: every buy/sell booking of the bookyear, and the deleted ones.
DIFFERENCES_CRON_XMLID = "account_octopus.ir_cron_octopus_differences"
REPORT_CALLS = ("GET /buysellbookings/modified", "GET /bookings/modified")
SENT_FIELDS = ("total", "vat", "relation", "date", "lines")  # Octopus against what was sent
ODOO_FIELDS = ("total", "vat", "partner", "date", "lines")  # the move now against what was sent


class OctopusDossier(models.Model):
    """The difference report of a dossier (issue 14): what Octopus holds against what Odoo sent."""

    _inherit = "octopus.dossier"  # pylint: disable=consider-merging-classes-inherited

    difference_summary = fields.Char(string="Last difference check", readonly=True)
    difference_count = fields.Integer(string="Open differences", readonly=True)
    difference_checked_at = fields.Datetime(string="Differences checked on", readonly=True)
    difference_weekly = fields.Boolean(
        string="Check differences weekly",
        help="Every week Odoo compares the current bookyear with Octopus and posts a note on the dossier when "
        "differences appear (2 Octopus calls of the 48 a day).",
    )

    def action_check_differences(self):
        """The button: check the bookyear of today (else the latest), then open the report."""
        self.ensure_one()
        bookyear = self._difference_bookyear()
        calls = self._check_differences(bookyear)
        action = self.action_open_differences()
        action["context"] = {**action.get("context", {}), "search_default_bookyear_id": bookyear.id}
        self.message_post(
            body=self.env._("%(summary)s (%(calls)s Octopus calls).", summary=self.difference_summary, calls=calls)
        )
        return action

    def action_open_differences(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account_octopus.action_octopus_difference")
        action["domain"] = [("dossier_id", "=", self.id)]
        action["context"] = {"search_default_open": 1, "search_default_group_journal": 1}
        return action

    def _difference_bookyear(self):
        today = fields.Date.context_today(self)
        bookyear = (
            self.bookyear_ids.filtered(lambda b: b.date_start <= today <= b.date_end)[:1]
            or self.bookyear_ids.sorted("date_start", reverse=True)[:1]
        )
        if not bookyear:
            raise UserError(self.env._("Synchronise the bookyears of %(dossier)s first.", dossier=self.display_name))
        return bookyear

    # -- one run -------------------------------------------------------------------------------------

    def _check_differences(self, bookyear):
        """Read Octopus (two calls), replace the bookyear's report lines; returns the calls used."""
        self.ensure_one()
        counter = self.env["octopus.call.counter"]
        short = [op for op in REPORT_CALLS if counter._remaining(self.connection_id, op, self.octopus_key) == 0]
        if short:
            raise UserError(
                self.env._(
                    "Octopus' daily call limit for %(calls)s is used up today: check the differences tomorrow.",
                    calls=", ".join(short),
                )
            )
        since = datetime.combine(bookyear.date_start, time.min) - timedelta(days=1)
        api_ = self._get_api()
        try:
            held = api_.modified_buysell_bookings(bookyear.octopus_key, None, since)
            _modified, deleted = api_.modified_bookings(-1, -1, since)
        except errors.OctopusError as exc:
            raise UserError(self.connection_id._error_message(exc)) from exc
        gone = {
            (d.get("journalType"), d.get("journalSequenceNr"), d.get("documentSequenceNr"))
            for d in deleted
            if (d.get("bookyearKey") or {}).get("id") == bookyear.octopus_key
        }
        now = fields.Datetime.now()
        vals = self._difference_lines(bookyear, held, gone, now)
        reports = self.env["octopus.difference"].sudo()  # sudo: the report is the addon's; users read it
        old = reports.search([("dossier_id", "=", self.id), ("bookyear_id", "=", bookyear.id)])
        vals = reports._carry_notes(old, vals)
        old.unlink()
        lines = reports.create(vals)
        self._difference_summarise(bookyear, lines, now)
        return len(REPORT_CALLS)

    def _difference_lines(self, bookyear, held, gone, now):
        """Report line values: one per invoice booking Odoo sent in `bookyear`, one per booking only
        Octopus holds. `held`: BuySellBookingServiceData listed; `gone`: deleted DocumentKeys."""
        by_number = {(b.get("journalKey"), b.get("documentSequenceNr")): b for b in held}
        sent = (
            self.env["octopus.booking"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self.company_id.id),
                    ("kind", "=", "invoice"),
                    ("state", "=", "sent"),
                    ("bookyear_id", "=", bookyear.id),
                ]
            )
        )
        periods = {p.number: p.id for p in bookyear.period_ids}
        base = {"dossier_id": self.id, "bookyear_id": bookyear.id, "checked_at": now}
        result, matched = [], set()
        for booking in sent:
            key = (booking.journal_key, booking.document_nr)
            octopus = by_number.get(key)
            mine = booking.sent_fingerprint or booking._odoo_fingerprint() or {}
            category, detail = self._difference_category(booking, mine, octopus, gone)
            if octopus and category != "missing":
                matched.add(key)
            period = self._period_for_date(booking._date())
            result.append(
                {
                    **base,
                    "category": category,
                    "detail": detail,
                    "booking_id": booking.id,
                    "move_id": booking.move_id.id,
                    "journal_key": booking.journal_key,
                    "document_nr": booking.document_nr,
                    "number": booking.number,
                    "reference": booking.move_id.name,
                    "period_id": period.id,
                    **_amounts("odoo", mine),
                    **(
                        _amounts("octopus", octopus_booking.fingerprint(octopus))
                        if octopus and category != "missing"
                        else {}
                    ),
                }
            )
        for key, octopus in by_number.items():
            if key in matched:
                continue
            result.append(
                {
                    **base,
                    "category": "only_octopus",
                    "journal_key": key[0],
                    "document_nr": key[1],
                    "number": octopus_booking.display_number(bookyear.name, key[0], key[1]),
                    "reference": octopus.get("reference"),
                    "period_id": periods.get(octopus.get("bookyearPeriodeNr")),
                    "detail": self.env._("Booked in Octopus directly."),
                    **_amounts("octopus", octopus_booking.fingerprint(octopus)),
                }
            )
        return result

    def _difference_category(self, booking, mine, octopus, gone):
        """(category, detail) of a booking Odoo sent, given what Octopus lists under its number."""
        journal_type = {"A": 1, "V": 2}.get((booking.journal_key or " ")[0])
        if not octopus:
            key = (journal_type, _journal_nr(booking.journal_key), booking.document_nr)
            if key in gone:
                return "missing", self.env._("deleted in Octopus")
            return "missing", self.env._("Octopus lists no booking under this number")
        theirs = octopus_booking.fingerprint(octopus)
        reference = mine.get("reference") or booking.move_id.name
        if theirs["reference"] != reference:
            return "missing", self.env._(
                "Octopus holds another booking under this number (reference %(ref)s)", ref=theirs["reference"] or "-"
            )
        labels = self._difference_labels()
        if booking.sent_fingerprint:
            now = booking._odoo_fingerprint()
            changed = now and octopus_booking.fingerprint_differences(mine, now, ODOO_FIELDS)
            if changed:
                return "changed", self.env._(
                    "changed in Odoo: %(fields)s", fields=", ".join(labels[name] for name in changed)
                )
        different = octopus_booking.fingerprint_differences(mine, theirs, SENT_FIELDS)
        if different:
            return "different", ", ".join(labels[name] for name in different)
        return "ok", False

    def _difference_labels(self):
        return {
            "total": self.env._("total"),
            "vat": self.env._("VAT"),
            "relation": self.env._("relation"),
            "partner": self.env._("partner"),
            "date": self.env._("date"),
            "lines": self.env._("lines"),
        }

    def _difference_summarise(self, bookyear, lines, now):
        sent = lines.filtered(lambda line: line.booking_id or line.move_id)
        in_octopus = lines.filtered(lambda line: line.octopus_count and line.category != "only_octopus")
        open_lines = lines.filtered(
            lambda line: line.category in ("missing", "different", "changed") and not line.explained
        )
        self.write(
            {
                "difference_count": len(open_lines),
                "difference_checked_at": now,
                "difference_summary": self.env._(
                    "%(year)s: %(sent)s sent, %(held)s in Octopus, %(open)s differences, checked %(when)s",
                    year=bookyear.name,
                    sent=len(sent),
                    held=len(in_octopus),
                    open=len(open_lines),
                    when=format_datetime(self.env, now, dt_format="d MMM HH:mm"),
                ),
            }
        )

    # -- the weekly job -----------------------------------------------------------------------------

    @api.model
    def _cron_check_differences(self):
        """Weekly: each dossier that asks for it and was not checked yet in this cycle, the least
        recently checked first, within the run's time budget (what is left gets a fresh run); a note
        when differences appear. Commits per dossier so one dossier's failure does not undo the others."""
        since = cycle_began(self.env.ref(DIFFERENCES_CRON_XMLID).sudo())
        dossiers = self.search(
            [
                ("difference_weekly", "=", True),
                ("connection_id.active", "=", True),
                "|",
                ("difference_checked_at", "=", False),
                ("difference_checked_at", "<=", since),
            ],
            order="difference_checked_at asc nulls first, id",
        )
        for dossier in within_budget(dossiers, DIFFERENCES_CRON_XMLID):
            try:
                before = dossier.difference_count
                dossier._check_differences(dossier._difference_bookyear())
                if dossier.difference_count and dossier.difference_count != before:
                    dossier.message_post(
                        body=Markup("<p>%s</p>")
                        % self.env._(
                            "Octopus and Odoo differ: %(summary)s. See the difference report.",
                            summary=dossier.difference_summary,
                        )
                    )
            except UserError as exc:
                _logger.info("Octopus difference check of dossier %s skipped: %s", dossier.id, exc)
            if self.env["account.move"]._can_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit


def _journal_nr(journal_key):
    try:
        return int((journal_key or "")[1:])
    except ValueError:
        return None


def _amounts(side, fingerprint):
    """Report amounts of one side; base and VAT carry the total's sign (a credit note's lines are
    positive in Octopus, ref §5.2)."""
    if not fingerprint:
        return {}
    sign = -1 if fingerprint.get("total", 0) < 0 else 1
    return {
        f"{side}_count": 1,
        f"{side}_total": fingerprint.get("total", 0) / 100,
        f"{side}_base": sign * fingerprint.get("base", 0) / 100,
        f"{side}_vat": sign * fingerprint.get("vat", 0) / 100,
    }
