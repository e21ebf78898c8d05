"""Reading entities from the store with SPARQL: every user value goes in as a binding, never as text."""
