"""Participatory processes: the frame staff run, with phases, scope, channels and what residents decide."""
