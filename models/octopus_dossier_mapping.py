import re

from markupsafe import Markup, escape

from odoo import fields, models

# Octopus sale journals whose insertion type takes bookings (0: not stated, 1: bookings), ref §4.2.
BOOKING_INSERTION_TYPES = (0, 1)


def compact(text):
    """Upper-case letters and digits only, to find an IBAN in a journal name however it is spaced."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


class OctopusDossier(models.Model):
    """The dossier's mapping tab: the company's sales, purchase and bank journals with their Octopus
    counterparts, editable in place, with suggestions and links from the mapping check to the records."""

    _inherit = "octopus.dossier"  # pylint: disable=consider-merging-classes-inherited

    mapping_journal_ids = fields.One2many(
        "account.journal",
        "octopus_dossier_id",
        string="Journals to map",
        domain=[("type", "in", ("sale", "purchase", "bank"))],
    )

    def _suggest_journal(self, journal):
        """The Octopus journal `journal` most likely books into (empty when none is clear).

        Sales: the first V journal taking bookings; purchases: the first A journal; a bank journal:
        the F journal whose name carries its IBAN, or its Belgian account number (the IBAN's last 12).
        """
        if not self:
            return self.env["octopus.journal"]
        journals = self.journal_ids.sorted("key")
        if journal.type == "sale":
            sales = journals.filtered(lambda j: j.journal_type == "V")
            return (sales.filtered(lambda j: j.insertion_type in BOOKING_INSERTION_TYPES) or sales)[:1]
        if journal.type == "purchase":
            return journals.filtered(lambda j: j.journal_type == "A")[:1]
        iban = compact(journal.bank_account_id.acc_number)
        if journal.type != "bank" or not iban:
            return self.env["octopus.journal"]
        return journals.filtered(
            lambda j: (
                j.journal_type == "F"
                and (iban in compact(j.name) or (iban.startswith("BE") and iban[4:] in compact(j.name)))
            )
        )[:1]

    def _fill_mapping_suggestions(self):
        """Set the suggested Octopus journal on every journal and bank account not mapped yet."""
        filled = self.env["account.journal"]
        for dossier in self:
            for journal in dossier.with_company(dossier.company_id).mapping_journal_ids:
                suggestion = journal.octopus_suggested_journal_id
                if not suggestion:
                    continue
                if journal.type in ("sale", "purchase") and not journal.octopus_journal_id:
                    journal.octopus_journal_id = suggestion
                    filled |= journal
                elif journal.type == "bank" and not journal.octopus_bank_journal_id:
                    journal.octopus_bank_journal_id = suggestion
                    filled |= journal
        return filled

    def action_fill_mapping_suggestions(self):
        self.ensure_one()
        filled = self.with_company(self.company_id)._fill_mapping_suggestions()
        message = (
            self.env._(
                "%(count)s journals mapped to their suggested Octopus journal: %(journals)s.",
                count=len(filled),
                journals=", ".join(filled.mapped("name")),
            )
            if filled
            else self.env._("Every journal with a suggestion is already mapped.")
        )
        return self.connection_id._notify(
            self.env._("Octopus mapping of %(company)s", company=self.company_id.name),
            message,
            "success",
            {"type": "ir.actions.client", "tag": "soft_reload"},
            sticky=True,
        )

    def action_copy_mapping(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "octopus.mapping.copy",
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Copy the mapping of %(company)s", company=self.company_id.name),
            "context": {"default_dossier_id": self.id},
        }

    def _problem_html(self, record, problem):
        """A line of the mapping check, linked to the record to fix when there is one."""
        if not record or record == self:
            return escape(problem)
        # a new tab loads the record with the dossier's company allowed (cids); the dossier stays open
        url = (
            f"/odoo/m-{record._name}/{record.id}?cids={'-'.join(map(str, (self.company_id | self.env.companies).ids))}"
        )
        return Markup('<a href="%s" target="_blank" rel="noopener">%s</a>') % (url, problem)

    def _sync_batch(self):
        """Dossiers linked in bulk get their suggested journals at once: forty associations are mapped
        as far as Octopus' journals make it clear."""
        done, failed = super()._sync_batch()
        done._fill_mapping_suggestions()
        return done, failed
