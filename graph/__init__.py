"""The ranking engine: pure functions over networkx graphs and plain records (no Django in them),
one adapter module that reads the ORM and writes ranking snapshots (docs/ranking.md), the
ranking task queued after each sync (tasks.py), the `rank` command and the admin's "rank now"
(admin.py). A Django app only for those: it has no models (the snapshots are influencers' RankingRun
and MemberScore).
"""
