"""scomm-kg: a provenance knowledge graph of ICE's Secure Communities program."""

__version__ = "0.1.0"
