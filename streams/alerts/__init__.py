"""Crisis alert delivery: per-brand routes (:mod:`streams.alerts.routes`), the non-blocking
sender with retries and dead letters (:mod:`streams.alerts.deliverer`), and what it sends:
Slack messages (:mod:`streams.alerts.slack`) and signed generic webhooks
(:mod:`streams.alerts.webhook`)."""
