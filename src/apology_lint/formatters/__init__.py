"""Output formats: one module per format, each turning a ``RunReport`` into text."""
