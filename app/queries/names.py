"""The words beside an id, as the dashboard's queries join them (defined with the store)."""

from core.store.record_names import names_join

__all__ = ["names_join"]
