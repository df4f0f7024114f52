"""Trends over weeks, months, quarters and years (docs/trends.md): pure arithmetic, no database.

:mod:`.sentiment` (what counts as clearly positive or negative), :mod:`.periods` (a period's
bounds in a brand's time zone, the previous one and the same one a year before),
:mod:`.stats` (rates with their sample sizes and whether a change is more than noise),
:mod:`.measures` (the measures of a period from the store's tallies) and :mod:`.render`
(a report as JSON, CSV or one self-contained HTML file with inline SVG charts).
"""
