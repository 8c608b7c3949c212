"""The in-memory Octopus world: plain records, no rules (those live in bookings.py / relations.py)."""

from dataclasses import dataclass, field


@dataclass
class User:
    name: str
    password: str
    software_house_uuid: str
    dossier_ids: set


@dataclass
class Journal:
    """One journal inside one bookyear: numbering and locks are per (bookyear, journal)."""

    key: str
    name: str
    insertion_type: int = 1
    currency_code: str | None = None
    last_nr: int = 0
    closed: bool = False
    closed_period: int = 0
    protected_period: int = 0
    locked: bool = False

    @property
    def kind(self):
        return self.key[0]


@dataclass
class Bookyear:
    id: int
    description: str
    start: str
    end: str
    closed: bool
    periods: list  # [{"bookyearPeriod": 202601, "startDate": ..., "endDate": ...}]
    journals: dict = field(default_factory=dict)  # key -> Journal

    def period_numbers(self):
        return {p["bookyearPeriod"] for p in self.periods}


@dataclass
class Booking:
    bookyear_id: int
    journal_key: str
    nr: int
    data: dict  # the BuySellBookingServiceData / FinancialDiversBookingServiceData as stored
    attachments: list  # [{"fileName": str, "data": bytes}]
    modified: float  # sandbox epoch seconds
    entered_by: str  # "api" or "octopus" (typed in Octopus itself)
    sent: dict = None  # the booking as the API client sent it (None: as stored, e.g. typed in Octopus)

    @property
    def financial(self):
        return self.journal_key[0] in "FD"


@dataclass
class Balancing:
    """One balancing ("afpunting") of a debit document with a credit document (ref §4.10).

    Keys are (bookyear id, journal key, document nr, line nr): line -1 is a buy/sell document as a
    whole, n the n-th line of a financial booking. Octopus names a balancing by its two keys."""

    debet: tuple
    credit: tuple
    amount: float
    modified: float  # sandbox epoch seconds


# The currencies a dossier knows when its seed names none (GET /currencies: an array of strings, ref §4.11).
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "SEK", "NOK", "DKK", "PLN", "CZK")


@dataclass
class Dossier:
    id: int
    info: dict  # DossierServiceData fields other than dossierKey
    disabled: bool
    bookyears: dict  # id -> Bookyear
    accounts: dict  # account number -> AccountServiceData minus accountKey
    vatcodes: dict  # code -> VatCodeServiceData
    relations: list  # RelationServiceData dicts
    currencies: list = field(default_factory=lambda: list(CURRENCIES))  # GET /currencies (ISO codes)
    cost_centres: dict = field(default_factory=dict)  # key -> CostCentreServiceData (ref §4.11)
    bookings: dict = field(default_factory=dict)  # (bookyear_id, journal_key, nr) -> Booking
    relation_stamps: dict = field(default_factory=dict)  # relation id -> epoch of its last create/merge
    balancings: dict = field(default_factory=dict)  # (debet key, credit key) -> Balancing
    deleted_balancings: list = field(default_factory=list)  # [(debet key, credit key, epoch deleted)]
    deleted_bookings: list = field(default_factory=list)  # [(bookyear id, journal key, nr, epoch)]
