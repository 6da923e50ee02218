"""Subcommands of the ``syncwatch`` CLI, one module per area."""
