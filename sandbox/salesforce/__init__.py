"""The Salesforce simulator: OAuth token endpoint, SOQL query/queryAll and cursor paging."""
