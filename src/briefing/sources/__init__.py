"""Sources: what the producer names (files, folders, article URLs, RSS/Atom feeds) into Documents.

In: `SourceSpec`s from briefing.toml or the command line. Out: one `Item` per article, holding
its `Document` or the `SourceError` that says why it could not be read. `gather.py` walks the
list, `fetch.py` fetches over HTTP (timeouts, retries, size caps, a conditional-GET cache),
`feeds.py` reads a feed's newest items.
"""
