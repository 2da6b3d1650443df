"""Community groups: organisations whose members follow items together."""
