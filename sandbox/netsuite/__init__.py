"""The NetSuite simulator: SuiteQL over REST with TBA or OAuth 2.0."""
