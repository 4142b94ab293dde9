"""The careers app's tables."""
