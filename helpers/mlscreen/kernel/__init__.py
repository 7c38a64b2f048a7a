"""Code that runs inside a grading kernel: data generators and the testkit.

Nothing here imports any other part of mlscreen (the import-linter contract holds it), so a
kernel loads only numpy, pandas and what the hidden tests grade with.
"""
