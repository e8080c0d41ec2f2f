"""The demo portfolio to explore, and the scale portfolio to measure (``manage.py seed_demo``).

The demo is a handful of teams, people, partners and integrations whose
assessment histories tell small stories: integrations growing step by step,
one with no owner, one never rated, one gone stale, one whose score dropped,
one marketed before it worked, and the two worked examples of the rubric's
source told in our own words (VHS licensing against a closed Betamax, and
Polar with MOAT).  ``data`` holds them, ``builder`` writes them through the
services; ``scale`` generates thousands more through the batch services.
"""
