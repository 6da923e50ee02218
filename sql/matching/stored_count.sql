-- How many suggestions the refresh stored in its systems.
SELECT count(*) FROM match_suggestion WHERE system = ANY (%(systems)s::text[])
