"""Every user-facing term of the addon has a Dutch and a French translation.

The terms are exported with Odoo's own exporter (what ``--i18n-export`` writes into the .pot), so
field labels, selection values, view texts, menus, actions and ``_()`` messages are all covered.
When this test fails: run ``dev/i18n-export`` (regenerates i18n/account_octopus.pot and merges it
into nl.po and fr.po), then translate the empty and fuzzy entries it lists.
"""

import os
import re

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader, get_translation

MODULE = "account_octopus"
I18N = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "i18n")
LANGUAGES = ("nl", "fr")
# %(name)s, %s, %d, %%, {name}, {0}: what Python fills in must survive the translation.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdfr]|%[sdfr%]|\{[a-z_0-9]*\}")


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reader = TranslationModuleReader(cls.env.cr, modules=[MODULE])
        cls.terms = {source for module, _type, _name, _res_id, source, _value, _comments in reader if module == MODULE}

    def _po(self, name):
        path = os.path.join(I18N, name)
        self.assertTrue(os.path.isfile(path), f"{path} is missing: run dev/i18n-export")
        return polib.pofile(path)

    def _report(self, title, msgids, hint="run dev/i18n-export, then translate them"):
        shown = "\n".join(f"  - {msgid!r}" for msgid in sorted(msgids)[:200])
        more = f"\n  ... and {len(msgids) - 200} more" if len(msgids) > 200 else ""
        return f"{title} ({len(msgids)}); {hint}:\n{shown}{more}"

    def test_exporter_finds_the_terms(self):
        """A guard for the guard: the exporter sees the addon's fields, views and messages."""
        self.assertGreater(len(self.terms), 100)
        self.assertIn("Octopus connection", self.terms)  # a model description
        self.assertIn("Link with Octopus", self.terms)  # a view button

    def test_template_is_up_to_date(self):
        template = {entry.msgid for entry in self._po(f"{MODULE}.pot") if not entry.obsolete}
        missing = self.terms - template
        self.assertFalse(missing, self._report(f"Terms missing from i18n/{MODULE}.pot", missing))

    def test_every_term_is_translated(self):
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                translated = {
                    entry.msgid
                    for entry in self._po(f"{lang}.po")
                    if entry.msgstr.strip() and not entry.obsolete and "fuzzy" not in entry.flags
                }
                missing = self.terms - translated
                self.assertFalse(
                    missing, self._report(f"Terms without a {lang} translation in i18n/{lang}.po", missing)
                )

    def test_placeholders_are_kept(self):
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                wrong = [
                    entry.msgid
                    for entry in self._po(f"{lang}.po")
                    if entry.msgstr and not entry.obsolete and placeholders(entry.msgid) != placeholders(entry.msgstr)
                ]
                self.assertFalse(
                    wrong,
                    self._report(
                        f"{lang} translations that lose or change a placeholder (%(name)s, %s, {{name}})",
                        wrong,
                        hint="give them the same placeholders as the English term",
                    ),
                )

    def test_dutch_and_french_load_into_odoo(self):
        """The files are what Odoo reads: labels, view texts and messages come out translated."""
        for code in ("nl_BE", "fr_BE"):
            self.env["res.lang"]._activate_lang(code)
        self.env["ir.module.module"]._load_module_terms([MODULE], ["nl_BE", "fr_BE"], overwrite=True)
        action = self.env.ref("account_octopus.action_octopus_connection")
        self.assertEqual(action.with_context(lang="nl_BE").name, "Octopus-verbindingen")
        self.assertEqual(action.with_context(lang="fr_BE").name, "Connexions Octopus")
        view = self.env.ref("account_octopus.octopus_connection_view_form")
        self.assertIn("Verbinding testen", view.with_context(lang="nl_BE").arch_db)
        self.assertIn("Tester la connexion", view.with_context(lang="fr_BE").arch_db)
        states = dict(
            self.env["octopus.connection"]
            .with_context(lang="fr_BE")
            ._fields["state"]
            ._description_selection(self.env(context={"lang": "fr_BE"}))
        )
        self.assertEqual(states["ok"], "Connecté")
        self.assertEqual(
            get_translation(MODULE, "nl_BE", "Signed in to Octopus as %(user)s.", {"user": "jan"}),
            "Aangemeld bij Octopus als jan.",
        )
