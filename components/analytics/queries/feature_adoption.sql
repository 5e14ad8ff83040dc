-- Feature adoption, last 30 days: users and uses per declared feature, and the share of
-- active users (any event with a user) who used it.
WITH active AS (
    SELECT count(DISTINCT detail.user_id) AS users
    FROM events
    WHERE detail.user_id IS NOT NULL
      AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
)
SELECT
    detail.feature AS feature,
    count(DISTINCT detail.user_id) AS users,
    count(*) AS uses,
    CAST(count(DISTINCT detail.user_id) AS double) / nullif(max(a.users), 0) AS adoption_rate
FROM events
CROSS JOIN active AS a
WHERE event_type = 'FeatureUsed'
  AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
GROUP BY detail.feature
ORDER BY users DESC
