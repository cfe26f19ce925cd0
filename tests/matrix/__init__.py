"""Permission-matrix cases of each area, one module each, each exporting `CASES: list[Case]`;
tests/permission_matrix.py collects them all."""
