"""Trend reports and digests read from the store (docs/trends.md): ``buzzwire report`` and
``buzzwire digest``. :mod:`.report` gathers a period's facts through ``streams.store.trends``
and computes its measures (``streams.trends``); :mod:`.digest` sends the headline of each
brand and department to Slack or a signed webhook."""
