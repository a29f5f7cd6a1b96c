"""dialist: a contact-list service that speaks the Kore.ai Campaign Management API."""

__version__ = "0.1.0"
