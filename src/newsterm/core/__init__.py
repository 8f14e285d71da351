"""The headless core of newsterm. Never imports textual, rich or newsterm.ui."""
