"""Sources: what the producer names (files, folders, article URLs, RSS/Atom feeds) into Documents.

In: `SourceSpec`s from briefing.toml or the command line. Out: one `Item` per article, holding
its `Document` or the `SourceError` that says why it could not be read, in the order given.
`gather.py` walks the list and fetches URLs side by side (a few at once, two per host),
`fetch.py` fetches over HTTP (timeouts, a deadline per source, retries, size caps, http(s)
only, a conditional-GET cache), `feeds.py` reads a feed's newest items.
"""
