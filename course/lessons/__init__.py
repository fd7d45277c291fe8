"""The lessons' helpers, one module per topic: the code a lecture or an assignment imports so that its
cells stay short (gradient descent, power budgets, model capacity, keyword spotting, optimisation,
anomaly detection, monitoring, fairness, adversarial examples, the lessons' plots and explorers).

They build on the TinyML library (`course.data`, `course.features`, `course.models`, `course.deploy`…)
and on the notebook plumbing (`course.notebook`); grading and authoring never import them.
"""
