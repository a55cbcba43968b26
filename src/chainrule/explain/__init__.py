"""Derivatives explained: the four ways to differentiate compared on one function."""
