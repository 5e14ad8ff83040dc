-- Conversion funnel, last 30 days: registration -> first listing, and search -> contact
-- (a user who searched and later contacted a seller on the same day).
WITH registered AS (
    SELECT detail.user_id AS user_id, min(from_iso8601_timestamp(event_time)) AS registered_at
    FROM events
    WHERE event_type = 'UserRegistered'
      AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
    GROUP BY detail.user_id
),
first_listing AS (
    SELECT detail.seller_id AS user_id, min(from_iso8601_timestamp(event_time)) AS listed_at
    FROM events
    WHERE event_type = 'ListingCreated'
      AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
    GROUP BY detail.seller_id
),
searched AS (
    SELECT DISTINCT dt, detail.user_id AS user_id
    FROM events
    WHERE event_type = 'SearchPerformed'
      AND detail.user_id IS NOT NULL
      AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
),
contacted AS (
    SELECT DISTINCT dt, detail.user_id AS user_id
    FROM events
    WHERE event_type = 'ContactRequested'
      AND detail.user_id IS NOT NULL
      AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
)
SELECT
    'registration_to_first_listing' AS funnel,
    count(r.user_id) AS entered,
    count(f.user_id) AS converted,
    CAST(count(f.user_id) AS double) / nullif(count(r.user_id), 0) AS conversion_rate
FROM registered AS r
LEFT JOIN first_listing AS f
    ON f.user_id = r.user_id AND f.listed_at >= r.registered_at
UNION ALL
SELECT
    'search_to_contact' AS funnel,
    count(s.user_id) AS entered,
    count(c.user_id) AS converted,
    CAST(count(c.user_id) AS double) / nullif(count(s.user_id), 0) AS conversion_rate
FROM searched AS s
LEFT JOIN contacted AS c
    ON c.user_id = s.user_id AND c.dt = s.dt
