"""The widgets of the main screen: nouns, each owning its own keys."""
