"""Small pieces every capability shares: safe file writes, id rules, chart style and embedding.

Nothing here imports any other part of mlscreen.
"""
