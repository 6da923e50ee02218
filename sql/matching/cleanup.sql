-- Dropped now rather than at commit, so a caller's transaction can refresh again.
DROP VIEW customer_link, live_account, flow_record;
DROP TABLE identity_link, match_account, match_customer, match_pair, match_fuzzy
