-- The noise report: per alert key, last 7 days, from the incident records
-- (docs/alerting.md#incident-records). raised: ALARM episodes (the noisiest first);
-- transitions: ALARM<->OK changes (raises plus resolves); short_episodes: resolved within
-- 10 minutes (flapping); never_acknowledged: critical episodes resolved without an
-- Acknowledge; silences: Silence 1 h clicks. Records of one episode fold into one.
WITH records AS (
    SELECT event_type, detail.alert_key AS alert_key, detail.first_seen AS first_seen,
           detail.severity AS severity, detail.title AS title,
           detail.resolve_seconds AS resolve_seconds
    FROM events
    WHERE event_type IN ('AlertRaised', 'AlertAcknowledged', 'AlertResolved', 'AlertSilenced')
      AND dt >= date_format(current_date - INTERVAL '7' DAY, '%Y-%m-%d')
),
episodes AS (
    SELECT
        alert_key,
        first_seen,
        arbitrary(severity) AS severity,
        arbitrary(title) AS title,
        count_if(event_type = 'AlertRaised') > 0 AS was_raised,
        count_if(event_type = 'AlertAcknowledged') > 0 AS was_acked,
        count_if(event_type = 'AlertResolved') > 0 AS was_resolved,
        min(resolve_seconds) AS resolve_seconds,
        count_if(event_type = 'AlertSilenced') AS silences
    FROM records
    GROUP BY alert_key, first_seen
)
SELECT
    alert_key,
    arbitrary(title) AS title,
    arbitrary(severity) AS severity,
    count_if(was_raised) AS raised,
    count_if(was_raised) + count_if(was_resolved) AS transitions,
    count_if(was_resolved AND resolve_seconds < 600) AS short_episodes,
    count_if(was_raised AND was_resolved AND NOT was_acked AND severity = 'critical')
        AS never_acknowledged,
    sum(silences) AS silences
FROM episodes
GROUP BY alert_key
ORDER BY raised DESC, transitions DESC, alert_key
