-- Same e-mail/web domain; shared mailbox providers say nothing about who the customer is.
INSERT INTO match_pair
SELECT a.system, a.account_id, c.customer_id, 1.0, 'domain', 'same domain ' || a.domain
FROM match_account a
JOIN match_customer c ON c.system = a.system AND c.domain = a.domain
WHERE a.domain <> ALL (%(shared_domains)s::text[]);
-- Same normalised company name.
INSERT INTO match_pair
SELECT a.system, a.account_id, c.customer_id, 0.95, 'name',
       'same normalised name ''' || a.norm || ''''
FROM match_account a
JOIN match_customer c ON c.system = a.system AND c.norm = a.norm
WHERE a.norm <> ''
