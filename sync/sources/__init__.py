"""One module per upstream: `async fetch(...)` returning the raw document, and pure
`normalize(document)` / `normalize_records(raw records)` returning typed records."""
