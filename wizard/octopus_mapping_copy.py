from odoo import fields, models
from odoo.exceptions import UserError


class OctopusMappingCopy(models.TransientModel):
    """Copy one association's mapping to others: a syndic maps once, not forty times.

    Copied: the Octopus journal key (and default account, numbering mode) of each sales and purchase
    journal, to the journal of the same type and code; account overrides, to the account with the same
    code; VAT-code overrides, to the tax with the same name, use and rate. Only what the target dossier
    has is copied; bank accounts differ per company and are not copied.
    """

    _name = "octopus.mapping.copy"
    _description = "Copy an Octopus mapping to other companies"

    dossier_id = fields.Many2one("octopus.dossier", string="Copy from", required=True, readonly=True)
    target_dossier_ids = fields.Many2many(
        "octopus.dossier", string="To the dossiers of", domain="[('id', '!=', dossier_id)]")

    def action_copy(self):
        self.ensure_one()
        if not self.target_dossier_ids:
            raise UserError(self.env._("Choose the dossiers to copy the mapping to."))
        source = self.dossier_id.with_company(self.dossier_id.company_id)
        lines = []
        for target in self.target_dossier_ids:
            copied, skipped = self._copy(source, target.with_company(target.company_id))
            line = self.env._("%(company)s: %(journals)s journals, %(accounts)s accounts, %(taxes)s VAT codes.",
                              company=target.company_id.name, **copied)
            if skipped:
                line = " ".join([line, self.env._("Not copied: %(what)s.", what="; ".join(skipped))])
            target.message_post(body=self.env._("Mapping copied from %(dossier)s. %(what)s",
                                                dossier=source.display_name, what=line),
                                subtype_xmlid="mail.mt_note")
            lines.append(line)
        return source.connection_id._notify(
            self.env._("Mapping of %(company)s copied", company=source.company_id.name), "\n".join(lines),
            "success", {"type": "ir.actions.act_window_close"}, sticky=True)

    def _copy(self, source, target):
        """Apply `source`'s journal keys and overrides to `target`'s company.

        Returns ({"journals": n, "accounts": n, "taxes": n}, [what could not be copied, in words]).
        """
        copied, skipped = {"journals": 0, "accounts": 0, "taxes": 0}, []
        company, target_company = source.company_id, target.company_id
        journal_model = self.env["account.journal"]
        sources = journal_model.search([("company_id", "=", company.id), ("type", "in", ("sale", "purchase")),
                                        ("octopus_journal_id", "!=", False)])
        targets = journal_model.with_company(target_company).search(
            [("company_id", "=", target_company.id), ("type", "in", ("sale", "purchase"))])
        octopus_journals = {journal.key: journal for journal in target.journal_ids}
        octopus_accounts = {account.number: account for account in target.account_ids}
        for source in sources:
            same_type = targets.filtered(lambda j, s=source: j.type == s.type)
            journal = same_type.filtered(lambda j, s=source: j.code == s.code)[:1] or \
                (same_type if len(same_type) == 1 else journal_model)
            octopus_journal = octopus_journals.get(source.octopus_journal_id.key)
            if not journal or not octopus_journal:
                skipped.append(self.env._("journal %(journal)s (%(key)s)", journal=source.name,
                                          key=source.octopus_journal_id.key))
                continue
            vals = {"octopus_journal_id": octopus_journal.id, "octopus_number_follows": source.octopus_number_follows}
            if source.octopus_default_account_id:
                vals["octopus_default_account_id"] = octopus_accounts.get(
                    source.octopus_default_account_id.number, self.env["octopus.account"]).id
            journal.write(vals)
            copied["journals"] += 1
        copied["accounts"] = self._copy_account_overrides(source, target, octopus_accounts, skipped)
        copied["taxes"] = self._copy_vat_code_overrides(source, target, skipped)
        return copied, skipped

    def _copy_account_overrides(self, source, target, octopus_accounts, skipped):
        company, target_company = source.company_id, target.company_id
        account_model = self.env["account.account"]
        overridden = account_model.with_company(company).search([
            *account_model._check_company_domain(company), ("octopus_account_number", "!=", False)])
        count = 0
        for account in overridden:
            number = account.octopus_account_number
            twin = account_model.with_company(target_company).search([
                *account_model._check_company_domain(target_company), ("code", "=", account.code)], limit=1)
            if not twin or number not in octopus_accounts:
                skipped.append(self.env._("account %(code)s", code=account.code))
                continue
            twin.octopus_account_number = number
            count += 1
        return count

    def _copy_vat_code_overrides(self, source, target, skipped):
        codes = set(target.vat_code_ids.mapped("code"))
        tax_model = self.env["account.tax"]
        count = 0
        for tax in tax_model.search([("company_id", "=", source.company_id.id), ("octopus_vat_code", "!=", False)]):
            twin = tax_model.with_company(target.company_id).search([
                ("company_id", "=", target.company_id.id), ("name", "=", tax.name),
                ("type_tax_use", "=", tax.type_tax_use), ("amount", "=", tax.amount)], limit=1)
            code = tax.octopus_vat_code.strip()
            if not twin or code not in codes:
                skipped.append(self.env._("tax %(tax)s", tax=tax.name))
                continue
            twin.octopus_vat_code = code
            count += 1
        return count
