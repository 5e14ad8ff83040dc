"""The platform every capability stands on: providers, keys and tags (core), the event bus,
the severity topics, the audit log and the AWS service event routes."""
