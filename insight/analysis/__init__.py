"""What a community is like, as pure functions over plain values (no ORM): its language, formats,
rhythms, recurring questions and norms. ``insight.adapter`` loads the values and stores the result."""
