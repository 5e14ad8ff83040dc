-- Trial-to-paid conversion per weekly cohort of trial starts, last 90 days.
WITH trials AS (
    SELECT
        detail.subscription_id AS subscription_id,
        date_trunc('week', min(from_iso8601_timestamp(event_time))) AS cohort_week
    FROM events
    WHERE event_type = 'SubscriptionStarted'
      AND detail.trial
      AND dt >= date_format(current_date - INTERVAL '90' DAY, '%Y-%m-%d')
    GROUP BY detail.subscription_id
),
converted AS (
    SELECT DISTINCT detail.subscription_id AS subscription_id
    FROM events
    WHERE event_type = 'TrialConverted'
      AND dt >= date_format(current_date - INTERVAL '90' DAY, '%Y-%m-%d')
)
SELECT
    t.cohort_week AS cohort_week,
    count(t.subscription_id) AS trials,
    count(c.subscription_id) AS converted,
    CAST(count(c.subscription_id) AS double) / nullif(count(t.subscription_id), 0)
        AS conversion_rate
FROM trials AS t
LEFT JOIN converted AS c ON c.subscription_id = t.subscription_id
GROUP BY t.cohort_week
ORDER BY t.cohort_week
