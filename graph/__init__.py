"""The ranking engine: pure functions over networkx graphs and plain records (no Django here),
plus one adapter module that reads the ORM and writes ranking snapshots (see DESIGN.md, Ranking).
"""
