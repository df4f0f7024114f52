"""Crisis alert delivery: per-brand routes (:mod:`streams.alerts.routes`) and the non-blocking
sender with retries and dead letters (:mod:`streams.alerts.delivery`)."""
