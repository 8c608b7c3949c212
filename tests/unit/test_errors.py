"""Mapping of Octopus answers (status + partial ErrorResult body) to typed errors."""

import pytest

from octopus import errors
from octopus.errors import error_from_response


def test_partial_bodies_give_a_readable_message():
    assert str(error_from_response(400, {"technicalInfo": "Invalid or missing parameters passed"})) == (
        "Invalid or missing parameters passed"
    )
    assert str(error_from_response(400, {"errorMessage": "Ongeldig", "technicalInfo": "x"})) == "Ongeldig"
    assert str(error_from_response(502, None)) == "Octopus answered HTTP 502"
    assert str(error_from_response(400, ["not", "a", "dict"])) == "Octopus answered HTTP 400"


def test_fields_are_kept():
    body = {"errorCode": "-22", "errorMessage": "m", "technicalInfo": "t"}
    exc = error_from_response(400, body, context="write")
    assert isinstance(exc, errors.UnknownVatCode)
    assert (exc.status, exc.error_code, exc.message, exc.technical_info) == (400, -22, "m", "t")


@pytest.mark.parametrize(
    "code, cls",
    [
        (-10, errors.UnknownJournal),
        (-13, errors.IllegalDocumentNumber),
        (-14, errors.UnknownPeriod),
        (-15, errors.PeriodProtected),
        (-16, errors.UnknownRelation),
        (-21, errors.UnknownAccount),
        (-22, errors.UnknownVatCode),
        (-23, errors.InvalidAmounts),
        (-99, errors.BookingRefused),
        (None, errors.BookingRefused),
    ],
)
def test_booking_codes(code, cls):
    exc = error_from_response(400, {"errorCode": code, "technicalInfo": "x"}, context="write")
    assert type(exc) is cls
    assert isinstance(exc, errors.BookingRefused)


@pytest.mark.parametrize(
    "info, last",
    [
        (
            "Unable to insert booking in dossier 49555.  Illegal document seq Nr.  "
            "Last Document = 6.  New Document = 1. ",
            6,
        ),
        ("Unable to insert booking in dossier 49555.  Illegal document sequence nr.  Last Document : 5", 5),
        ("no number here", None),
    ],
)
def test_last_document_nr_from_both_wordings(info, last):
    exc = error_from_response(400, {"errorCode": -13, "technicalInfo": info}, context="write")
    assert isinstance(exc, errors.IllegalDocumentNumber)
    assert exc.last_document_nr == last


@pytest.mark.parametrize(
    "status, body, context, cls",
    [
        (401, {"technicalInfo": "Incrementing failed login attempt"}, "auth", errors.AuthenticationError),
        (401, {"errorCode": -2}, "write", errors.TokenRefused),
        (401, {"errorCode": -2}, "connect", errors.TokenRefused),
        (403, {"technicalInfo": "Unauthorized or disabled dossier"}, "connect", errors.DossierAccessError),
        (404, {"technicalInfo": "Dossier not found"}, "connect", errors.DossierAccessError),
        (404, {"technicalInfo": "Booking not found"}, "read", errors.NotFound),
        (403, {"errorCode": -12}, "write", errors.JournalLocked),
        (403, {"errorCode": -11}, "write", errors.JournalClosed),
        (403, {}, "write", errors.JournalUnavailable),
        (429, {"errorCode": -80}, "read", errors.DailyLimitReached),
        (400, {"technicalInfo": "Maximum allowed calls per day (2)"}, "read", errors.DailyLimitReached),
        (503, None, "read", errors.TransientError),
        (503, None, "write", errors.OutcomeUnknown),
        (400, {"technicalInfo": "Invalid or missing parameters passed"}, "read", errors.OctopusError),
    ],
)
def test_status_and_context(status, body, context, cls):
    assert type(error_from_response(status, body, context=context)) is cls


def test_secrets_are_blanked_out():
    body = {"errorMessage": "bad password hunter2", "technicalInfo": "token eyJabc rejected"}
    exc = error_from_response(401, body, context="auth", secrets=["hunter2", "eyJabc", ""])
    assert "hunter2" not in str(exc) and "hunter2" not in repr(exc)
    assert "eyJabc" not in exc.technical_info
    assert str(exc) == "bad password ***"


def test_errors_raised_by_callers_need_no_http_fields():
    exc = errors.DailyLimitReached(message="Budget for GET /accounts used up")
    assert str(exc) == "Budget for GET /accounts used up"
    assert exc.status is None
    assert issubclass(errors.OutcomeUnknown, errors.TransientError)


def test_invalid_elements_is_a_refusal_whatever_the_call():
    body = {"technicalInfo": "Invalid elements in the passed object (eg. wrong date format)"}
    for context in ("write", "read"):
        exc = error_from_response(500, body, context=context)
        assert isinstance(exc, errors.InvalidElements) and isinstance(exc, errors.BookingRefused)
    assert isinstance(error_from_response(500, None, context="write"), errors.OutcomeUnknown)
    assert isinstance(
        error_from_response(500, {"technicalInfo": "Internal error"}, context="write"), errors.OutcomeUnknown
    )
