"""Crisis detection: a streaming anomaly detector for per-brand volumes, its backtest and scorer.

- :mod:`streams.crisis.detector`: the online detector (pure Python) shared by the stream and
  the backtest.
- :mod:`streams.crisis.backtest`: ``buzzwire backtest IN.csv --out OUT.csv``.
- :mod:`streams.crisis.nab`: a scorer following the Numenta Anomaly Benchmark's rules.
"""
