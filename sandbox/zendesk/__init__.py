"""The Zendesk simulator: the cursor ticket export and the time-based organization export."""
