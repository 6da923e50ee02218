"""NetSuite connector: SuiteQL over REST with TBA or OAuth 2.0, customers and invoices."""
