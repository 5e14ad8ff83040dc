-- New listings per day and category, last 30 days.
SELECT
    dt AS day,
    coalesce(detail.category, 'unknown') AS category,
    count(DISTINCT detail.listing_id) AS new_listings
FROM events
WHERE event_type = 'ListingCreated'
  AND dt >= date_format(current_date - INTERVAL '30' DAY, '%Y-%m-%d')
GROUP BY dt, coalesce(detail.category, 'unknown')
ORDER BY dt, new_listings DESC
