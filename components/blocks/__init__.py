"""Building blocks every capability uses: the Lambda block, secure bucket, dead-letter queue,
service role, private network, physical names and monitored items."""
