"""The real-time analytics pipeline: bus rules, Kinesis, Firehose, the S3 lake, Glue, Athena,
the stream consumers, the time-series store and QuickSight.

``component`` composes the parts."""
