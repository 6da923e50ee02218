"""Stripe: customers, subscriptions and invoices backfilled from their lists, then kept current
through ``/v1/events``; amendment applications recorded from ``customer.subscription.updated``."""
