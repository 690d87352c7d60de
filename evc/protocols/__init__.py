"""Care-task protocols (weten, kunnen, beschikken over), clearances of volunteers, the VOG
record, reminders and the JSON check for scheduling tools."""
