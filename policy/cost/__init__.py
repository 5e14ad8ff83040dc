"""What a plan costs per month before any traffic, from a price table kept as data.

- :mod:`policy.cost.price_table` reads ``prices.csv``: one row per item and region, each with
  the page it was read from and the date.
- :mod:`policy.cost.charges` says, per resource type, which priced items a resource uses and
  how many, and lists the types known to have no fixed charge, each with its reason.
- :mod:`policy.cost.estimate` runs every resource of a :class:`~policy.plan.Plan` through
  those charges and sums them per component, per type and in all.
- :mod:`policy.cost.traffic` prices a month of requests and events on top.

It lives in the policy pack because the pack's ceiling rule needs it; the offline preview
imports it from here.
"""
