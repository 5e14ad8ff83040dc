-- Onboarding completion funnel: of the users who registered in the last 30 days, how many
-- completed each onboarding step (at any time since).
WITH registered AS (
    SELECT DISTINCT detail.user_id AS user_id
    FROM events
    WHERE event_type = 'UserRegistered'
      AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
),
steps AS (
    SELECT DISTINCT detail.user_id AS user_id, detail.step AS step
    FROM events
    WHERE event_type = 'OnboardingStepCompleted'
      AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
)
SELECT
    s.step AS step,
    count(s.user_id) AS users,
    CAST(count(s.user_id) AS double) / nullif((SELECT count(*) FROM registered), 0)
        AS completion_rate
FROM steps AS s
JOIN registered AS r ON r.user_id = s.user_id
GROUP BY s.step
ORDER BY users DESC
