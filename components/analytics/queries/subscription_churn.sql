-- Monthly churn, last 12 months: subscriptions cancelled in a month over those paying at its
-- start (paid since before the month, not cancelled before it).
WITH paid AS (
    SELECT detail.subscription_id AS subscription_id,
           min(from_iso8601_timestamp(event_time)) AS paid_at
    FROM events
    WHERE (event_type = 'TrialConverted'
           OR (event_type = 'SubscriptionStarted' AND NOT coalesce(detail.trial, false)))
      AND dt >= date_format(current_date - INTERVAL '400' DAY, '%Y-%m-%d')
    GROUP BY detail.subscription_id
),
cancelled AS (
    SELECT detail.subscription_id AS subscription_id,
           min(from_iso8601_timestamp(event_time)) AS cancelled_at
    FROM events
    WHERE event_type = 'SubscriptionCancelled'
      AND dt >= date_format(current_date - INTERVAL '400' DAY, '%Y-%m-%d')
    GROUP BY detail.subscription_id
),
months AS (
    SELECT month_start
    FROM UNNEST(sequence(date_trunc('month', current_date - INTERVAL '11' MONTH),
                         date_trunc('month', current_date), INTERVAL '1' MONTH))
        AS m (month_start)
)
SELECT
    m.month_start AS month,
    count_if(p.paid_at < m.month_start
             AND (c.cancelled_at IS NULL OR c.cancelled_at >= m.month_start))
        AS paying_at_start,
    count_if(c.cancelled_at >= m.month_start
             AND c.cancelled_at < m.month_start + INTERVAL '1' MONTH) AS cancelled,
    CAST(count_if(c.cancelled_at >= m.month_start
                  AND c.cancelled_at < m.month_start + INTERVAL '1' MONTH) AS double)
        / nullif(count_if(p.paid_at < m.month_start
                          AND (c.cancelled_at IS NULL OR c.cancelled_at >= m.month_start)), 0)
        AS churn_rate
FROM months AS m
CROSS JOIN paid AS p
LEFT JOIN cancelled AS c ON c.subscription_id = p.subscription_id
GROUP BY m.month_start
ORDER BY m.month_start
