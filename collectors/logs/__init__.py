"""Middleware logs: JSON-lines files tailed by inode and byte offset into sync events."""
