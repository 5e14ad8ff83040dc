"""Security monitoring: CloudTrail, the CIS benchmark alarms, GuardDuty and Security Hub."""
