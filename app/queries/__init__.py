"""The only place the dashboard reads the store: one module per page topic."""
