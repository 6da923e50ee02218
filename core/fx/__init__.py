"""Euro foreign exchange reference rates: read from the ECB's files, stored per day, used to
show money across currencies as one total in the reporting currency."""
