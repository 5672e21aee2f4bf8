"""Scheduled pull: a provider publishes its availability as CSV or JSON at a URL we poll.

One job per module: :mod:`.schemas` (API shapes), :mod:`.fetch` (the HTTP GET, outside any
transaction), :mod:`.payload` (reading the CSV or JSON), :mod:`.service` (the sources, and
the one pull routine both "run now" and the scheduler use: apply what was fetched, record the
result), :mod:`.scheduler` (what is due, claiming it, the background loop). The API shape of a
source is built where the API is (``capacity/api.py``); the upload page reads the model.
"""
