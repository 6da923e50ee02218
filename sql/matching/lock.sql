-- Two refreshes at once would each delete and re-insert the same keys; readers go on.
LOCK TABLE match_suggestion IN EXCLUSIVE MODE
