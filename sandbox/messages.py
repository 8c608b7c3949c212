"""`errorMessage` texts per error code, in the language of the dossier token (ref §3.2, §5.7).

Octopus words errorMessage per code in the token's locale (`GET /error?errorCode=&localeId=` shows
one text per code) and keeps the details in technicalInfo, in English. A token connected without
`localeId` speaks the dossier's language (ref §7.12). The Dutch -13 text is the recorded one
(ref §5.1); the others are the sandbox's own wording. German falls back to English.
"""

LOCALES = {1: "nl", 2: "fr", 3: "en", 4: "de"}

MESSAGES = {
    -8: {"en": "No bookyears found", "nl": "Geen boekjaren gevonden", "fr": "Aucun exercice trouvé"},
    -9: {"en": "Unknown bookyear", "nl": "Onbekend boekjaar", "fr": "Exercice inconnu"},
    -10: {"en": "Unknown journal", "nl": "Onbekend dagboek", "fr": "Journal inconnu"},
    -11: {
        "en": "Journal either closed or open by other user",
        "nl": "Het dagboek is afgesloten of geopend door een andere gebruiker",
        "fr": "Le journal est clôturé ou ouvert par un autre utilisateur",
    },
    -13: {
        "en": "The document number is invalid. It must be ascending and follow on the last "
        "document number of the journal.",
        "nl": "Het document nummer is ongeldig. Het document nummer dient tevens oplopend te zijn "
        "en dient opeenvolgend te zijn met het laatste document nummer van het dagboek.",
        "fr": "Le numéro de document n'est pas valable. Il doit être croissant et suivre le "
        "dernier numéro de document du journal.",
    },
    -14: {
        "en": "The period does not exist in the bookyear",
        "nl": "De periode bestaat niet in het boekjaar",
        "fr": "La période n'existe pas dans l'exercice",
    },
    -15: {
        "en": "The period of the bookyear is protected",
        "nl": "De periode van het boekjaar is beschermd",
        "fr": "La période de l'exercice est protégée",
    },
    -16: {"en": "Unknown relation", "nl": "Onbekende relatie", "fr": "Relation inconnue"},
    -19: {"en": "Unknown currency", "nl": "Onbekende munt", "fr": "Devise inconnue"},
    -20: {"en": "Illegal exchange rate", "nl": "Ongeldige wisselkoers", "fr": "Taux de change non valable"},
    -21: {"en": "Unknown account", "nl": "Onbekende rekening", "fr": "Compte inconnu"},
    -22: {"en": "Unknown VAT code", "nl": "Onbekende btw-code", "fr": "Code TVA inconnu"},
    -23: {
        "en": "The amounts of the booking are not valid",
        "nl": "De bedragen van de boeking zijn ongeldig",
        "fr": "Les montants de l'écriture ne sont pas valables",
    },
    -25: {
        "en": "Unknown financial line type",
        "nl": "Onbekend type financiële lijn",
        "fr": "Type de ligne financière inconnu",
    },
    -26: {
        "en": "The balancing could not be inserted",
        "nl": "De afpunting kon niet worden toegevoegd",
        "fr": "Le lettrage n'a pas pu être ajouté",
    },
    -29: {
        "en": "The journal is in the wrong mode",
        "nl": "Het dagboek staat in de verkeerde modus",
        "fr": "Le journal est dans le mauvais mode",
    },
    -33: {"en": "No bookings found", "nl": "Geen boekingen gevonden", "fr": "Aucune écriture trouvée"},
    -34: {"en": "Booking not found", "nl": "Boeking niet gevonden", "fr": "Écriture introuvable"},
    -36: {"en": "No Journals found", "nl": "Geen dagboeken gevonden", "fr": "Aucun journal trouvé"},
    -38: {"en": "Invalid journal", "nl": "Ongeldig dagboek", "fr": "Journal non valable"},
    -40: {"en": "Unknown cost centre", "nl": "Onbekende kostenplaats", "fr": "Centre de frais inconnu"},
    -41: {
        "en": "The cost centre is closed",
        "nl": "De kostenplaats is afgesloten",
        "fr": "Le centre de frais est clôturé",
    },
    -45: {"en": "No cost centres found", "nl": "Geen kostenplaatsen gevonden", "fr": "Aucun centre de frais trouvé"},
    -76: {
        "en": "The cost centre could not be saved",
        "nl": "De kostenplaats kon niet worden bewaard",
        "fr": "Le centre de frais n'a pas pu être enregistré",
    },
    -42: {"en": "No VATCodes found", "nl": "Geen btw-codes gevonden", "fr": "Aucun code TVA trouvé"},
    -44: {"en": "No accounts found", "nl": "Geen rekeningen gevonden", "fr": "Aucun compte trouvé"},
    -47: {"en": "No relations found", "nl": "Geen relaties gevonden", "fr": "Aucune relation trouvée"},
    -65: {
        "en": "No modified balancings found",
        "nl": "Geen gewijzigde afpuntingen gevonden",
        "fr": "Aucun lettrage modifié trouvé",
    },
    -80: {
        "en": "Maximum allowed calls per day reached",
        "nl": "Maximum aantal oproepen per dag bereikt",
        "fr": "Nombre maximum d'appels par jour atteint",
    },
}
MESSAGES[-12] = MESSAGES[-11]


def language(locale_id, dossier_language):
    """The language of a dossier token: its localeId, or the dossier's own when 0 / none."""
    return LOCALES.get(locale_id) or (dossier_language or "nl").lower()


def text(code, lang):
    """errorMessage for `code` in `lang` (English when the language has no text); None if unknown."""
    texts = MESSAGES.get(code)
    if texts is None:
        return None
    return texts.get(lang) or texts["en"]
