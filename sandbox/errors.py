"""Octopus-shaped failures: raised anywhere in the rules, turned into a reply by api.py."""

from . import messages


class ApiError(Exception):
    """An answer other than success. Without `code` the body holds only technicalInfo, as Octopus
    does for parameter and login failures (ref §6); with it, a full ErrorResult."""

    def __init__(self, status, technical_info, code=None, message=None):
        super().__init__(technical_info)
        self.status = status
        self.technical_info = technical_info
        self.code = code
        self.message = message

    def body(self, language=None):
        """The ErrorResult; inside a dossier (`language` known) errorMessage is the code's text in
        that language, details stay in technicalInfo (see messages.py)."""
        body = {"technicalInfo": self.technical_info}
        if self.code is not None:
            body["errorCode"] = self.code
            localised = messages.text(self.code, language) if language else None
            body["errorMessage"] = localised or self.message or self.technical_info
        return body


INVALID_PARAMS = "Invalid or missing parameters passed"
INVALID_ELEMENTS = "Invalid elements in the passed object (eg. wrong date format)"


def bad_params():
    return ApiError(400, INVALID_PARAMS)


def not_found(code, message):
    return ApiError(404, message, code, message)


def refused(code, message, technical_info=None):
    """400 business validation failure (ref §6.2)."""
    return ApiError(400, technical_info or message, code, message)
