-- Retention by weekly cohort: of the users who registered in a week, how many were active
-- in each following week (last 12 weeks).
WITH cohorts AS (
    SELECT
        detail.user_id AS user_id,
        date_trunc('week', min(from_iso8601_timestamp(event_time))) AS cohort_week
    FROM events
    WHERE event_type = 'UserRegistered'
      AND dt >= date_format(current_date - INTERVAL '84' DAY, '%Y-%m-%d')
    GROUP BY detail.user_id
),
activity AS (
    SELECT DISTINCT
        detail.user_id AS user_id,
        date_trunc('week', from_iso8601_timestamp(event_time)) AS active_week
    FROM events
    WHERE dt >= date_format(current_date - INTERVAL '84' DAY, '%Y-%m-%d')
      AND detail.user_id IS NOT NULL
)
SELECT
    c.cohort_week,
    date_diff('week', c.cohort_week, a.active_week) AS weeks_since_signup,
    count(DISTINCT a.user_id) AS active_users,
    CAST(count(DISTINCT a.user_id) AS double)
        / max(cohort_size.users) AS retention_rate
FROM cohorts AS c
JOIN activity AS a
    ON a.user_id = c.user_id AND a.active_week >= c.cohort_week
JOIN (
    SELECT cohort_week, count(*) AS users FROM cohorts GROUP BY cohort_week
) AS cohort_size
    ON cohort_size.cohort_week = c.cohort_week
GROUP BY c.cohort_week, date_diff('week', c.cohort_week, a.active_week)
ORDER BY c.cohort_week, weeks_since_signup
