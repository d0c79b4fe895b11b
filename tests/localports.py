"""Free ports for the servers tests start: the product's rule (``gospubliki.localports``)."""

from gospubliki.localports import free_port

__all__ = ["free_port"]
