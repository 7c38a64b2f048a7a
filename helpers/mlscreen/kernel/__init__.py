"""Code that runs inside a grading kernel: the testkit and the checker's wire client.

Nothing here imports any other part of mlscreen (the import-linter contract holds it), so a
kernel loads only numpy, pandas and what the hidden tests grade with. No data generator, seed or
reference answer lives here: the checker (`mlscreen.checking`, in the grading process) holds them.
"""
