-- The one definition of a normalised company name: lower case, '&' read as 'and', dots and
-- apostrophes dropped (so K.K. and S.A. become one word), other punctuation as spaces, and
-- trailing legal-form words removed. Python's fuzzy step reads names normalised here, so the
-- exact and fuzzy matchers can never disagree about what a name is.
CREATE OR REPLACE FUNCTION pg_temp.match_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
-- The legal-form words are stripped from the reversed name, where the pattern is anchored at
-- the start: PostgreSQL tries a pattern anchored only at the end from every position. The
-- words below are inc, incorporated, llc, llp, lp, ltd, limited, gmbh, ag, kg, kk, sa, sas,
-- sarl, srl, spa, bv, nv, ab, oy, as, pty, pte, plc, corp, corporation and co, reversed.
RETURN reverse(regexp_replace(
    reverse(btrim(regexp_replace(
        translate(replace(lower(name), '&', ' and '), '.''’', ''), '[^[:alnum:]]+', ' ', 'g'))),
    -- Non-capturing groups keep PostgreSQL's regex engine on its fast path (5x here).
    '^(?:(?:cni|detaroprocni|cll|pll|pl|dtl|detimil|hbmg|ga|gk|kk|as|sas|lras|lrs|aps|vb|vn|ba|yo|sa|ytp|etp|clp|proc|noitaroproc|oc) )+',
    ''));
-- Live accounts with no effective link (see flows/customer_link.sql) in each system.
CREATE TEMP TABLE match_account ON COMMIT DROP AS
SELECT s.system, a.external_id AS account_id, a.norm, a.domain
FROM (
    SELECT external_id, pg_temp.match_name(name) AS norm, nullif(lower(btrim(domain)), '') AS domain
    FROM live_account
) a
CROSS JOIN unnest(%(systems)s::text[]) AS s (system)
WHERE NOT EXISTS (
    SELECT 1 FROM customer_link l WHERE l.system = s.system AND l.account_id = a.external_id
);
ANALYZE match_account;
-- Customers not effectively linked to a live account: the only ones an account may claim.
CREATE TEMP TABLE match_customer ON COMMIT DROP AS
SELECT l.system, l.customer_id, r.name, pg_temp.match_name(r.name) AS norm,
       nullif(lower(btrim(r.domain)), '') AS domain
FROM customer_link l
JOIN source_record r
  ON r.system = l.system AND r.object_type = 'customer' AND r.external_id = l.customer_id
-- An anti-join, not "account_id IS NULL OR NOT EXISTS (…)": that form becomes a per-row
-- subplan when its hash does not fit in work_mem, which is quadratic on a large store.
LEFT JOIN live_account a ON a.external_id = l.account_id
WHERE l.system = ANY (%(systems)s::text[])
  AND a.external_id IS NULL;
ANALYZE match_customer;
CREATE TEMP TABLE match_pair (
    system         text NOT NULL,
    crm_account_id text COLLATE "C" NOT NULL,
    customer_id    text COLLATE "C" NOT NULL,
    score          double precision NOT NULL,
    method         text NOT NULL,
    reason         text NOT NULL
) ON COMMIT DROP;
CREATE TEMP TABLE match_fuzzy (
    system         text NOT NULL,
    crm_account_id text COLLATE "C" NOT NULL,
    customer_id    text COLLATE "C" NOT NULL,
    score          double precision NOT NULL,
    percent        integer NOT NULL
) ON COMMIT DROP
