"""Zendesk: organizations through the time-based export, tickets through the cursor export."""
