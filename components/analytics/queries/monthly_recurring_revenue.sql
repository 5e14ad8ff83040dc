-- Monthly recurring revenue per currency now: every subscription whose latest event (last
-- 400 days) is a paid start or a trial conversion, at that event's monthly value.
WITH latest AS (
    SELECT
        detail.subscription_id AS subscription_id,
        max_by(event_type, from_iso8601_timestamp(event_time)) AS last_type,
        max_by(detail.trial, from_iso8601_timestamp(event_time)) AS last_trial,
        max_by(detail.mrr_minor, from_iso8601_timestamp(event_time)) AS mrr_minor,
        max_by(detail.currency, from_iso8601_timestamp(event_time)) AS currency
    FROM events
    WHERE event_type IN ('SubscriptionStarted', 'TrialConverted', 'SubscriptionCancelled')
      AND dt >= date_format(current_date - INTERVAL '400' DAY, '%Y-%m-%d')
    GROUP BY detail.subscription_id
)
SELECT
    currency,
    count(*) AS paying_subscriptions,
    sum(mrr_minor) AS mrr_minor
FROM latest
WHERE last_type = 'TrialConverted'
   OR (last_type = 'SubscriptionStarted' AND NOT coalesce(last_trial, false))
GROUP BY currency
ORDER BY currency
