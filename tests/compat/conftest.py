# The programs are scripts run by test_compat.py under torch and under scratchgrad; pytest's
# --doctest-modules must not import them (that would run them, with the real torch).
collect_ignore_glob = ["programs/*.py", "_harness.py"]
