-- Fill the fuzzy matches of one system, row by row from Python.
COPY match_fuzzy (system, crm_account_id, customer_id, score, percent) FROM STDIN
