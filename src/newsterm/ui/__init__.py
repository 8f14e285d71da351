"""The Textual user interface of newsterm; imported lazily by the CLI."""
