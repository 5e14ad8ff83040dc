-- Incident response per severity and week of the raise, last 90 days, from the incident
-- records (docs/alerting.md#incident-records). An episode is an alert key and the
-- first_seen of its ALARM; duplicates of a record (PutEvents is at least once) fold into one.
-- MTTA: raise to the Slack Acknowledge; MTTR: raise to the resolve (the alarm's OK or the
-- Slack Resolve), both in minutes, with the 90th percentile of MTTR.
WITH raised AS (
    SELECT detail.alert_key AS alert_key, detail.first_seen AS first_seen,
           arbitrary(detail.severity) AS severity
    FROM events
    WHERE event_type = 'AlertRaised'
      AND dt >= date_format(current_date - INTERVAL '90' DAY, '%Y-%m-%d')
    GROUP BY 1, 2
),
acked AS (
    SELECT detail.alert_key AS alert_key, detail.first_seen AS first_seen,
           min(detail.ack_seconds) AS ack_seconds
    FROM events
    WHERE event_type = 'AlertAcknowledged'
      AND dt >= date_format(current_date - INTERVAL '90' DAY, '%Y-%m-%d')
    GROUP BY 1, 2
),
resolved AS (
    SELECT detail.alert_key AS alert_key, detail.first_seen AS first_seen,
           min(detail.resolve_seconds) AS resolve_seconds
    FROM events
    WHERE event_type = 'AlertResolved'
      AND dt >= date_format(current_date - INTERVAL '90' DAY, '%Y-%m-%d')
    GROUP BY 1, 2
)
SELECT
    date_trunc('week', from_unixtime(r.first_seen)) AS week,
    r.severity AS severity,
    count(*) AS raised,
    count(a.ack_seconds) AS acknowledged,
    count(s.resolve_seconds) AS resolved,
    avg(a.ack_seconds) / 60.0 AS mtta_minutes,
    avg(s.resolve_seconds) / 60.0 AS mttr_minutes,
    approx_percentile(s.resolve_seconds, 0.9) / 60.0 AS mttr_p90_minutes
FROM raised r
LEFT JOIN acked a ON a.alert_key = r.alert_key AND a.first_seen = r.first_seen
LEFT JOIN resolved s ON s.alert_key = r.alert_key AND s.first_seen = r.first_seen
GROUP BY 1, 2
ORDER BY 1, 2
