"""Pure PDF rendering for Charte: frozen dataclasses in, PDF bytes out; no Flask, no app imports."""
