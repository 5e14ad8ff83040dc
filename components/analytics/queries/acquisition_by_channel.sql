-- Registrations per day and sign-up channel, last 30 days (marketing spend per registration
-- is on the executive dashboard, from the stack's spend config).
SELECT
    dt AS day,
    coalesce(detail.signup_channel, 'unknown') AS channel,
    count(DISTINCT detail.user_id) AS registrations
FROM events
WHERE event_type = 'UserRegistered'
  AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
GROUP BY dt, coalesce(detail.signup_channel, 'unknown')
ORDER BY dt, registrations DESC
