"""Extraction: registry pages -> API clients -> raw batches -> ``warehouse.loads.land()``."""
