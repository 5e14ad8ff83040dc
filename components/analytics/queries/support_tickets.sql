-- Support tickets per day, last 90 days: opened, resolved, open at the end of the day (over
-- the period), and the mean time to resolve in hours of the tickets resolved that day.
WITH daily AS (
    SELECT
        dt,
        count_if(event_type = 'SupportTicketOpened') AS opened,
        count_if(event_type = 'SupportTicketResolved') AS resolved,
        avg(CASE WHEN event_type = 'SupportTicketResolved'
                 THEN detail.resolution_seconds END) / 3600.0 AS hours_to_resolve
    FROM events
    WHERE event_type IN ('SupportTicketOpened', 'SupportTicketResolved')
      AND dt >= date_format(current_date - INTERVAL '90' DAY, '%Y-%m-%d')
    GROUP BY dt
)
SELECT
    dt AS day,
    opened,
    resolved,
    sum(opened - resolved) OVER (ORDER BY dt ROWS UNBOUNDED PRECEDING) AS open_tickets,
    hours_to_resolve
FROM daily
ORDER BY dt
