"""The legacy app's tables."""
