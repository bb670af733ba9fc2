"""Pages that show discovery data beside an organization's own CRM data.

The community page (members by rank, beside the user's brands' stances and pipelines), the creator
page (a person across platforms, beside the user's partnerships, timeline and notes), and the
community insight page (what the community is like, beside each brand's readiness to speak there),
the communities list (/communities/) and Discover (/discover/: members of every community, filtered
by what they talk about, with saved views and adding many to a pipeline).

What belongs here: reads and thin views that combine `influencers`, `graph` and `insight` (shared
by every organization) with `partnerships` (scoped to the user). What does not: writes (the forms
on these pages post to partnerships' views and services), anything one lower app can show on its
own (it stays in that app), and the REST API (`api`, beside this app). Nothing below imports it.
"""
