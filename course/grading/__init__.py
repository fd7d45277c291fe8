"""Grading, for instructors: the nbgrader runner (`nbgrader`), the sandbox autograde runs each submission
in (`sandbox`), feedback without hidden tests (`feedback`), the hidden tests' seeded randomness (`hidden`)
and the `course grade` command with its per-learner report (`report`).
"""
