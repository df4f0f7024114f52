"""``buzzwire web``: the response inbox in a browser, its JSON API, live updates and inbox
webhooks (docs/web.md). ``streams.web.app.create_app`` builds the app; ``streams.web.main``
runs it."""
