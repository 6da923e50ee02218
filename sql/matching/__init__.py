"""SQL that finds and ranks account match suggestions."""
