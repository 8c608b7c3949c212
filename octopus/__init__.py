"""Octopus REST API client, typed errors, daily limits and VAT helpers (no Odoo import)."""

from . import errors, limits, vat
from .client import OctopusClient
from .dossier import DossierApi
from .tokens import MemoryTokenStore

__all__ = ["DossierApi", "MemoryTokenStore", "OctopusClient", "errors", "limits", "vat"]
