"""The surveys app's tables."""
