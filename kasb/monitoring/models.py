"""The monitoring app's tables."""
