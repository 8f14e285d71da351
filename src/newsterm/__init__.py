"""newsterm: a terminal news reader."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/newsterm/newsterm"
USER_AGENT = f"newsterm/{__version__} (+{PROJECT_URL})"
