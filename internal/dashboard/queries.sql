-- The dashboard's own SQL. Everything else it shows comes from the stats
-- query engine.

-- name: property-names
-- The custom property names of a site's events since a time, most used
-- first, for the custom properties panel's picker.
SELECT k, count(*) AS n
FROM (
    SELECT unnest(map_keys(props)) AS k
    FROM events
    WHERE site_id = ? AND ts >= ? AND kind IN ('pageview', 'custom') AND props IS NOT NULL
)
GROUP BY k
ORDER BY n DESC, k
LIMIT ?
