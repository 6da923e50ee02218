"""syncwatch: business-level sync-health observability for SaaS back-office systems."""

__version__ = "0.1.0"
