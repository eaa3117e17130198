"""The enterprise registry: every enterprise keyed by its 统一社会信用代码."""
