"""Blueprints: one per concern. Views parse input, call one service, render or redirect."""
