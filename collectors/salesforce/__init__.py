"""Salesforce connector: OAuth 2.0, SOQL queryAll with cursor paging, accounts and amendments."""
