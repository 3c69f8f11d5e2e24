"""Sending cards to Teams within its limits, whichever SDK carries them:
the pace (`pace`), the retries and their report (`deliverer`), and the
port an edge implements for the HTTP requests themselves (`connector`)."""
