"""Where articles come from: local files, feeds over HTTP, OPML lists."""
