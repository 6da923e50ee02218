"""Writes to the canonical store: idempotent, bulk, and transactional with their watermark."""
