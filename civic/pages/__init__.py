"""Public pages that belong to no single area: home, accessibility statement, privacy notice."""
