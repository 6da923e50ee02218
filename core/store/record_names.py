"""The words beside an id: a record's own name (an invoice's number) and its customer's name.

SQL shared by every reader of the store (the dashboard's queries, the weekly report).
"""

from __future__ import annotations

from typing import Final

# Every kind of record the store holds (records.OBJECT_TYPES without the systems).
OBJECT_KINDS: Final = (
    "account", "amendment", "customer", "invoice", "organization", "subscription",
    "subscription_change", "ticket",
)  # fmt: skip
_ANY_KIND: Final = "ARRAY[{}]::text[]".format(", ".join(f"'{k}'" for k in OBJECT_KINDS))


def names_join(system: str, object_type: str | None, external_id: str) -> str:
    """A ``LEFT JOIN LATERAL`` adding ``record_name`` and ``customer_name`` to each row.

    The arguments are SQL expressions of the row (``i.system``…; the join's own tables are
    ``nr``, ``np``, ``ng`` and ``na``); without an object type every kind is probed. The
    customer is the record itself for an account, customer or organization; otherwise its
    owner in the same system (an invoice's customer, through a subscription when that is the
    owner), else its CRM account.
    """
    kind = f"nr.object_type = {object_type or f'ANY ({_ANY_KIND})'}"
    return f"""
    LEFT JOIN LATERAL (
        SELECT nr.name AS record_name,
               CASE WHEN nr.object_type IN ('account', 'customer', 'organization') THEN nr.name
                    ELSE COALESCE(np.name, ng.name, na.name) END AS customer_name
        FROM source_record nr
        LEFT JOIN source_record np
               ON np.system = nr.system AND np.external_id = nr.parent_ref
              AND np.object_type IN ('customer', 'organization', 'subscription')
        LEFT JOIN source_record ng
               ON ng.system = np.system AND ng.external_id = np.parent_ref
              AND ng.object_type IN ('customer', 'organization')
        LEFT JOIN source_record na
               ON na.system = 'salesforce' AND na.object_type = 'account'
              AND na.external_id = nr.account_ref
        WHERE nr.system = {system} AND {kind} AND nr.external_id = {external_id}
        LIMIT 1
    ) names ON true"""
