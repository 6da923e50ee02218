"""The kernel every other package stands on: configuration, the database and its store,
the clock, errors, money, users and roles, audit. It imports no other syncwatch package."""
