"""The scale benchmarks (docs/benchmarks.md): ``make bench`` runs ``python -m bench.run``,
``make bench-import`` runs ``python -m bench.imports``.

- run.py: the steps, per database, and the command line
- prepare.py: a Django script: the signed-in lead, the pages with real ids, SQL per page
- server.py: gunicorn started and stopped with its workers
- client.py: plain HTTP requests (no redirects followed) and the page weight of a visit
- load.py: wrk and its Lua script (wrk_report.lua)
- report.py: what a run found, as Markdown
- settings.py: production settings, with static files collected into a temporary folder
- imports.py: 5 MB CSV files previewed and committed, per database (issue 5)
"""


class BenchError(Exception):
    """A step failed; the message says which one and what to do about it."""
