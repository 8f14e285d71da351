"""Sync with a server people already run (issue 17): an account in feeds.toml whose
subscriptions, folders and read/starred state live on a Google Reader API server
(FreshRSS, Miniflux, Inoreader…) or a TT-RSS server. :mod:`.provider` is the one small
interface both protocols implement; the rest of newsterm never speaks either protocol."""
