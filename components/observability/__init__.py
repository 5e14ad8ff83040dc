"""Observability derived from monitored items: catalog, alarm factory, composites, anomaly
and SLO alarms, dashboards, tracing, saved queries, security filters, RUM and the canary.

The component is :class:`components.observability.component.Observability`.
"""
