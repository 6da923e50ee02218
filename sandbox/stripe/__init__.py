"""The Stripe simulator: customers, subscriptions, invoices and events, newest-first lists."""
