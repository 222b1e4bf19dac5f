"""Curation: adding sources and statements to the graph safely."""
